// MQTT in worker processes (DOJOT_MQTT_WORKERS = n > 0). The platform process opens the MQTT
// ports and sends each worker the listening server itself: the workers accept on the same sockets
// (shared-listeners.ts), so most connections never pass through this process. What this process
// accepts itself (it keeps listening: when every worker is busy, full or stopped) it hands, unread,
// to a worker in turn (child_process handle passing; this process closes its copy once sent, so it
// holds no device connection and each worker may hold up to its own open-file limit of them), one
// at a time per worker (sendNextSocket says why). Each
// worker runs the broker (worker-main.ts); this side answers what the workers ask over IPC
// (ipc.ts): device lookups, publishes on the bus (all the publishes of one IPC batch in one
// publishMany), subscriptions on their behalf, and the x509 service for MQTTS.
//
// A worker that dies is started again (after a pause that grows while it keeps dying); its
// devices reconnect and are handed to the live workers. The batches it held are delivered again,
// since the subscriptions made for it fail them.
import { fork, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { BusMessage, Subscription } from '../platform/bus/index.js';
import type { PlatformContext } from '../platform/context.js';
import type { Logger } from '../platform/log.js';
import type { X509Client } from '../x509/client.js';
import type { Refusals } from './certificate-identity.js';
import type { AgentCounters, DropReason } from './counters.js';
import {
  Channel,
  isListenAgain,
  isSocketTaken,
  isWireBatch,
  topicFromWire,
  type ListenerNote,
  type SocketNote,
  type WireTopic,
} from './ipc.js';

/** A worker that has not said it is ready by then is taken for failed. */
const READY_TIMEOUT_MS = 60_000;
/** Longest a worker may take to close its connections before it is killed. */
const CLOSE_TIMEOUT_MS = 10_000;
/** The pause before restarting a worker that died: doubled while it keeps dying, up to the max. */
const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 10_000;
/** A worker that lived this long before dying is restarted after the shortest pause again. */
const RESTART_RESET_MS = 30_000;

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));

export interface WorkerInfo {
  index: number;
  pid: number | null;
  ready: boolean;
  /** Clients connected to this worker, as it last reported. */
  connected: number;
  /** Times this worker slot was started again after its process died. */
  restarts: number;
  /**
   * Accepted connections waiting until this worker takes them (one at a time, see sendNextSocket);
   * at DOJOT_MQTT_WORKER_QUEUE a new connection goes to another worker or is closed (its client retries).
   */
  waiting: number;
  /** Connections this worker accepted itself on the shared ports, as it last reported. */
  acceptedDirectly: number;
  /** Connections the platform process accepted and handed to this worker. */
  handedOver: number;
  /** Connections this worker closed unserved because it was full (at its connection maximum). */
  closedFull: number;
}

/** Connections closed before any MQTT, by why: their clients must connect again. */
export interface UnservedConnections {
  /** A worker at its connection maximum (DOJOT_MQTT_WORKER_MAX_CONNECTIONS or its file limit). */
  worker_full: number;
  /** The platform process found no worker to hand the connection to (all full, stopped or queued up). */
  no_worker: number;
  /** Handing the connection to a worker failed (the worker was stopping). */
  hand_over_failed: number;
}

export interface WorkerPool {
  port: number | null;
  tlsPort: number | null;
  counters(): AgentCounters;
  workers(): WorkerInfo[];
  unserved(): UnservedConnections;
  close(): Promise<void>;
}

interface Slot {
  index: number;
  child: ChildProcess | null;
  channel: Channel | null;
  ready: boolean;
  stats: AgentCounters | null;
  subs: Map<number, Subscription>;
  restarts: number;
  backoffMs: number;
  startedAt: number;
  onReady?: () => void;
  /** Accepted connections waiting for this worker, oldest first. */
  waiting: [SocketNote['dojotMqttSocket'], net.Socket][];
  /** A socket was sent and the worker has not yet said it holds it. */
  handing: boolean;
  acceptedDirectly: number;
  /** The worker said it holds all the connections its open-file limit allows: hand it none. */
  full: boolean;
  /** What the worker's earlier processes in this slot accepted. */
  acceptedBefore: number;
  handedOver: number;
  closedFull: number;
  /** What the worker's earlier processes in this slot closed unserved. */
  closedFullBefore: number;
}

