// The cumulative sum node: sliding window by message timestamp, late and bad messages rejected.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';

const require = createRequire(import.meta.url);
const { parse } =
  require('../../nodes/cumulative-sum/config.js') as typeof import('../../nodes/cumulative-sum/config.js');
const { add, emptyState, restore } =
  require('../../nodes/cumulative-sum/logic.js') as typeof import('../../nodes/cumulative-sum/logic.js');

const MIN = 60_000;

describe('cumulative sum logic', () => {
  it('sums the values of the last N minutes and drops older ones', () => {
    let s = emptyState();
    for (const [v, t] of [
      [10, 0],
      [20, 30 * MIN],
      [5, 59 * MIN],
    ])
      s = add(s, v, t, 60 * MIN) as typeof s;
    assert.equal(s.sum, 35);
    s = add(s, 1, 61 * MIN, 60 * MIN) as typeof s;
    assert.equal(s.sum, 26);
    assert.equal(s.entries.length, 3);
  });

  it('rejects a message older than the newest one summed and keeps the state', () => {
    const s = add(emptyState(), 10, 1000, MIN) as ReturnType<typeof emptyState>;
    const late = add(s, 5, 999, MIN);
    assert.ok(late instanceof Error);
    assert.match(late.message, /late message/);
    assert.equal(s.sum, 10);
  });

  it('starts over from a context value it cannot use', () => {
    assert.deepEqual(restore(undefined), { sum: 0, entries: [] });
    assert.deepEqual(restore({ entries: 'x' }), { sum: 0, entries: [] });
    assert.equal(
      restore({
        sum: 999,
        entries: [
          { timestamp: 1, value: 2 },
          { timestamp: 'x', value: 3 },
        ],
      }).sum,
      2,
    );
  });

  it('names the bad field of a config', () => {
    assert.throws(() => parse({ timePeriod: '0', targetAttribute: 'a', timestamp: 't', output: 'o' }), /timePeriod/);
    assert.throws(() => parse({ timePeriod: 'abc', targetAttribute: 'a', timestamp: 't', output: 'o' }), /timePeriod/);
    assert.throws(() => parse({ timePeriod: '5', timestamp: 't', output: 'o' }), /targetAttribute: is required/);
    assert.throws(() => parse({ timePeriod: '5', targetAttribute: 'a', timestamp: 't', output: 'a..b' }), /output/);
    assert.equal(parse({ timePeriod: 1.5, targetAttribute: 'msg.a', timestamp: 't', output: 'o' }).windowMs, 90_000);
  });
});

describe('the cumulative sum node', () => {
  afterEach(async () => helper.unload());

  it('writes the sum into the message, reports missing, wrongly typed and late values, and goes on', async () => {
    await load(
      ['cumulative-sum'],
      [
        {
          id: 'c',
          type: 'cumulative sum',
          timePeriod: '60',
          targetAttribute: 'payload.data.attrs.rain',
          timestamp: 'payload.metadata.timestamp',
          output: 'payload.sum',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      new StubServices(),
    );
    const sums: number[] = [];
    const errors: string[] = [];
    helper.getNode('h').on('input', (m: any) => sums.push(m.payload.sum));
    helper.getNode('c').on('call:error', (c: any) => errors.push(String(c.args[0])));
    const reading = (rain: unknown, timestamp: unknown) =>
      helper.getNode('c').receive({ payload: { data: { attrs: { rain } }, metadata: { timestamp } } });
    reading(40, 1000);
    reading('40', 2000);
    reading('lots', 3000);
    reading(undefined, 3000);
    reading(5, 500);
    reading(30, 'soon');
    reading(30, 3000);
    await tick(50);
    assert.deepEqual(sums, [40, 80, 110]);
    assert.equal(errors.length, 4);
    assert.match(errors[0], /payload\.data\.attrs\.rain: must hold a number/);
    assert.match(errors[2], /late message/);
    assert.match(errors[3], /timestamp/);
  });
});
