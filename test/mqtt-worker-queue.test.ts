// The bound on connections waiting for an MQTT worker (DOJOT_MQTT_WORKER_QUEUE): a worker takes one
// connection at a time, so while it is slow to take them they queue in the platform process. A
// stopped worker (SIGSTOP: it takes nothing) must not let that queue grow without end: past the
// bound a new connection is closed at once, and once the worker runs again the waiting ones connect.
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const QUEUE = 3;

/** A template with one dynamic attribute and `count` devices of it, as the admin; their ids. */
async function makeDevices(p: TestPlatform, label: string, count: number): Promise<string[]> {
  const admin = await p.login();
  const t = await p.api(admin, 'POST', '/template', {
    label: `${label}-t`,
    attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }],
  });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const d = await p.api(admin, 'POST', `/device?count=${count}`, { label, templates: [t.body.template.id] });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  return d.body.devices.map((x: { id: string }) => x.id);
}

/** A device's client that does not retry (kept in `clients` to be ended), with what happened to it. */
function openDevice(
  port: number,
  id: string,
  clients: MqttClient[],
): { client: MqttClient; connacked: () => boolean; closed: () => boolean } {
  let connacked = false;
  let closed = false;
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    username: `admin:${id}`,
    reconnectPeriod: 0,
    connectTimeout: 60_000,
  });
  client.on('connect', () => (connacked = true));
  client.on('close', () => (closed = true));
  client.on('error', () => undefined);
  clients.push(client);
  return { client, connacked: () => connacked, closed: () => closed };
}

describe('MQTT worker queue bound', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let devices: string[] = [];
  const clients: MqttClient[] = [];
  let stoppedPid: number | null = null;

  before(async () => {
    p = await startTestPlatform({ DOJOT_MQTT_WORKERS: '1', DOJOT_MQTT_WORKER_QUEUE: String(QUEUE) });
    devices = await makeDevices(p, 'q', QUEUE + 3);
  });

  after(async () => {
    if (stoppedPid) process.kill(stoppedPid, 'SIGCONT');
    for (const c of clients) c.end(true);
    await p?.close();
  });

  const open = (id: string) => openDevice(p.mqttPort!, id, clients);

  it('closes a new connection at once when the worker has that many waiting, and connects the waiting ones when it runs again', async () => {
    const [worker] = p.mqtt.workers();
    assert.ok(worker.pid);
    process.kill(worker.pid, 'SIGSTOP');
    stoppedPid = worker.pid;

    // Whichever is accepted first is handed over (and the worker never says it holds it); the others wait.
    const held = devices.slice(0, QUEUE + 1).map((id) => open(id));
    const waiting = await eventually(
      async () => p.mqtt.workers()[0].waiting,
      (n) => n === QUEUE,
      10_000,
    );
    assert.equal(waiting, QUEUE, 'connections waiting for the stopped worker');

    const extra = open(devices[QUEUE + 1]);
    await eventually(
      async () => extra.closed(),
      (c) => c,
      10_000,
    );
    assert.equal(extra.closed(), true, 'a connection past the bound is closed at once');
    assert.equal(extra.connacked(), false);
    assert.equal(p.mqtt.workers()[0].waiting, QUEUE, 'and is not queued');
    assert.deepEqual(p.mqtt.unserved(), { worker_full: 0, no_worker: 1, hand_over_failed: 0 }, 'and is counted');
    assert.equal(
      held.some((h) => h.closed() || h.connacked()),
      false,
      'the waiting ones are kept',
    );

    process.kill(worker.pid, 'SIGCONT');
    stoppedPid = null;
    await eventually(
      async () => held.every((h) => h.connacked()),
      (ok) => ok,
      20_000,
    );
    assert.deepEqual(
      held.map((h) => h.connacked()),
      held.map(() => true),
      'every waiting connection is served once the worker runs',
    );
    assert.equal(p.mqtt.workers()[0].waiting, 0);

    // The client that was closed connects when it tries again.
    const retry = open(devices[QUEUE + 1]);
    await eventually(
      async () => retry.connacked(),
      (ok) => ok,
      10_000,
    );
    assert.equal(retry.connacked(), true);
  });
});