export interface WorkerPoolDeps {
  devices: DeviceManagerClient;
  x509?: X509Client;
  refusals: Refusals;
  log: Logger;
}

export async function startWorkerPool(ctx: PlatformContext, deps: WorkerPoolDeps): Promise<WorkerPool> {
  const { config, bus } = ctx;
  const { devices, x509, refusals, log } = deps;
  const slots: Slot[] = [];
  let closing = false;
  let turn = 0;
  let noWorker = 0;
  let handOverFailed = 0;
  const servers: net.Server[] = [];
  const listeners = new Map<ListenerNote['dojotMqttListener'], net.Server>();

  function spawn(slot: Slot): void {
    const child = fork(WORKER_MAIN, [], { serialization: 'json' });
    slot.child = child;
    slot.ready = false;
    slot.startedAt = Date.now();
    const channel = new Channel(
      (b) => {
        if (child.connected) child.send(b);
      },
      {
        // The worker logs at this process's logger's level (which may differ from config.logLevel).
        init: () => ({ config, index: slot.index, tls: Boolean(x509), logLevel: log.level }),
        exists: (tenant: string, id: string) => devices.deviceExists(tenant, id),
        subscribe: async (
          id: number,
          topic: WireTopic,
          group: string,
          maxBatch?: number,
          fromBeginning?: boolean,
          events?: string[],
        ) => {
          const sub = await bus.subscribe({
            topic: topicFromWire(topic),
            group,
            maxBatch,
            fromBeginning,
            // Filtered here, so what the worker does not want never crosses the channel.
            events: Array.isArray(events) ? events.filter((e) => typeof e === 'string') : undefined,
            // Handled when the worker has handled it; a worker gone fails it, and the bus redelivers.
            handler: async (batch: BusMessage[]) => {
              await channel.request('batch', id, batch);
            },
          });
          slot.subs.set(id, sub);
        },
        unsubscribe: async (id: number) => {
          const sub = slot.subs.get(id);
          slot.subs.delete(id);
          await sub?.close();
        },
        x509Credentials: (hostnames: string[]) => x509!.serverCredentials(hostnames),
        x509Roots: () => x509!.trustedRoots(),
        x509Identify: (raw: string) => x509!.identify(new X509Certificate(Buffer.from(raw, 'base64'))),
        refusal: (fingerprint: string | null, reason: string) => refusals.add(fingerprint, reason),
        log: (line: string) => relayLog(log, line, child.pid),
        stats: (s: AgentCounters, acceptedHere?: number, full?: boolean, closedFull?: number) => {
          slot.stats = s;
          slot.full = full === true;
          if (typeof acceptedHere === 'number') slot.acceptedDirectly = slot.acceptedBefore + acceptedHere;
          if (typeof closedFull === 'number') slot.closedFull = slot.closedFullBefore + closedFull;
        },
        ready: () => {
          slot.ready = true;
          for (const kind of listeners.keys()) sendListener(slot, kind);
          slot.onReady?.();
        },
      },
      {
        // One bus round trip for every publish of the batch; per-device order is the array order.
        publish: (calls) =>
          bus.publishMany(calls.map(([topic, key, value]) => ({ topic: topic as string, key: key as string, value }))),
      },
    );
    slot.channel = channel;
    child.on('message', (m: unknown) => {
      if (isWireBatch(m)) channel.receive(m);
      else if (isSocketTaken(m) && slot.child === child) {
        if (typeof m.full === 'boolean') slot.full = m.full;
        slot.handing = false;
        sendNextSocket(slot);
      } else if (isListenAgain(m) && slot.child === child) sendListener(slot, m.dojotMqttListenAgain);
    });
    child.on('error', (err) => log.warn({ err, worker: slot.index }, 'MQTT worker error'));
    child.once('exit', (code, signal) => {
      slot.ready = false;
      slot.child = null;
      slot.stats = null;
      slot.handing = false;
      slot.acceptedBefore = slot.acceptedDirectly;
      slot.closedFullBefore = slot.closedFull;
      slot.full = false;
      for (const [, socket] of slot.waiting.splice(0)) socket.destroy();
      channel.fail(new Error(`MQTT worker ${slot.index} exited`));
      const subs = [...slot.subs.values()];
      slot.subs.clear();
      for (const s of subs)
        s.close().catch((err: unknown) => log.warn({ err }, 'could not close a worker subscription'));
      if (closing) return;
      slot.backoffMs =
        Date.now() - slot.startedAt > RESTART_RESET_MS
          ? RESTART_MIN_MS
          : Math.min(RESTART_MAX_MS, Math.max(RESTART_MIN_MS, slot.backoffMs * 2));
      log.error(
        { worker: slot.index, code, signal, restartInMs: slot.backoffMs },
        'MQTT worker died: its devices must reconnect; starting it again',
      );
      setTimeout(() => {
        if (closing) return;
        slot.restarts += 1;
        spawn(slot);
      }, slot.backoffMs).unref();
    });
  }

  function readySlot(): Slot | null {
    for (let i = 0; i < slots.length; i++) {
      const s = slots[turn++ % slots.length];
      if (s.ready && !s.full && s.child?.connected && s.waiting.length < config.mqttWorkerQueue) return s;
    }
    return null;
  }

  /** Lets a ready worker accept on that port itself (it closes its copy near its file limit and asks again). */
  function sendListener(slot: Slot, kind: ListenerNote['dojotMqttListener']): void {
    const server = listeners.get(kind);
    if (!server || closing || !slot.ready || !slot.child?.connected) return;
    const note: ListenerNote = { dojotMqttListener: kind };
    try {
      slot.child.send(note, server, (err) => {
        if (err) log.warn({ err, worker: slot.index }, 'could not share an MQTT listener with a worker');
      });
    } catch (err) {
      log.warn({ err, worker: slot.index }, 'could not share an MQTT listener with a worker');
    }
  }

  /** Hands a connection, unread, to the next live worker; the platform process keeps no copy. */
  function handOver(kind: SocketNote['dojotMqttSocket'], socket: net.Socket, fresh = true): void {
    // Until it is handed over, a reset from the client must not become an unhandled 'error'.
    if (fresh) socket.on('error', () => socket.destroy());
    const slot = readySlot();
    if (!slot) {
      noWorker++;
      return void socket.destroy();
    }
    slot.waiting.push([kind, socket]);
    slot.handedOver += 1;
    sendNextSocket(slot);
  }

  /**
   * Sends the worker its next waiting connection, once it holds the last one. Node queues every
   * message sent on a channel behind a handle until the child acknowledges it, and at each
   * acknowledgement sends that queue again from the start, so handles sent back to back cost time
   * quadratic in the queue: at ~34,000 connections opening at a few hundred a second the platform
   * process spent all its time in Node's child_process internals and connections timed out.
   */
  function sendNextSocket(slot: Slot): void {
    while (!slot.handing && slot.child?.connected) {
      const next = slot.waiting.shift();
      if (!next) return;
      const [kind, socket] = next;
      if (socket.destroyed) continue; // its client gave up while it waited
      if (slot.full) {
        // It filled while this one waited: another worker takes it, or it is closed unserved here.
        slot.handedOver -= 1;
        handOver(kind, socket, false);
        continue;
      }
      const note: SocketNote = { dojotMqttSocket: kind };
      slot.handing = true;
      try {
        slot.child.send(note, socket, (err) => {
          if (!err) return;
          handOverFailed++;
          socket.destroy();
          slot.handing = false;
          sendNextSocket(slot);
        });
      } catch {
        handOverFailed++;
        socket.destroy();
        slot.handing = false;
      }
    }
  }

  async function listen(kind: SocketNote['dojotMqttSocket'], port: number): Promise<number> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => handOver(kind, socket));
    server.on('error', (err) => log.error({ err }, 'MQTT listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.mqttHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    servers.push(server);
    listeners.set(kind, server);
    for (const slot of slots) sendListener(slot, kind);
    return (server.address() as net.AddressInfo).port;
  }

  let unsubscribeX509: (() => void) | null = null;
  async function close(): Promise<void> {
    closing = true;
    unsubscribeX509?.();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await Promise.all(slots.map((s) => stop(s)));
  }

  async function stop(slot: Slot): Promise<void> {
    const child = slot.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    try {
      await slot.channel!.request('close');
    } catch {
      /* gone already */
    }
    if (child.connected) child.disconnect();
    await exited;
    clearTimeout(timer);
  }

  try {
    const readies: Promise<void>[] = [];
    for (let index = 0; index < config.mqttWorkers; index++) {
      const slot: Slot = {
        index,
        child: null,
        channel: null,
        ready: false,
        stats: null,
        subs: new Map(),
        restarts: 0,
        backoffMs: 0,
        startedAt: 0,
        waiting: [],
        handing: false,
        acceptedDirectly: 0,
        full: false,
        acceptedBefore: 0,
        handedOver: 0,
        closedFull: 0,
        closedFullBefore: 0,
      };
      slots.push(slot);
      readies.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`MQTT worker ${index} not ready after ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
          slot.onReady = () => {
            clearTimeout(timer);
            slot.onReady = undefined;
            resolve();
          };
        }),
      );
      spawn(slot);
    }
    await Promise.all(readies);
    if (x509)
      unsubscribeX509 = x509.onEvent((e) => {
        for (const s of slots) s.channel?.event('x509Event', e);
      });
    // Devices are accepted last, once every worker is ready.
    const port = config.mqttInsecure ? await listen('mqtt', config.mqttPort) : null;
    const tlsPort = x509 ? await listen('mqtts', config.mqttsPort) : null;
    log.info(
      { workers: slots.length, port, tlsPort },
      'MQTT listening, the worker processes accepting on the same ports',
    );
    return {
      port,
      tlsPort,
      counters: () => sum(slots.map((s) => s.stats)),
      workers: () =>
        slots.map((s) => ({
          index: s.index,
          pid: s.child?.pid ?? null,
          ready: s.ready,
          connected: s.stats?.connected ?? 0,
          restarts: s.restarts,
          waiting: s.waiting.length,
          acceptedDirectly: s.acceptedDirectly,
          handedOver: s.handedOver,
          closedFull: s.closedFull,
        })),
      unserved: () => ({
        worker_full: slots.reduce((n, s) => n + s.closedFull, 0),
        no_worker: noWorker,
        hand_over_failed: handOverFailed,
      }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Writes a worker's log line (pino JSON) with this process's logger, naming the worker's pid. */
function relayLog(log: Logger, line: string, pid: number | undefined): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return log.warn({ workerPid: pid, line }, 'MQTT worker wrote a line that is not JSON');
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = entry;
  const method = LEVELS[level as number] ?? 'info';
  log[method]({ ...fields, workerPid: pid }, typeof msg === 'string' ? msg : '');
}

function sum(all: (AgentCounters | null)[]): AgentCounters {
  const out: AgentCounters = {
    connected: 0,
    connectsRefused: 0,
    messagesForwarded: 0,
    publishesRefused: 0,
    subscriptionsRefused: 0,
    busFailures: 0,
    packetsTooLarge: 0,
    dropped: { not_json: 0, not_object: 0, too_large: 0, bad_text: 0, too_deep: 0, too_many_keys: 0 },
    droppedByDevice: {},
  };
  for (const c of all) {
    if (!c) continue;
    out.connected += c.connected;
    out.connectsRefused += c.connectsRefused;
    out.messagesForwarded += c.messagesForwarded;
    out.publishesRefused += c.publishesRefused;
    out.subscriptionsRefused += c.subscriptionsRefused;
    out.busFailures += c.busFailures;
    out.packetsTooLarge += c.packetsTooLarge;
    for (const [r, n] of Object.entries(c.dropped)) out.dropped[r as DropReason] += n;
    for (const [tenant, devs] of Object.entries(c.droppedByDevice)) {
      const t = (out.droppedByDevice[tenant] ??= {});
      for (const [d, n] of Object.entries(devs)) t[d] = (t[d] ?? 0) + n;
    }
  }
  return out;
}
