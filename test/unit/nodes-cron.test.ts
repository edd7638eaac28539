// cron and cron-batch against the scheduler interface (stub), in a real Node-RED.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';

const require = createRequire(import.meta.url);
const cronConfig = require('../../nodes/cron/config.js') as typeof import('../../nodes/cron/config.js');
const batchConfig = require('../../nodes/cron-batch/config.js') as typeof import('../../nodes/cron-batch/config.js');

async function through(msg: Record<string, unknown>): Promise<{ out: any[]; errors: string[] }> {
  const out: any[] = [];
  const errors: string[] = [];
  helper.getNode('h').on('input', (m: any) => out.push(m));
  helper.getNode('n').on('call:error', (c: any) => errors.push(String(c.args[0])));
  helper.getNode('n').receive(msg);
  await tick(50);
  return { out, errors };
}

describe('the cron node', () => {
  let s: StubServices;
  beforeEach(() => (s = new StubServices()));
  afterEach(async () => helper.unload());

  it('creates a broker job from the JSON action and writes its id', async () => {
    const action = { subject: 'device-data', message: { attrs: { tick: 1 } } };
    await load(
      ['cron'],
      [
        {
          id: 'n',
          type: 'cron',
          operation: 'CREATE',
          cronTimeExpression: '*/5 * * * *',
          jobName: 'tick',
          jobDescription: 'd',
          jobType: 'EVENT REQUEST',
          jobAction: JSON.stringify(action),
          jobActionType: 'json',
          outJobId: 'payload.jobId',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const { out } = await through({ payload: {} });
    const id = out[0].payload.jobId;
    assert.deepEqual(s.jobs.get(id), { time: '*/5 * * * *', name: 'tick', description: 'd', broker: action });
  });

  it('creates an http job from an action in the message and removes a job by the id in the message', async () => {
    await load(
      ['cron'],
      [
        {
          id: 'n',
          type: 'cron',
          operation: 'CREATE',
          cronTimeExpression: '0 * * * *',
          jobType: 'HTTP REQUEST',
          jobAction: 'payload.action',
          jobActionType: 'msg',
          outJobId: 'payload.jobId',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const { out } = await through({ payload: { action: { method: 'GET', url: 'http://x' } } });
    const id = out[0].payload.jobId;
    assert.deepEqual(s.jobs.get(id)?.http, { method: 'GET', url: 'http://x' });
    await helper.unload();
    await load(
      ['cron'],
      [
        { id: 'n', type: 'cron', operation: 'REMOVE', inJobId: 'payload.jobId', wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    await through({ payload: { jobId: id } });
    assert.equal(s.jobs.size, 0);
  });

  it('reports a job the scheduler refuses and an action that is not an object', async () => {
    await load(
      ['cron'],
      [
        {
          id: 'n',
          type: 'cron',
          operation: 'CREATE',
          cronTimeExpression: 'soon',
          jobAction: 'payload.a',
          jobActionType: 'msg',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    assert.match((await through({ payload: { a: 'x' } })).errors[0], /jobAction must be an object/);
    assert.match((await through({ payload: { a: { subject: 'device-data', message: {} } } })).errors[0], /time/);
  });

  it('names the bad field of a config', () => {
    assert.throws(() => cronConfig.parse({ operation: 'CREATE', jobAction: '{}' }), /cronTimeExpression/);
    assert.throws(
      () => cronConfig.parse({ operation: 'CREATE', cronTimeExpression: '* * * * *', jobAction: '{oops' }),
      /jobAction: must be JSON/,
    );
    assert.throws(() => cronConfig.parse({ operation: 'UPDATE' }), /operation/);
    assert.throws(() => cronConfig.parse({ operation: 'REMOVE' }), /inJobId/);
  });
});

describe('the cron-batch node', () => {
  let s: StubServices;
  beforeEach(() => (s = new StubServices()));
  afterEach(async () => helper.unload());

  it('creates many jobs, writes their ids in order, and removes them', async () => {
    await load(
      ['cron-batch'],
      [
        {
          id: 'n',
          type: 'cron-batch',
          operation: 'CREATE',
          jobs: 'payload.jobs',
          outJobIds: 'payload.ids',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const jobs = [1, 2, 3].map((i) => ({ time: `${i} * * * *`, broker: { subject: 'device-data', message: {} } }));
    const { out } = await through({ payload: { jobs } });
    const ids = out[0].payload.ids;
    assert.equal(ids.length, 3);
    assert.equal(s.jobs.get(ids[2]).time, '3 * * * *');
    await helper.unload();
    await load(
      ['cron-batch'],
      [
        {
          id: 'n',
          type: 'cron-batch',
          operation: 'REMOVE',
          inJobIds: 'payload.ids',
          outJobIds: 'payload.removed',
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const removed = await through({ payload: { ids: [...ids, 'unknown'] } });
    assert.deepEqual(removed.out[0].payload.removed, ids);
    assert.equal(s.jobs.size, 0);
  });

  it('reports a bad list and says how many jobs were created before a refused one', async () => {
    await load(
      ['cron-batch'],
      [
        { id: 'n', type: 'cron-batch', operation: 'CREATE', jobs: 'payload.jobs', wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    assert.match((await through({ payload: { jobs: 'x' } })).errors[0], /payload\.jobs must hold a list/);
    const { errors } = await through({ payload: { jobs: [{ time: '* * * * *' }, { time: 'bad' }] } });
    assert.match(errors[0], /job 1: .*\(1 created before it\)/);
  });

  it('names the bad field of a config', () => {
    assert.throws(() => batchConfig.parse({ operation: 'CREATE' }), /jobs: is required/);
    assert.throws(() => batchConfig.parse({ operation: 'REMOVE', jobs: 'x' }), /inJobIds/);
    assert.throws(() => batchConfig.parse({ operation: 'CREATE', jobs: 'x', timeout: '-1' }), /timeout/);
    assert.equal(batchConfig.parse({ operation: 'CREATE', jobs: 'x' }).timeoutMs, 1000);
  });
});
