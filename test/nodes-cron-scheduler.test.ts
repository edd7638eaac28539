// The cron nodes against the platform's real scheduler, through the tenant runtime: a flow
// creates a job (its id comes back), the job is listed by /cron/v1/jobs, and cron-batch removes it.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

describe('cron nodes with the platform scheduler', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    const action = { subject: 'device-data', message: { attrs: { tick: 1 } } };
    const r = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'scheduling',
      flow: [
        { id: 'in1', type: 'http in', url: '/schedule', method: 'post', wires: [['cron1']] },
        {
          id: 'cron1',
          type: 'cron',
          operation: 'CREATE',
          cronTimeExpression: '0 0 1 1 *',
          jobName: 'new year',
          jobDescription: '',
          jobType: 'EVENT REQUEST',
          jobAction: JSON.stringify(action),
          jobActionType: 'json',
          outJobId: 'payload.jobId',
          inJobId: '',
          wires: [['res1']],
        },
        { id: 'in2', type: 'http in', url: '/unschedule', method: 'post', wires: [['batch']] },
        {
          id: 'batch',
          type: 'cron-batch',
          operation: 'REMOVE',
          jobs: '',
          inJobIds: 'payload.ids',
          outJobIds: 'payload.removed',
          timeout: 5000,
          wires: [['res1']],
        },
        { id: 'res1', type: 'http response', wires: [] },
        { id: 'catch', type: 'catch', scope: null, wires: [['res1']] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => p?.close());

  it('creates a job from a flow, lists it over REST, and removes it with cron-batch', async () => {
    const created = await eventually(
      () => p.api(jwt, 'POST', '/flows/api/schedule', {}),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    const jobId = created.body.jobId;
    assert.equal(typeof jobId, 'string', JSON.stringify(created.body));
    const jobs = await p.api(jwt, 'GET', '/cron/v1/jobs');
    assert.ok(
      jobs.body.some((j: any) => j.jobId === jobId && j.spec.name === 'new year'),
      JSON.stringify(jobs.body),
    );
    const removed = await p.api(jwt, 'POST', '/flows/api/unschedule', { ids: [jobId] });
    assert.deepEqual(removed.body.removed, [jobId]);
    assert.ok(!(await p.api(jwt, 'GET', '/cron/v1/jobs')).body.some((j: any) => j.jobId === jobId));
  });
});
