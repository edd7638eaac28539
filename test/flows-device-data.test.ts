// A real device drives a flow: mqtt.js → MQTT agent → bus device-data → the tenant's runtime.
// The flow keeps the last reading in the persistent context (backed by the platform store),
// which survives a restart of the runtime process.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually } from './helpers/mqtt.js';

const RUNTIME_MS = 40_000;

describe('flows fed by device data', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  let device: string;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }],
    });
    device = (await p.api(jwt, 'POST', '/device', { label: 'kitchen', templates: [t.body.template.id] })).body
      .devices[0].id;
    const flow = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'last reading',
      flow: [
        { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['keep']] },
        {
          id: 'keep',
          type: 'function',
          func: 'global.set("last", { device: msg.key, attrs: msg.payload.attrs }, "persistent"); return null;',
          wires: [],
        },
        { id: 'h', type: 'http in', url: '/last', method: 'get', wires: [['read']] },
        {
          id: 'read',
          type: 'function',
          func: 'msg.payload = global.get("last", "persistent") || {}; return msg;',
          wires: [['out']],
        },
        { id: 'out', type: 'http response', wires: [] },
      ],
    });
    assert.equal(flow.status, 200);
    await eventually(
      () => p.api(jwt, 'GET', '/flows/api/last'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
  });
  after(async () => p?.close());

  it('runs a flow on each message a real MQTT device publishes', async () => {
    const client = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      await client.publishAsync(`admin:${device}/attrs`, JSON.stringify({ temperature: 22.5 }), { qos: 1 });
      const got = await eventually(
        () => p.api(jwt, 'GET', '/flows/api/last'),
        (r) => r.body?.attrs?.temperature === 22.5,
        10_000,
      );
      assert.deepEqual(got.body, { device, attrs: { temperature: 22.5 } });
    } finally {
      client.end(true);
    }
  });

  it('keeps the persistent context in the platform store across a restart of the runtime', async () => {
    const rows = await eventually(
      () =>
        p.store.query<{ value: any }>(
          "SELECT value FROM flow_context WHERE tenant = 'admin' AND scope = 'global' AND key = 'last'",
        ),
      (r) => r.length === 1,
      5000,
    );
    assert.equal(rows[0].value.attrs.temperature, 22.5);
    const before = (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');
    process.kill(before.pid, 'SIGKILL');
    const after = await eventually(
      async () => (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin'),
      (r) => r.restarts === before.restarts + 1 && r.state === 'running',
      RUNTIME_MS,
    );
    assert.notEqual(after.pid, before.pid);
    const got = await eventually(
      () => p.api(jwt, 'GET', '/flows/api/last'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.deepEqual(got.body, { device, attrs: { temperature: 22.5 } });
  });
});