// The bound on connections one worker holds (DOJOT_MQTT_WORKER_MAX_CONNECTIONS; by default its
// open-file limit less 500): a full worker stops accepting on the shared port and is handed none,
// so it never runs out of files; once under 90 % of it, it takes new connections again.
describe('MQTT worker connection bound', function () {
  this.timeout(120_000);
  const MAX = 3;
  let p: TestPlatform;
  let devices: string[] = [];
  const clients: MqttClient[] = [];

  before(async () => {
    p = await startTestPlatform({ DOJOT_MQTT_WORKERS: '2', DOJOT_MQTT_WORKER_MAX_CONNECTIONS: String(MAX) });
    devices = await makeDevices(p, 'b', 2 * MAX + 2);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await p?.close();
  });

  /** Connects, trying again while a full platform closes the connection, for up to 10 s. */
  async function connectSoon(id: string): Promise<MqttClient> {
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        const c = await connectDevice(p.mqttPort!, `admin:${id}`);
        clients.push(c);
        return c;
      } catch (err) {
        if (Date.now() > end) throw err;
        await sleep(100);
      }
    }
  }

  it('holds no more than the bound in a worker, closes a connection when both are full, and takes one again once a connection ends', async () => {
    const held: MqttClient[] = [];
    for (const id of devices.slice(0, 2 * MAX)) held.push(await connectSoon(id));
    // Waited for: a client that gave up on a slow CONNACK and tried again may be counted by its
    // worker for a moment after its socket closed.
    const full = await eventually(
      async () => p.mqtt.workers().map((w) => w.connected),
      (c) => c.every((n) => n === MAX),
      10_000,
    );
    assert.deepEqual(full, [MAX, MAX], 'each worker holds the bound');

    // Both full: a new connection is closed before its CONNACK, by whichever process took it.
    await assert.rejects(connectDevice(p.mqttPort!, `admin:${devices[2 * MAX]}`), /closed before CONNACK|ECONNRESET/); // a close or, with its CONNECT unread, a reset
    assert.deepEqual(
      p.mqtt.workers().map((w) => w.connected),
      [MAX, MAX],
    );
    // Counted, under why (a worker reports every 250 ms), and shown in /metrics with each worker's clients.
    const unserved = await eventually(
      async () => p.mqtt.unserved(),
      (u) => u.worker_full + u.no_worker >= 1,
      5_000,
    );
    assert.equal(unserved.hand_over_failed, 0);
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
    const unservedTotal = [...metrics.matchAll(/^dojot_mqtt_connections_unserved_total\{reason="(\w+)"\} (\d+)$/gm)]
      .map((m) => Number(m[2]))
      .reduce((a, b) => a + b, 0);
    assert.ok(
      unservedTotal >= 1,
      metrics
        .split('\n')
        .filter((l) => l.includes('unserved'))
        .join('\n'),
    );
    assert.match(metrics, new RegExp(`^dojot_mqtt_worker_connections\\{worker="0"\\} ${MAX}$`, 'm'));
    assert.match(metrics, new RegExp(`^dojot_mqtt_worker_connections\\{worker="1"\\} ${MAX}$`, 'm'));

    // One ends: its worker is under 90 % of the bound and takes the next.
    await held[0].endAsync();
    await connectSoon(devices[2 * MAX + 1]);
    const after = await eventually(
      async () => p.mqtt.workers().map((w) => w.connected),
      (c) => c.every((n) => n === MAX),
      10_000,
    );
    assert.deepEqual(after, [MAX, MAX]);
  });
});

// A worker filled by connections the platform process handed it says so with its word that it
// holds the last one, so the platform never sends it one more: a connection still waiting for it
// goes to another worker, or (none free) is closed by the platform process.
describe('MQTT worker filled by hand-overs', function () {
  this.timeout(120_000);
  const MAX = 3;
  let p: TestPlatform;
  let devices: string[] = [];
  const clients: MqttClient[] = [];
  let stoppedPid: number | null = null;

  before(async () => {
    p = await startTestPlatform({ DOJOT_MQTT_WORKERS: '1', DOJOT_MQTT_WORKER_MAX_CONNECTIONS: String(MAX) });
    devices = await makeDevices(p, 'h', MAX + 1);
  });

  after(async () => {
    if (stoppedPid) process.kill(stoppedPid, 'SIGCONT');
    for (const c of clients) c.end(true);
    await p?.close();
  });

  it('hands a full worker nothing more: the connection waiting past its maximum is closed by the platform', async () => {
    const [worker] = p.mqtt.workers();
    assert.ok(worker.pid);
    // Stopped, the worker accepts nothing itself: the platform process takes all four and queues them.
    process.kill(worker.pid, 'SIGSTOP');
    stoppedPid = worker.pid;
    const states = devices.map((id) => openDevice(p.mqttPort!, id, clients));
    await eventually(
      async () => p.mqtt.workers()[0].waiting,
      (n) => n === MAX,
      10_000,
    );
    process.kill(worker.pid, 'SIGCONT');
    stoppedPid = null;
    await eventually(
      async () => states.filter((s) => s.connacked() || s.closed()).length,
      (n) => n === MAX + 1,
      20_000,
    );
    assert.equal(states.filter((s) => s.connacked()).length, MAX);
    assert.deepEqual(p.mqtt.unserved(), { worker_full: 0, no_worker: 1, hand_over_failed: 0 });
    assert.equal(p.mqtt.workers()[0].handedOver, MAX);
  });
});
