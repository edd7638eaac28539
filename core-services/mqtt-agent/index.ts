// The MQTT agent: devices connect as `<tenant>:<device>`, publish JSON to their attrs topic and
// receive actuations on their config topic (§3). Uplink goes to `<tenant>.device-data`,
// downlink comes from `<tenant>.dojot.device-manager.device`. Given the x509 client, devices also
// connect over mutual TLS on mqttsPort, named by their certificate. Given Redis, the brokers of all
// instances share sessions and routing (backends.ts), so a device may use any of them.
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { Subscription } from '../platform/bus/index.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import type { X509Client } from '../x509/client.js';
import { openBackends } from './backends.js';
import { createBroker, type Broker } from './broker.js';
import { Refusals, type Refusal } from './certificate-identity.js';
import { Counters, type AgentCounters } from './counters.js';
import { subscribeDownlink } from './downlink.js';
import { listenTcp, type Listener } from './listeners.js';
import { listenTls, type TlsListener } from './tls-listener.js';
import { startWorkerPool, type UnservedConnections, type WorkerInfo, type WorkerPool } from './workers.js';

export type { AgentCounters } from './counters.js';
export type { UnservedConnections, WorkerInfo } from './workers.js';

export interface MqttAgent extends Service {
  /** The plain-MQTT port actually bound (useful with port 0), or null when not listening. */
  address(): { port: number } | null;
  /** The MQTTS port actually bound, or null when there is no TLS listener. */
  tlsAddress(): { port: number } | null;
  counters(): AgentCounters;
  /** Why MQTTS clients were refused lately (handshake failures, revoked or unknown certificates). */
  tlsRefusals(): Refusal[];
  /** The MQTT worker processes (DOJOT_MQTT_WORKERS); empty when MQTT runs in this process. */
  workers(): WorkerInfo[];
  /** Connections the worker processes' set-up closed before any MQTT (all 0 when MQTT runs in this process). */
  unserved(): UnservedConnections;
}

export function createMqttAgent(
  ctx: PlatformContext,
  deps: { devices: DeviceManagerClient; x509?: X509Client },
): MqttAgent {
  const log = ctx.log.child({ svc: 'mqtt-agent' });
  const counters = new Counters();
  const refusals = new Refusals();
  let broker: Broker | null = null;
  let downlink: Subscription | null = null;
  let listener: Listener | null = null;
  let tlsListener: TlsListener | null = null;
  let unsubscribeX509: (() => void) | null = null;
  let pool: WorkerPool | null = null;

  async function startTls(x509: X509Client, b: Broker): Promise<void> {
    const tlsOn = await listenTls({
      handle: b.handle,
      host: ctx.config.mqttHost,
      port: ctx.config.mqttsPort,
      hostnames: ctx.config.mqttsHostnames,
      x509,
      refusals,
      log,
    });
    tlsListener = tlsOn;
    unsubscribeX509 = x509.onEvent((e) => {
      if (e.type === 'revoked') {
        const n = b.sessions.disconnectCertificate(e.fingerprint);
        if (n)
          log.info(
            { tenant: e.tenant, fingerprint: e.fingerprint, connections: n },
            'certificate revoked: connections closed',
          );
      } else {
        tlsOn.reload().catch((err: unknown) => log.error({ err }, 'could not reload the trusted CAs'));
      }
    });
    log.info({ port: tlsOn.port, hostnames: ctx.config.mqttsHostnames }, 'MQTTS listening');
  }

  async function close(): Promise<void> {
    // Stop taking connections, then stop taking actuations (with a shared group, the other
    // instances take over the ones not yet handled), then end the sessions.
    unsubscribeX509?.();
    unsubscribeX509 = null;
    await pool?.close();
    pool = null;
    await listener?.close();
    listener = null;
    await tlsListener?.close();
    tlsListener = null;
    await downlink?.close();
    downlink = null;
    await broker?.close();
    broker = null;
  }

  async function start(): Promise<void> {
    if (ctx.config.mqttWorkers > 0) {
      pool = await startWorkerPool(ctx, { devices: deps.devices, x509: deps.x509, refusals, log });
      return;
    }
    const backends = await openBackends(ctx.config, log);
    const b = (broker = await createBroker({
      bus: ctx.bus,
      devices: deps.devices,
      counters,
      log,
      payloadLimitBytes: ctx.config.mqttPayloadLimitBytes,
      refusals,
      backends,
      legacyTopicIdentity: ctx.config.mqttLegacyTopicIdentity,
    }));
    if (b.shared) log.info('MQTT sessions and routing in Redis, shared with the other instances');
    downlink = await subscribeDownlink({
      bus: ctx.bus,
      aedes: b.aedes,
      sessions: b.sessions,
      log,
      instanceId: b.aedes.id,
      sharedEmitter: b.shared,
    });
    // Devices are accepted last, once uplink and downlink are both wired.
    if (ctx.config.mqttInsecure) {
      listener = await listenTcp(b.handle, ctx.config.mqttHost, ctx.config.mqttPort, log);
      log.info({ port: listener.port }, 'plain MQTT listening');
    }
    if (deps.x509) await startTls(deps.x509, b);
  }

  return {
    name: 'mqtt-agent',
    address: () => (pool?.port != null ? { port: pool.port } : listener ? { port: listener.port } : null),
    tlsAddress: () =>
      pool?.tlsPort != null ? { port: pool.tlsPort } : tlsListener ? { port: tlsListener.port } : null,
    counters: () => (pool ? pool.counters() : counters.snapshot(broker?.aedes.connectedClients ?? 0)),
    workers: () => pool?.workers() ?? [],
    unserved: () => pool?.unserved() ?? { worker_full: 0, no_worker: 0, hand_over_failed: 0 },
    tlsRefusals: () => refusals.recent(),

    async start() {
      // The composition root closes only what started: a half-started agent frees its own
      // ports and Redis connections (which would otherwise keep the process alive).
      try {
        await start();
      } catch (err) {
        await close().catch((e: unknown) => log.warn({ err: e }, 'could not close a half-started MQTT agent'));
        throw err;
      }
    },

    close,
  };
}
