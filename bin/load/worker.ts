// One worker process of `dojot-red load`: opens its share of the devices' MQTT(S) connections
// (spread over loopback addresses, so one machine is not held to one address pair's ~28,000
// ephemeral ports, and over processes, so each stays well under the open-file limit), publishes its share
// of the rate round-robin over them, times PUBACKs, samples publish→stored through the history
// API and times the actuations arriving on the devices' config topics.
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import tls from 'node:tls';
import { DeviceClient } from './device-client.js';
import { compileTemplate } from './payload-template.js';
import { WINDOW_CAP, type ParentCommand, type Progress, type WorkerInit, type WorkerMessage } from './protocol.js';
import { Reservoir } from './reservoir.js';
import { nextPollMs } from './stored-sampling.js';

/** The publisher wakes up this often (ms) and sends what is due. */
const TICK_MS = 5;
/** Connection attempts in flight at once, per worker. */
const CONNECT_CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 15_000;
/** How often a worker looks for devices whose keep alive is due, ms. */
const KEEPALIVE_SWEEP_MS = 200;
/** Publish→stored (stored-sampling.ts): a sample not seen in the history this long after its publish is given up. */
const SAMPLE_GIVE_UP_MS = 10_000;

const send = (m: WorkerMessage) => process.send!(m);
/**
 * Sends and resolves once the message is written: the channel closed right after a send drops a
 * message still being written (a `closed` carrying thousands of latencies, to a busy parent).
 */
const sendWritten = (m: WorkerMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longest wait for the clients to close at the end, ms. */
const CLOSE_WAIT_MS = 10_000;

const errors: Record<string, number> = {};
const progress: Progress = { connected: 0, sent: 0, acked: 0, errors: 0, actuationsReceived: 0 };
const noteError = (kind: string) => {
  errors[kind] = (errors[kind] ?? 0) + 1;
  progress.errors += 1;
};
/** An error's kind: its code or first line, without ids and numbers, so like errors count together. */
const kindOf = (err: Error & { code?: string | number }) =>
  (typeof err.code === 'string' ? err.code : String(err.message).split('\n')[0])
    .replace(/\d+(\.\d+)*/g, 'N')
    .slice(0, 80);

let init: WorkerInit;
let clients: (DeviceClient | null)[] = [];
/** init.mqttHost resolved once: a name looked up for every connection cost 3 % of a worker's time. */
let mqttAddress = '';
let stopping = false;
const actuationMs = new Reservoir();
/** This second's latencies, for the live line. */
let window: { pubackMs: number[]; actuationMs: number[] } = { pubackMs: [], actuationMs: [] };

function connectOne(j: number): Promise<DeviceClient | null> {
  const device = init.devices[j];
  const localAddress = init.sourceAddresses.length ? init.sourceAddresses[j % init.sourceAddresses.length] : undefined;
  const host = init.targetAddresses.length ? init.targetAddresses[j % init.targetAddresses.length] : mqttAddress;
  const t = init.tls;
  const socket = net.createConnection({ host, port: init.mqttPort, localAddress });
  const stream = t
    ? tls.connect({
        socket,
        ca: t.ca,
        key: t.key,
        cert: t.certs[j],
        servername: net.isIP(init.mqttHost) ? undefined : init.mqttHost,
      })
    : socket;
  return new Promise((resolve) => {
    let settled = false;
    const c: DeviceClient = new DeviceClient(
      stream,
      {
        username: `${init.tenant}:${device}`,
        clientId: `load-${init.tenant}-${device}`,
        keepaliveS: init.keepaliveS,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      },
      {
        connect() {
          settled = true;
          progress.connected += 1;
          if (!init.actuations) return resolve(c);
          // Ready for actuations once the broker has its subscription: publishing starts when every
          // device is, so the first seconds do not time SUBSCRIBEs still queued from the ramp.
          c.subscribe(`${init.tenant}:${device}/config`, 1, (err) => {
            if (err) noteError(`subscribe: ${kindOf(err)}`);
            resolve(c);
          });
        },
        close(err) {
          if (!settled) {
            settled = true;
            noteError(`connect: ${err ? kindOf(err) : 'closed before CONNACK'}`);
            resolve(null);
            return;
          }
          progress.connected -= 1;
          if (!stopping) noteError(`connection lost: ${err ? kindOf(err) : 'closed'}`);
        },
        message(_topic, payload) {
          // What the platform sends a device is the actuation's attrs: the command put its send time in one.
          try {
            const sentAt = Number(JSON.parse(payload.toString())[init.actuations!.attr]);
            if (Number.isFinite(sentAt)) {
              actuationMs.add(Date.now() - sentAt);
              if (window.actuationMs.length < WINDOW_CAP) window.actuationMs.push(Date.now() - sentAt);
              progress.actuationsReceived += 1;
            }
          } catch {
            noteError('actuation not JSON');
          }
        },
      },
    );
  });
}

/**
 * One sweep over this worker's devices sends the PINGREQs that are due, instead of a timer per
 * device; every KEEPALIVE_SWEEP_MS, so the pings of devices connected over the ramp stay spread.
 */
const keepAliveSweep = setInterval(() => {
  const now = Date.now();
  for (const c of clients) c?.keepAlive(now);
}, KEEPALIVE_SWEEP_MS);

async function connectAll(): Promise<void> {
  const n = init.devices.length;
  clients = new Array(n).fill(null);
  const firstAttempt = Date.now();
  let next = 0;
  let failed = 0;
  // The ramp: device j's attempt starts at rampMs·j/n, and no more than CONNECT_CONCURRENCY wait at once.
  const lane = async () => {
    while (next < n) {
      const j = next++;
      const due = firstAttempt + (init.rampMs * j) / n;
      if (due > Date.now()) await sleep(due - Date.now());
      clients[j] = await connectOne(j);
      if (!clients[j]) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n) }, lane));
  send({ type: 'connected', connected: n - failed, failed, firstAttempt, lastConnack: Date.now() });
}

