// MQTT in worker processes (DOJOT_MQTT_WORKERS): the platform process accepts connections and
// hands them over, so the devices' sockets are open in the workers and not in the platform
// process; data published to a worker reaches history, an actuation reaches a device wherever it
// is connected, and a worker killed is started again and its devices can connect again.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const openFiles = (pid: number | 'self') => readdirSync(`/proc/${pid}/fd`).length;

describe('MQTT in worker processes', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let admin: string;
  const devices: string[] = [];
  const clients: MqttClient[] = [];

  before(async () => {
    p = await startTestPlatform({ DOJOT_MQTT_WORKERS: '2' });
    admin = await p.login();
    const t = await p.api(admin, 'POST', '/template', {
      label: 'workers-t',
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'integer' },
      ],
    });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const d = await p.api(admin, 'POST', '/device?count=30', { label: 'w', templates: [t.body.template.id] });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    for (const dev of d.body.devices) devices.push(dev.id);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await p?.close();
  });

  const workers = () => p.mqtt.workers();

  it('starts the workers as processes of their own', () => {
    const w = workers();
    assert.equal(w.length, 2);
    for (const x of w) {
      assert.equal(x.ready, true);
      assert.ok(x.pid && x.pid !== process.pid);
    }
  });

  it('holds the connections in the workers, none in the platform process', async () => {
    const before = openFiles('self');
    const workerFilesBefore = workers().reduce((n, w) => n + openFiles(w.pid!), 0);
    for (const id of devices) clients.push(await connectDevice(p.mqttPort!, `admin:${id}`));
    const w = await eventually(
      async () => workers(),
      (ws) => ws.reduce((n, x) => n + x.connected, 0) === devices.length,
      10_000,
    );
    // Handed over in turn: both workers hold some.
    for (const x of w) assert.ok(x.connected > 0, `worker ${x.index} holds no connection: ${JSON.stringify(w)}`);
    assert.equal(p.mqtt.counters().connected, devices.length);
    // This process opened 30 client sockets of its own (the mqtt.js clients) and must hold no
    // server-side socket: 30 more than before, give or take files opened meanwhile (holding the
    // server sides too would make it 60).
    const grown = openFiles('self') - before;
    assert.ok(grown < devices.length + 20, `the platform process holds ${grown} more files`);
    const workerGrown = w.reduce((n, x) => n + openFiles(x.pid!), 0) - workerFilesBefore;
    assert.ok(workerGrown >= devices.length, `the workers hold only ${workerGrown} more files`);
  });

  it('stores what a device publishes through a worker (QoS 1 acknowledged)', async () => {
    const id = devices[0];
    await clients[0].publishAsync(`admin:${id}/attrs`, JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    const res = await eventually(
      () => p.api(admin, 'GET', `/history/device/${id}/history?lastN=1&attr=temperature`),
      (r) => r.status === 200 && Array.isArray(r.body) && r.body.length === 1,
      10_000,
    );
    assert.equal(res.body[0].value, 21.5);
    // The workers' counters reach the platform process.
    const c = await eventually(
      async () => p.mqtt.counters(),
      (x) => x.messagesForwarded >= 1,
      5_000,
    );
    assert.ok(c.messagesForwarded >= 1);
  });

  const actuate = async (client: MqttClient, id: string, fan: number) => {
    await client.subscribeAsync(`admin:${id}/config`, { qos: 1 });
    const got = new Promise<string>((resolve) => client.once('message', (_t, payload) => resolve(payload.toString())));
    const res = await p.api(admin, 'PUT', `/device/${id}/actuate`, { attrs: { fan } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return got;
  };

  it('delivers actuations to devices on every worker', async () => {
    // Consecutive connections went to different workers.
    assert.equal(await actuate(clients[0], devices[0], 1), '{"fan":1}');
    assert.equal(await actuate(clients[1], devices[1], 2), '{"fan":2}');
  });

  it('starts a killed worker again; its devices connect again and get actuations', async () => {
    const victim = workers()[0];
    const held = victim.connected;
    const closedClients: number[] = [];
    clients.forEach((c, i) => c.once('close', () => closedClients.push(i)));
    process.kill(victim.pid!, 'SIGKILL');
    const after = await eventually(
      async () => workers()[0],
      (w) => w.restarts === 1 && w.ready && w.pid !== victim.pid,
      20_000,
    );
    assert.equal(after.restarts, 1);
    assert.ok(after.ready);
    await eventually(
      async () => closedClients.length,
      (n) => n === held,
      10_000,
    );
    assert.equal(closedClients.length, held);
    // Those devices connect again (to either worker) and are served as before.
    for (const i of closedClients) clients[i] = await connectDevice(p.mqttPort!, `admin:${devices[i]}`);
    await eventually(
      async () => workers().reduce((n, x) => n + x.connected, 0),
      (n) => n === devices.length,
      10_000,
    );
    assert.equal(
      workers().reduce((n, x) => n + x.connected, 0),
      devices.length,
    );
    const i = closedClients[0];
    assert.equal(await actuate(clients[i], devices[i], 7), '{"fan":7}');
    // And the survivors still are.
    const survivor = clients.findIndex((_c, j) => !closedClients.includes(j));
    assert.equal(await actuate(clients[survivor], devices[survivor], 8), '{"fan":8}');
  });
});
