// merge data and get context in a real Node-RED with stub services.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';

const require = createRequire(import.meta.url);
const { deepMerge } = require('../../nodes/merge-data/logic.js') as typeof import('../../nodes/merge-data/logic.js');
const mergeConfig = require('../../nodes/merge-data/config.js') as typeof import('../../nodes/merge-data/config.js');
const contextConfig =
  require('../../nodes/get-context/config.js') as typeof import('../../nodes/get-context/config.js');

describe('merge data', () => {
  afterEach(async () => helper.unload());

  it('merges objects key by key and replaces other values', () => {
    assert.deepEqual(deepMerge({ a: { x: 1, y: [1] }, b: 1 }, { a: { y: [2], z: 3 }, c: null }), {
      a: { x: 1, y: [2], z: 3 },
      b: 1,
      c: null,
    });
    assert.deepEqual(deepMerge('junk', { a: 1 }), { a: 1 });
  });

  it('names the bad field of a config', () => {
    assert.throws(() => mergeConfig.parse({ mergedData: 'out' }), /targetData: is required/);
    assert.throws(() => mergeConfig.parse({ targetData: 'a', mergedData: 'msg.' }), /mergedData/);
  });

  it('keeps merging what arrives in separate messages and reports a message without an object', async () => {
    await load(
      ['merge-data'],
      [
        {
          id: 'm',
          type: 'merge data',
          targetData: 'payload.data.attrs',
          mergedData: 'msg.payload.merged',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      new StubServices(),
    );
    const out: any[] = [];
    const errors: string[] = [];
    helper.getNode('h').on('input', (m: any) => out.push(m.payload.merged));
    helper.getNode('m').on('call:error', (c: any) => errors.push(String(c.args[0])));
    helper.getNode('m').receive({ payload: { data: { attrs: { t: 1, room: { a: 1 } } } } });
    helper.getNode('m').receive({ payload: { data: { attrs: 'nope' } } });
    helper.getNode('m').receive({ payload: { data: { attrs: { h: 2, room: { b: 2 } } } } });
    await tick(50);
    assert.deepEqual(out, [
      { t: 1, room: { a: 1 } },
      { t: 1, h: 2, room: { a: 1, b: 2 } },
    ]);
    assert.match(errors[0], /payload\.data\.attrs: must hold an object/);
  });
});

describe('get context', () => {
  afterEach(async () => helper.unload());

  it('names the bad field of a config', () => {
    assert.throws(
      () => contextConfig.parse({ contextLayer: 'tenant', contextContent: 'out' }),
      /contextName: is required/,
    );
    assert.throws(
      () => contextConfig.parse({ contextLayer: 'world', contextName: 'x', contextContent: 'out' }),
      /contextLayer/,
    );
    assert.throws(() => contextConfig.parse({ contextName: 'x' }), /contextContent/);
  });

  it('reads the tenant (global) and flow layers, by a fixed name or one from the message', async () => {
    await load(
      ['get-context'],
      [
        { id: 't', type: 'tab' },
        {
          id: 'g',
          z: 't',
          type: 'get context',
          contextLayer: 'tenant',
          contextName: 'limits',
          contextNameType: 'str',
          contextContent: 'payload.limits',
          wires: [['h']],
        },
        {
          id: 'f',
          z: 't',
          type: 'get context',
          contextLayer: 'flow',
          contextName: 'payload.which',
          contextNameType: 'msg',
          contextContent: 'payload.value',
          wires: [['h']],
        },
        { id: 'h', z: 't', type: 'helper' },
      ],
      new StubServices(),
    );
    const g = helper.getNode('g');
    g.context().global.set('limits', { max: 40 });
    g.context().flow.set('counter', 7);
    const out: any[] = [];
    const errors: string[] = [];
    helper.getNode('h').on('input', (m: any) => out.push(m.payload));
    helper.getNode('f').on('call:error', (c: any) => errors.push(String(c.args[0])));
    g.receive({ payload: {} });
    helper.getNode('f').receive({ payload: { which: 'counter' } });
    helper.getNode('f').receive({ payload: { which: 42 } });
    await tick(50);
    assert.deepEqual(out, [{ limits: { max: 40 } }, { which: 'counter', value: 7 }]);
    assert.match(errors[0], /payload\.which must hold a context name/);
  });
});