/** Publishes this worker's share for the duration, then waits for the last PUBACKs. */
async function publishAll(startAt: number): Promise<void> {
  const n = clients.length;
  const template = compileTemplate(init.payload);
  const topics = init.devices.map((d) => `${init.tenant}:${d}/attrs`);
  const sentPer = new Array<number>(n).fill(0);
  const ackedPer = new Array<number>(n).fill(0);
  const puback = new Reservoir();
  const stored = new Reservoir();
  const live = clients.map((c, j) => (c ? j : -1)).filter((j) => j >= 0);
  let total = 0;
  let pending = 0;
  let firstSend = 0;
  let lastSend = 0;
  let lastAck = 0;
  let sample: { j: number; seq: number; t: number } | null = null;
  let lastSampleAt = 0;
  let samplers: Promise<void>[] = [];
  const endAt = startAt + init.durationMs;
  const goal = Math.floor((init.rate * init.durationMs) / 1000);

  const sampleStored = async (s: { j: number; seq: number; t: number }) => {
    const { base, token, seqAttr } = init.sampling!;
    const url = `${base}/history/device/${init.devices[s.j]}/history?attr=${encodeURIComponent(seqAttr)}&lastN=1`;
    try {
      while (Date.now() - s.t < SAMPLE_GIVE_UP_MS) {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(SAMPLE_GIVE_UP_MS),
        });
        const body = (await res.json()) as { value?: unknown }[];
        // The device's rows are stored in its order: the newest at or past the sample's number means it is in.
        if (res.ok && Array.isArray(body) && Number(body[0]?.value) >= s.seq) {
          stored.add(Date.now() - s.t);
          return;
        }
        if (!res.ok && res.status !== 404) noteError(`history: ${res.status}`);
        await sleep(nextPollMs(Date.now() - s.t));
      }
      noteError('sample not stored within 10 s');
    } catch (err) {
      noteError(`history: ${kindOf(err as Error)}`);
    } finally {
      sample = null;
    }
  };

  const publishOne = (j: number) => {
    const c = clients[j]!;
    const seq = ++sentPer[j];
    const t = Date.now();
    const tp = performance.now();
    if (total++ === 0) firstSend = t;
    lastSend = t;
    progress.sent += 1;
    pending += 1;
    if (init.sampling && !sample && t - lastSampleAt >= init.sampling.everyMs) {
      sample = { j, seq, t };
      lastSampleAt = t;
    }
    const mine = sample?.j === j && sample.seq === seq ? sample : null;
    c.publish(topics[j], template.render({ seq, device: init.devices[j], now: t }), init.qos, (err) => {
      pending -= 1;
      if (err) {
        noteError(`publish: ${kindOf(err)}`);
        if (mine) sample = null;
        return;
      }
      ackedPer[j] += 1;
      progress.acked += 1;
      lastAck = Date.now();
      if (init.qos === 1) {
        const ms = performance.now() - tp;
        puback.add(ms);
        if (window.pubackMs.length < WINDOW_CAP) window.pubackMs.push(ms);
      }
      if (mine) samplers.push(sampleStored(mine));
    });
  };

  if (live.length > 0 && goal > 0) {
    if (startAt > Date.now()) await sleep(startAt - Date.now());
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = Date.now();
        const due = Math.min(goal, Math.floor(((now - startAt) * init.rate) / 1000));
        while (total < due) {
          // A device whose connection dropped is skipped; its messages go to the next one.
          let tries = 0;
          while (clients[live[next]]?.connected !== true && tries++ < live.length) next = (next + 1) % live.length;
          if (tries > live.length) {
            noteError('no device connected');
            total = goal;
            break;
          }
          publishOne(live[next]);
          next = (next + 1) % live.length;
        }
        if (total < goal && now < endAt + 1000) setTimeout(tick, TICK_MS);
        else resolve();
      };
      tick();
    });
    const settleEnd = Date.now() + init.settleMs;
    while (pending > 0 && Date.now() < settleEnd) await sleep(20);
    if (pending > 0) errors['no PUBACK before --settle ran out'] = pending;
    await Promise.all(samplers);
    samplers = [];
  }
  send({
    type: 'published',
    firstSend,
    lastSend,
    lastAck,
    sentPerDevice: sentPer,
    ackedPerDevice: ackedPer,
    pubackMs: puback.values,
    pubackCount: puback.count,
    pubackMax: puback.max,
    storedMs: stored.values,
  });
}

