// MQTT in worker processes (DOJOT_MQTT_WORKERS): the workers accept on the platform's MQTT port
// themselves (and take what the platform process accepts and hands over), so the devices' sockets
// are open in the workers and not in the platform process; data published to a worker reaches
// history, an actuation reaches a device wherever it is connected, and a worker killed is started
// again and its devices can connect again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type net from 'node:net';
import type { MqttClient } from 'mqtt';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const openFiles = (pid: number | 'self') => readdirSync(`/proc/${pid}/fd`).length;

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/** The worker (of `pids`) holding the server side of a client's TCP connection, from /proc. */
function holderOf(client: MqttClient, serverPort: number, pids: number[]): number | null {
  const clientPort = (client.stream as net.Socket).localPort!;
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .find((c) => c[1]?.endsWith(`:${hexPort(serverPort)}`) && c[2]?.endsWith(`:${hexPort(clientPort)}`));
  if (!row) return null;
  const link = `socket:[${row[9]}]`;
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

/**
 * Run in a child process while this one (the platform's) is blocked: opens `n` connections to the
 * port and waits until none is left in the listening socket's accept queue (its rx_queue in
 * /proc/net/tcp), so until some other process accepted them all; exits 1 if that takes 10 s.
 */
const CONNECT_AND_WAIT_FOR_ACCEPT = `
const net = require('node:net'); const fs = require('node:fs');
const [port, n] = process.argv.slice(1).map(Number);
const hex = port.toString(16).toUpperCase().padStart(4, '0');
const queued = () => fs.readFileSync('/proc/net/tcp', 'utf8').split('\\n').slice(1)
  .map((l) => l.trim().split(/\\s+/)).filter((c) => c[1] && c[1].endsWith(':' + hex) && c[3] === '0A')
  .reduce((q, c) => q + parseInt(c[4].split(':')[1], 16), 0);
let open = 0; const end = Date.now() + 10000;
for (let i = 0; i < n; i++) net.connect(port, '127.0.0.1', () => { if (++open === n) poll(); }).on('error', () => process.exit(2));
function poll() { if (queued() === 0) process.exit(0); if (Date.now() > end) process.exit(1); setTimeout(poll, 20); }
`;

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
    assert.equal(p.mqtt.counters().connected, devices.length);
    // Each connection was accepted once: by a worker itself, or by the platform process and handed over.
    const accepted = await eventually(
      async () => workers().reduce((n, x) => n + x.acceptedDirectly + x.handedOver, 0),
      (n) => n === devices.length,
      5_000,
    );
    assert.equal(accepted, devices.length, JSON.stringify(workers()));
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
    const pids = workers().map((w) => w.pid!);
    const holders = clients.map((c) => holderOf(c, p.mqttPort!, pids));
    assert.ok(
      holders.every((h) => h !== null),
      `a connection held by no worker: ${holders}`,
    );
    const onEach = pids.map((pid) => holders.indexOf(pid)).filter((i) => i >= 0);
    assert.deepEqual(
      new Set(onEach.map((i) => holders[i])),
      new Set(pids.filter((pid) => workers().find((w) => w.pid === pid)!.connected > 0)),
    );
    for (const [n, i] of onEach.entries())
      assert.equal(await actuate(clients[i], devices[i], n + 1), `{"fan":${n + 1}}`);
  });

  it('lets the workers accept on the MQTT port themselves: connections made while the platform process is blocked are taken', async () => {
    const sum = (k: 'acceptedDirectly' | 'handedOver') => workers().reduce((n, x) => n + x[k], 0);
    const direct = sum('acceptedDirectly');
    const handed = sum('handedOver');
    // This process (the platform's) is blocked until the child's 10 connections left the accept
    // queue: only the workers can have taken them. The child exits 1 if none did within 10 s.
    try {
      execFileSync(process.execPath, ['-e', CONNECT_AND_WAIT_FOR_ACCEPT, String(p.mqttPort), '10'], {
        timeout: 20_000,
      });
    } catch (err) {
      assert.fail(
        `no worker took the connections while the platform process was blocked (${(err as Error).message.split('\n')[0]})`,
      );
    }
    const after = await eventually(
      async () => sum('acceptedDirectly'),
      (n) => n === direct + 10,
      5_000,
    );
    assert.equal(after, direct + 10);
    assert.equal(sum('handedOver'), handed);
  });

  it('starts a killed worker again; its devices connect again and get actuations', async () => {
    // A worker that holds some of the devices (the kernel does not share accepts out evenly).
    const victim = workers().find((w) => w.connected > 0)!;
    const held = victim.connected;
    const closedClients: number[] = [];
    clients.forEach((c, i) => c.once('close', () => closedClients.push(i)));
    process.kill(victim.pid!, 'SIGKILL');
    const after = await eventually(
      async () => workers()[victim.index],
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
