// Worker thread: N devices publishing QoS 1 over TCP, on the other core than the platform, with
// the load tool's lean MQTT client (bin/load/device-client.ts: what they spend is taken from the
// platform on two cores). Messages go round-robin over the devices; each device's send times are
// kept in order, which is also the order its rows are stored in (the bus keeps per-device order).
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { DeviceClient } from '../bin/load/device-client.js';

export interface PublishersInit {
  port: number;
  tenant: string;
  devices: string[];
}

export type PublishersCommand =
  | { mode: 'max'; messages: number; window: number }
  | { mode: 'rate'; messages: number; rate: number }
  | { mode: 'stop' };

export type PublishersReply =
  | { type: 'ready' }
  | { type: 'done'; firstSend: number; lastAck: number; sendTimes: Float64Array[] }
  | { type: 'error'; message: string };

const nowMs = () => performance.timeOrigin + performance.now();
/** Rate mode wakes up this often (ms) and sends what is due. */
const TICK_MS = 1;

const init = workerData as PublishersInit;
const port = parentPort!;

function payload(i: number): string {
  return `{"temperature":${(20 + (i % 100) / 10).toFixed(1)}}`;
}

/** Each device's socket, corked for the rest of the turn in which it first writes (see batchTurn). */
const sockets = new Map<DeviceClient, net.Socket>();

/**
 * A device writes what it publishes in one turn of the event loop (a PUBACK chunk releases dozens)
 * in one write: a fast publisher with a send queue does, and a write per PUBLISH made the kernel's
 * loopback sends the largest item of this thread, on the cores the platform is measured on.
 */
function batchTurn(c: DeviceClient): void {
  const socket = sockets.get(c)!;
  if (socket.writableCorked) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}

function connectOne(id: string): Promise<DeviceClient> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port: init.port });
    const c: DeviceClient = new DeviceClient(
      socket,
      // No keep alive: a bench run is over long before a broker would miss it.
      { username: `${init.tenant}:${id}`, clientId: `bench-${id}`, keepaliveS: 0, connectTimeoutMs: 30_000 },
      {
        connect: () => {
          sockets.set(c, socket);
          resolve(c);
        },
        close: (err) => reject(new Error(`device ${id}: ${err?.message ?? 'closed'}`)),
        message: () => {},
      },
    );
  });
}

const connectAll = () => Promise.all(init.devices.map(connectOne));

function run(clients: DeviceClient[], cmd: Exclude<PublishersCommand, { mode: 'stop' }>): Promise<PublishersReply> {
  const n = clients.length;
  const topics = init.devices.map((id) => `${init.tenant}:${id}/attrs`);
  const quota = clients.map((_, j) => Math.floor(cmd.messages / n) + (j < cmd.messages % n ? 1 : 0));
  const sendTimes = quota.map((q) => new Float64Array(q));
  const sent = new Array<number>(n).fill(0);
  let acked = 0;
  let total = 0;
  let firstSend = 0;
  return new Promise((resolve) => {
    const finish = () => resolve({ type: 'done', firstSend, lastAck: nowMs(), sendTimes });
    const publish = (j: number, after: () => void) => {
      const k = sent[j]++;
      const t = nowMs();
      if (total++ === 0) firstSend = t;
      sendTimes[j][k] = t;
      batchTurn(clients[j]);
      clients[j].publish(topics[j], payload(k), 1, () => {
        acked += 1;
        after();
        if (acked === cmd.messages) finish();
      });
    };
    if (cmd.messages === 0) return finish();
    if (cmd.mode === 'max') {
      // Each device keeps `window` messages unacknowledged, as a fast device with a send queue would.
      const pump = (j: number) => {
        if (sent[j] < quota[j]) publish(j, () => pump(j));
      };
      for (let j = 0; j < n; j++) for (let w = 0; w < cmd.window && sent[j] < quota[j]; w++) pump(j);
      return;
    }
    const start = nowMs();
    let next = 0;
    const tick = () => {
      const due = Math.min(cmd.messages, Math.floor(((nowMs() - start) * cmd.rate) / 1000));
      while (total < due) {
        publish(next, () => {});
        next = (next + 1) % n;
      }
      if (total < cmd.messages) setTimeout(tick, TICK_MS);
    };
    tick();
  });
}

const clients = await connectAll();
port.postMessage({ type: 'ready' } satisfies PublishersReply);
port.on('message', (cmd: PublishersCommand) => {
  if (cmd.mode === 'stop') {
    void Promise.all(clients.map((c) => c.end())).then(() => port.close());
    return;
  }
  run(clients, cmd).then(
    (reply) =>
      port.postMessage(reply, reply.type === 'done' ? reply.sendTimes.map((a) => a.buffer as ArrayBuffer) : []),
    (err: Error) => port.postMessage({ type: 'error', message: err.message } satisfies PublishersReply),
  );
});
