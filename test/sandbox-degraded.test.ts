// A platform that cannot (or is told not to) hold every sandbox defence still runs flows, but says
// so: on /health (a warning per missing defence), on /flows/v1/runtime, and in its log at every
// start of a runtime, as an operator without root would see it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

describe('tenant runtimes without every sandbox defence', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  const logLines: string[] = [];

  before(async () => {
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(...String(chunk).split('\n')), cb()) });
    // What a platform that is not root gets: no uid per tenant, so no kernel egress rules either.
    p = await startTestPlatform({ DOJOT_RUNTIME_SANDBOX_OFF: 'uid,egress' }, { log: pino({ level: 'warn' }, sink) });
    jwt = await p.login();
  });
  after(async () => p?.close());

  it('answers /health 200 with a warning that names the defences that are off', async () => {
    const r = await p.api(null, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.details.sandbox.isolated, false);
    assert.equal(r.body.warnings.length, 1);
    assert.match(r.body.warnings[0], /tenant runtimes are not isolated \(uid, egress off\)/);
  });

  it('says on /flows/v1/runtime which defences are off, and logs a warning at each runtime start', async () => {
    const flow = [
      { id: 'in', type: 'http in', url: '/hello', method: 'get', wires: [['fn']] },
      { id: 'fn', type: 'function', func: 'msg.payload = "hi"; return msg;', wires: [['out']] },
      { id: 'out', type: 'http response', wires: [] },
    ];
    assert.equal((await p.api(jwt, 'POST', '/flows/v1/flow', { name: 'hello', flow })).status, 200);
    const answered = await eventually(
      () => p.api(jwt, 'GET', '/flows/api/hello'),
      (r) => r.status === 200,
      60_000,
    );
    assert.equal(answered.body, 'hi');
    const sandbox = (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.sandbox;
    assert.deepEqual(
      [sandbox.isolated, sandbox.defences.uid.on, sandbox.defences.egress.on, sandbox.defences.permissions.on],
      [false, false, false, true],
    );
    assert.ok(
      logLines.some((l) => l.includes('starting a tenant runtime that is NOT isolated')),
      'no warning at the runtime start',
    );
  });
});
