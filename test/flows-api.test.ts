// The flows API end to end (dojot flowbroker §5.1) against the real platform and real tenant
// runtimes: flows created over REST run, show in the runtime's own admin API, and the reverse.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually, sleep } from './helpers/mqtt.js';

const RUNTIME_MS = 40_000;

const helloFlow = (path: string, text: string) => [
  { id: `in-${path}`, type: 'http in', url: `/${path}`, method: 'get', wires: [[`fn-${path}`]] },
  {
    id: `fn-${path}`,
    type: 'function',
    func: `msg.payload = { text: ${JSON.stringify(text)} }; return msg;`,
    wires: [[`out-${path}`]],
  },
  { id: `out-${path}`, type: 'http response', wires: [] },
];

describe('flows API', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
  });
  after(async () => p?.close());

  it("creates, lists, reads, updates and deletes flows in flowbroker's shapes", async () => {
    const created = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'first',
      flow: [{ id: 'd1', type: 'debug', wires: [] }],
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.message, 'ok');
    const f = created.body.flow;
    assert.match(f.id, /^[0-9a-f-]{36}$/);
    assert.equal(f.name, 'first');
    assert.equal(f.enabled, true);
    assert.equal(typeof f.created, 'number');
    assert.equal(f.created, f.updated);
    assert.deepEqual(
      f.flow.map((n: any) => [n.id, n.type, n.z]),
      [['d1', 'debug', f.id]],
    );

    const list = await p.api(admin, 'GET', '/flows/v1/flow');
    assert.ok(list.body.flows.some((x: any) => x.id === f.id));
    const one = await p.api(admin, 'GET', `/flows/v1/flow/${f.id}`);
    assert.deepEqual([one.status, one.body.message, one.body.flow.name], [200, 'ok', 'first']);

    await sleep(5);
    const put = await p.api(admin, 'PUT', `/flows/v1/flow/${f.id}`, { name: 'renamed', enabled: false });
    assert.deepEqual([put.status, put.body.flow.name, put.body.flow.enabled], [200, 'renamed', false]);
    assert.ok(put.body.flow.updated > f.updated);
    assert.equal(put.body.flow.flow.length, 1);

    const del = await p.api(admin, 'DELETE', `/flows/v1/flow/${f.id}`);
    assert.deepEqual([del.status, del.body.message, del.body.flow.id], [200, 'flow removed', f.id]);
    const gone = await p.api(admin, 'GET', `/flows/v1/flow/${f.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(
      [gone.body.message, gone.body.flow, gone.body.code],
      [`Unknown flow: ${f.id}`, f.id, 'FLOWS_UNKNOWN'],
    );
  });

  it('refuses a flow without a name or with a node without a type, naming the problem', async () => {
    const noName = await p.api(admin, 'POST', '/flows/v1/flow', { flow: [] });
    assert.deepEqual(
      [noName.status, noName.body.message, noName.body.code],
      [400, 'Missing mandatory field: name', 'FLOWS_MISSING_NAME'],
    );
    const badNode = await p.api(admin, 'POST', '/flows/v1/flow', { name: 'x', flow: [{ id: 'a' }] });
    assert.deepEqual([badNode.status, badNode.body.message], [400, 'Given flow is invalid']);
    assert.match(badNode.body.error, /flow\[0\] has no type/);
    const badEnabled = await p.api(admin, 'PUT', '/flows/v1/flow/nope', { enabled: 'no' });
    assert.equal(badEnabled.status, 400);
  });

  it('runs a flow deployed over REST: http in → function → http response', async () => {
    const res = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'hello',
      flow: helloFlow('hello', 'hi from admin'),
    });
    assert.equal(res.status, 200);
    const got = await eventually(
      () => p.api(admin, 'GET', '/flows/api/hello'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.deepEqual(got.body, { text: 'hi from admin' });
  });

  it('really disables a flow with enabled:false and enables it again', async () => {
    const res = await p.api(admin, 'POST', '/flows/v1/flow', { name: 'toggle', flow: helloFlow('toggle', 'on') });
    const id = res.body.flow.id;
    await eventually(
      () => p.api(admin, 'GET', '/flows/api/toggle'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    await p.api(admin, 'PUT', `/flows/v1/flow/${id}`, { enabled: false });
    assert.equal((await p.api(admin, 'GET', '/flows/api/toggle')).status, 404);
    await p.api(admin, 'PUT', `/flows/v1/flow/${id}`, { enabled: true });
    assert.equal(
      (
        await eventually(
          () => p.api(admin, 'GET', '/flows/api/toggle'),
          (r) => r.status === 200,
          5000,
        )
      ).status,
      200,
    );
  });

  it('accepts a flowbroker export unchanged, even twice (node ids are renamed on collision)', async () => {
    const exported = {
      name: 'exported',
      flow: [
        { id: 'A', type: 'tab', label: 'Flow 1' },
        { id: 'e1', type: 'inject', z: 'A', repeat: '', once: false, wires: [['e2']] },
        {
          id: 'e2',
          type: 'change',
          z: 'A',
          rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'x', tot: 'str' }],
          wires: [['e3']],
        },
        { id: 'e3', type: 'debug', z: 'missing-tab', wires: [] },
      ],
    };
    const one = await p.api(admin, 'POST', '/flows/v1/flow', exported);
    const two = await p.api(admin, 'POST', '/flows/v1/flow', exported);
    assert.deepEqual([one.status, two.status], [200, 200]);
    assert.ok(one.body.flow.flow.every((n: any) => n.z === one.body.flow.id));
    const ids2 = two.body.flow.flow.map((n: any) => n.id);
    assert.ok(!ids2.includes('e1'));
    assert.deepEqual(two.body.flow.flow[0].wires, [[ids2[1]]]);
  });

  it('shows a REST flow as an editor tab, and an editor deploy as a REST flow', async () => {
    const made = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'from-rest',
      flow: [{ id: 'r1', type: 'comment', name: 'rest' }],
    });
    const id = made.body.flow.id;
    const nr = await p.api(admin, 'GET', '/flows/flows');
    assert.equal(nr.status, 200);
    const tab = nr.body.find((n: any) => n.id === id);
    assert.deepEqual([tab.type, tab.label], ['tab', 'from-rest']);

    // The editor deploys the whole config through the runtime's admin API with the platform token.
    const config = [
      ...nr.body,
      { id: 'ed-tab', type: 'tab', label: 'from-editor', disabled: false, info: '' },
      { id: 'ed1', type: 'comment', z: 'ed-tab', name: 'editor' },
    ];
    const deploy = await p.api(admin, 'POST', '/flows/flows', config);
    assert.ok([200, 204].includes(deploy.status), JSON.stringify(deploy.body));
    const list = await p.api(admin, 'GET', '/flows/v1/flow');
    const fromEditor = list.body.flows.find((f: any) => f.id === 'ed-tab');
    assert.equal(fromEditor.name, 'from-editor');
    assert.deepEqual(
      fromEditor.flow.map((n: any) => n.id),
      ['ed1'],
    );
  });

  it("feeds the tenant's device-data to its flow and publishes what the flow sends back", async () => {
    const received: unknown[] = [];
    const sub = await p.bus.subscribe({
      topic: 'admin.dojot.notifications',
      group: 'flows-api-test',
      handler: async (b) => void received.push(...b.map((m) => m.value)),
    });
    await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'device-data echo',
      flow: [
        { id: 'bi', type: 'dojot bus in', subject: 'device-data', wires: [['fx']] },
        {
          id: 'fx',
          type: 'function',
          func: 'msg.payload = { message: "temp " + msg.payload.attrs.temperature, device: msg.key }; return msg;',
          wires: [['bo']],
        },
        { id: 'bo', type: 'dojot bus out', subject: 'dojot.notifications', wires: [] },
      ],
    });
    // Another tenant's device data must not reach admin's flow.
    await eventually(
      async () => {
        await p.bus.publish('other.device-data', 'zz9', {
          metadata: { deviceid: 'zz9', tenant: 'other', timestamp: Date.now() },
          attrs: { temperature: 99 },
        });
        await p.bus.publish('admin.device-data', 'ab12', {
          metadata: { deviceid: 'ab12', tenant: 'admin', timestamp: Date.now() },
          attrs: { temperature: 21 },
        });
        await sleep(200);
        return received.length;
      },
      (n) => n > 0,
      RUNTIME_MS,
    );
    await sub.close();
    assert.deepEqual(received[0], { message: 'temp 21', device: 'ab12' });
    assert.ok(received.every((r: any) => r.device === 'ab12'));
  });

  it('lists the runtimes with state, pid, memory and counts for an admin only', async () => {
    const res = await p.api(admin, 'GET', '/flows/v1/runtime');
    assert.equal(res.status, 200);
    const rt = res.body.runtimes.find((r: any) => r.tenant === 'admin');
    assert.equal(rt.state, 'running');
    assert.equal(typeof rt.pid, 'number');
    assert.equal(typeof rt.restarts, 'number');
    assert.ok(rt.memory.rssBytes > 0);
    assert.ok('nodes' in rt.messages && 'busIn' in rt.messages);
  });

  it('runs a runtime with one V8 background thread, not four (each costs an idle runtime ~1.7 MB)', async () => {
    const rt = (await p.api(admin, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');
    // Its main thread, one V8 worker, libuv's four pool threads (Node-RED reads files at start) and
    // Node's own two; V8's default of four workers makes it 11.
    const threads = readdirSync(`/proc/${rt.pid}/task`).length;
    assert.ok(threads <= 8, `the runtime has ${threads} threads`);
  });

  it('removes every flow with DELETE /flows/v1/flow', async () => {
    const res = await p.api(admin, 'DELETE', '/flows/v1/flow');
    assert.deepEqual([res.status, res.body.message], [200, 'All flows removed']);
    assert.deepEqual((await p.api(admin, 'GET', '/flows/v1/flow')).body.flows, []);
  });
});
