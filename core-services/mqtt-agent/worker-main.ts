// An MQTT worker process (DOJOT_MQTT_WORKERS > 0, started by workers.ts). It runs the same broker
// as the in-process agent, with the same hooks, on connections it accepts itself on the platform's
// listening sockets (shared-listeners.ts) and on those the platform process accepts and hands over
// (the socket itself: this process holds it, the platform process no longer does).
// What the broker needs from the platform crosses the IPC channel, batched (ipc.ts):
//   - CONNECT: does the device exist? (the platform's device directory and its cache)
//   - an accepted PUBLISH: the device-data message, built and checked here, is published on the
//     platform's bus; the PUBACK waits for the platform's answer, as in-process it waits for the bus
//     (on Kafka the worker publishes itself, with a producer of its own)
//   - downlink: the platform subscribes on this worker's behalf and hands it each batch; the batch
//     counts as handled when this worker has handled it
//   - MQTTS: the server credentials, and who a client certificate names (the x509 service)
import type { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import { Writable } from 'node:stream';
import type { DeviceManagerClient, FullDevice } from '../device-manager/client.js';
import {
  busKind,
  createBus,
  type BatchHandler,
  type Bus,
  type BusMessage,
  type SubscribeOptions,
  type Subscription,
} from '../platform/bus/index.js';
import type { Config } from '../platform/config.js';
import { pino } from 'pino';
import type { CertificateVerdict, ServerCredentials, X509Client, X509Event } from '../x509/client.js';
import { openBackends } from './backends.js';
import { createBroker, type Broker } from './broker.js';
import { Refusals } from './certificate-identity.js';
import { Counters } from './counters.js';
import { subscribeDownlink } from './downlink.js';
import {
  Channel,
  isListenerNote,
  isWireBatch,
  topicToWire,
  type ListenAgain,
  type SocketNote,
  type SocketTaken,
} from './ipc.js';
import { connectionsWithinFileLimit, SharedListeners } from './shared-listeners.js';
import { tlsAcceptor, type TlsAcceptor } from './tls-listener.js';

/** How often the worker tells the platform its counters (when they changed), ms. */
const STATS_MS = 250;

/** The bus as a worker sees it: publishing and subscribing go through the platform process. */
class IpcBus implements Bus {
  readonly kind = 'platform-ipc';
  private nextSub = 1;
  readonly handlers = new Map<number, BatchHandler>();
  /** Services mode: the worker's own Kafka producer, so device data skips the platform process. */
  direct: Bus | null = null;
  constructor(private readonly channel: Channel) {}

  publish(topic: string, key: string | null, value: unknown): Promise<void> {
    if (this.direct) return this.direct.publish(topic, key, value);
    return this.channel.request('publish', topic, key, value);
  }

  async publishMany(messages: { topic: string; key: string | null; value: unknown }[]): Promise<void> {
    await Promise.all(messages.map((m) => this.publish(m.topic, m.key, m.value)));
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    const id = this.nextSub++;
    this.handlers.set(id, opts.handler);
    await this.channel.request(
      'subscribe',
      id,
      topicToWire(opts.topic),
      opts.group,
      opts.maxBatch,
      opts.fromBeginning,
      opts.events ? [...opts.events] : undefined,
    );
    return {
      close: async () => {
        this.handlers.delete(id);
        await this.channel.request('unsubscribe', id).catch(() => {});
      },
    };
  }

  consumers() {
    return [];
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

class IpcDevices implements DeviceManagerClient {
  constructor(private readonly channel: Channel) {}
  getDevice(): Promise<FullDevice | null> {
    return Promise.reject(new Error('an MQTT worker has no device details'));
  }
  deviceExists(tenant: string, id: string): Promise<boolean> {
    return this.channel.request('exists', tenant, id);
  }
}

class IpcX509 implements X509Client {
  readonly listeners = new Set<(e: X509Event) => void>();
  constructor(private readonly channel: Channel) {}
  serverCredentials(hostnames: string[]): Promise<ServerCredentials> {
    return this.channel.request('x509Credentials', hostnames);
  }
  trustedRoots(): Promise<string[]> {
    return this.channel.request('x509Roots');
  }
  identify(cert: X509Certificate): Promise<CertificateVerdict> {
    return this.channel.request('x509Identify', cert.raw.toString('base64'));
  }
  onEvent(listener: (event: X509Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The MQTTS refusals go to the platform process, where operators (and tests) read them. */
class ForwardedRefusals extends Refusals {
  constructor(private readonly channel: Channel) {
    super();
  }
  override add(fingerprint: string | null, reason: string): void {
    super.add(fingerprint, reason);
    this.channel.event('refusal', fingerprint, reason);
  }
}

async function main(): Promise<void> {
  const send = process.send!.bind(process);
  let broker: Broker | null = null;
  let downlink: Subscription | null = null;
  let tls: TlsAcceptor | null = null;
  const plain = new Set<net.Socket>();
  // eslint-disable-next-line prefer-const
  let bus: IpcBus;
  const x509Events = new Set<(e: X509Event) => void>();
  const channel = new Channel((b) => send(b), {
    batch: (id: number, messages: BusMessage[]) => {
      const h = bus.handlers.get(id);
      if (!h) throw new Error(`no subscription ${id}`);
      return h(messages);
    },
    x509Event: (e: X509Event) => {
      for (const l of x509Events) l(e);
    },
    close: async () => {
      shared.close();
      tls?.destroyAll();
      for (const s of plain) s.destroy();
      await downlink?.close();
      downlink = null;
      await broker?.close();
      broker = null;
      await bus.direct?.close();
      bus.direct = null;
    },
  });
  bus = new IpcBus(channel);
  const x509 = new IpcX509(channel);
  x509Events.add((e) => {
    for (const l of x509.listeners) l(e);
  });

  const pendingSockets: [SocketNote['dojotMqttSocket'], net.Socket][] = [];
  let accept: ((kind: SocketNote['dojotMqttSocket'], socket: net.Socket) => void) | null = null;
  const shared = new SharedListeners({
    max: connectionsWithinFileLimit(), // until the platform's setting is known
    take: (kind, socket) => (accept ? accept(kind, socket) : pendingSockets.push([kind, socket])),
    askAgain: (kind) => {
      const again: ListenAgain = { dojotMqttListenAgain: kind };
      process.send?.(again);
    },
    onError: (err) => process.stderr.write(`MQTT worker listener error: ${err.message}\n`),
  });
  process.on('message', (m: unknown, handle: unknown) => {
    if (isWireBatch(m)) return channel.receive(m);
    if (isListenerNote(m) && handle) return shared.adopt(m.dojotMqttListener, handle as net.Server);
    const kind = (m as SocketNote | null)?.dojotMqttSocket;
    if (kind && handle) {
      const socket = handle as net.Socket;
      // Handed over before the platform process heard that this worker is full (it filled by its
      // own accepts meanwhile): its client retries.
      const refused = shared.full;
      if (!refused) shared.hold(socket);
      const taken: SocketTaken = { dojotMqttSocketTaken: true, full: shared.full };
      process.send?.(taken);
      if (refused) return shared.refuse(socket);
      if (accept) accept(kind, socket);
      else pendingSockets.push([kind, socket]);
    }
  });
  // The platform process is gone: so are this worker's reasons to live. Until then it is the one
  // that stops this worker (after closing the listeners): a Ctrl-C reaching the whole process
  // group must not drop the connections before the platform has stopped taking new ones.
  process.on('disconnect', () => process.exit(0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

  const init = await channel.request<{ config: Config; index: number; tls: boolean; logLevel: string }>('init');
  const config = init.config;
  shared.max = Math.min(config.mqttWorkerMaxConnections || Infinity, connectionsWithinFileLimit());
  // Log lines go to the platform process, which writes them with its own logger: one stream of
  // logs, wherever the platform sends it.
  const toPlatform = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) channel.event('log', line);
      cb();
    },
  });
  const log = pino({ level: init.logLevel }, toPlatform).child({ worker: init.index });
  const counters = new Counters();
  const refusals = new ForwardedRefusals(channel);
  const devices = new IpcDevices(channel);
  // Services mode: device data goes to Kafka from here, as from an instance of its own (the PUBACK
  // waits for Kafka's acknowledgement); the platform process stays out of the hot path.
  if (busKind(config) === 'kafka') bus.direct = await createBus(config, log);
  const backends = await openBackends(config, log);
  const b = (broker = await createBroker({
    bus,
    devices,
    counters,
    log,
    payloadLimitBytes: config.mqttPayloadLimitBytes,
    refusals,
    backends,
    legacyTopicIdentity: config.mqttLegacyTopicIdentity,
  }));
  downlink = await subscribeDownlink({
    bus,
    aedes: b.aedes,
    sessions: b.sessions,
    log,
    instanceId: b.aedes.id,
    sharedEmitter: b.shared,
  });
  if (init.tls) {
    const t = (tls = await tlsAcceptor({ handle: b.handle, hostnames: config.mqttsHostnames, x509, refusals, log }));
    x509.onEvent((e) => {
      if (e.type === 'revoked') b.sessions.disconnectCertificate(e.fingerprint);
      else t.reload().catch((err: unknown) => log.error({ err }, 'could not reload the trusted CAs'));
    });
  }
  accept = (kind, socket) => {
    if (kind === 'mqtts') {
      if (!tls) return socket.destroy();
      tls.server.emit('connection', socket);
      return;
    }
    plain.add(socket);
    socket.once('close', () => plain.delete(socket));
    // Nagle's algorithm would hold PUBACKs back for tens of ms.
    socket.setNoDelay(true);
    b.handle(socket);
  };
  for (const [kind, socket] of pendingSockets.splice(0)) accept(kind, socket);

  let last = '';
  setInterval(() => {
    const snap = JSON.stringify([
      counters.snapshot(b.aedes.connectedClients),
      shared.accepted,
      shared.full,
      shared.closedFull,
    ]);
    if (snap === last) return;
    last = snap;
    const [stats, acceptedHere, full, closedFull] = JSON.parse(snap) as [unknown, number, boolean, number];
    channel.event('stats', stats, acceptedHere, full, closedFull);
  }, STATS_MS).unref();
  channel.event('ready', process.pid);
  log.info(
    { uplink: bus.direct ? `${bus.direct.kind}, published by this worker` : 'through the platform process' },
    'MQTT worker ready',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`MQTT worker failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