async function closeAll(): Promise<void> {
  stopping = true;
  // Bounded: a client that never connected may never call back, and with nothing else left to
  // wait for the process would end before saying `closed` (two 100,000-device runs lost their report so).
  await Promise.race([Promise.all(clients.map((c) => c?.end())), sleep(CLOSE_WAIT_MS)]);
  clearInterval(keepAliveSweep);
  for (const c of clients) c?.destroy();
  await sendWritten({ type: 'closed', actuationMs: actuationMs.values, errors });
}

/** The broker's address, looked up once (an address is used as it is; IPv4 first, as most brokers listen there). */
async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  const all = await lookup(host, { all: true });
  return (all.find((a) => a.family === 4) ?? all[0]).address;
}

const ticker = setInterval(() => {
  send({ type: 'progress', ...progress, window });
  window = { pubackMs: [], actuationMs: [] };
}, 1000);
process.on('message', (cmd: ParentCommand) => {
  const fail = (err: Error) => {
    noteError(`worker: ${err.message}`);
    return sendWritten({ type: 'closed', actuationMs: [], errors });
  };
  if (cmd.type === 'init') {
    init = cmd;
    resolveHost(cmd.mqttHost)
      .then((address) => {
        mqttAddress = address;
        return connectAll();
      })
      .catch(fail);
  } else if (cmd.type === 'start') publishAll(cmd.at).catch(fail);
  else if (cmd.type === 'stop') {
    clearInterval(ticker);
    closeAll()
      .catch(fail)
      .finally(() => process.disconnect());
  }
});
