// A tenant runtime: one Node-RED in its own process, started by a runtime driver with an IPC
// channel, over which it first asks for its launch options. It serves the editor, admin API and the tenant's
// `http in` endpoints on a loopback port it reports with `ready`, and sends a heartbeat with its
// memory and message counts; a missing heartbeat means a blocked event loop to the supervisor.
// First: libraries the nodes load at start are loaded on first use (lazy-modules.ts).
import './lazy-modules-install.js';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import RED from 'node-red';
import { createLogger } from '../../core-services/platform/log.js';
import { IpcPeer, PROXY_SECRET_HEADER, type TenantSide } from '../supervisor/ipc.js';
import { IpcBusBridge, type BusBridge } from './bus-bridge.js';
import { KafkaBusBridge } from './kafka-bus-bridge.js';
import { tenantKafkaTls } from './kafka-credentials.js';
import { DebugShare } from './debug-share.js';
import { TimerGate } from './timer-gate.js';
import { createNodeServices } from './node-services.js';
import type { ContextStats } from './context-store.js';
import { installEgressGuard } from './egress-guard.js';
import { installFunctionInterrupt } from './function-interrupt.js';
import { IdleCollector, takeCollector } from './idle-collect.js';
import { ADMIN_ROOT, NODE_ROOT, tenantSettings } from './settings.js';

/** Longest a stopping runtime spends leaving its Kafka groups, ms. */
const EXIT_GRACE_MS = 3_000;
/** How long after Node-RED's start its flows may take to start before messages stop waiting for them, ms. */
const FLOWS_START_GRACE_MS = 5_000;
/** The editor's inject button (Node-RED's admin route). */
const INJECT_BUTTON = `${ADMIN_ROOT}inject/`;
/**
 * A runtime restarted after a crash (SIGKILL: it could not leave its groups) waits this long to
 * rejoin them, ms: the broker's smallest allowed (group.min.session.timeout.ms). A runtime whose
 * event loop is blocked this long loses its partitions to the other instances, which is right:
 * its supervisor kills it soon after (DOJOT_RUNTIME_HEARTBEAT_TIMEOUT_MS).
 */
const KAFKA_SESSION_TIMEOUT_MS = 6_000;

/**
 * Only the platform's proxy knows this start's secret: a request or websocket upgrade without it
 * (another tenant's flow dialling this port, say) is dropped with no answer at all, before Node-RED
 * sees it. The header is taken off before the request goes on.
 */
function guardServer(server: http.Server, secret: string): void {
  const expected = Buffer.from(secret);
  const authorised = (req: IncomingMessage) => {
    const given = req.headers[PROXY_SECRET_HEADER];
    delete req.headers[PROXY_SECRET_HEADER];
    const b = Buffer.from(typeof given === 'string' ? given : '');
    return b.length === expected.length && timingSafeEqual(b, expected);
  };
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if ((event === 'request' || event === 'upgrade') && !authorised(args[0] as IncomingMessage)) {
      const socket = event === 'request' ? (args[0] as IncomingMessage).socket : (args[1] as Duplex);
      socket.destroy();
      return true;
    }
    return emit(event, ...args);
  }) as typeof server.emit;
}

/** Where Node-RED's editor keeps its websockets alive from: an interval that runs whether or not an editor is open. */
const EDITOR_HEARTBEAT_SOURCE = `${path.sep}@node-red${path.sep}editor-api${path.sep}lib${path.sep}editor${path.sep}comms.js`;

/**
 * A runtime reports the timers pending in it (a runtime with any does not hibernate); Node-RED's
 * own editor heartbeat is always there, so it is unref'd, and not counted. Should Node-RED move
 * it, it counts again: the runtime then never hibernates, which is safe.
 */
function unrefEditorHeartbeat(): void {
  const original = globalThis.setInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = original(...args);
    if (new Error().stack?.includes(EDITOR_HEARTBEAT_SOURCE)) timer.unref();
    return timer;
  }) as typeof setInterval;
}

async function main(): Promise<void> {
  const collect = takeCollector();
  if (!process.send) throw new Error('a tenant runtime must be started by the supervisor (no IPC channel)');
  const ipc: TenantSide = new IpcPeer((p) => process.send!(p));
  process.on('message', (m) => ipc.receive(m));
  const opts = await ipc.request('launch.options');
  // Before any node loads: every connection they open goes through the check from now on.
  if (opts.egress) installEgressGuard(opts.egress);
  // The function timeout is then enforced by the supervisor's SIGINT (function-interrupt.ts).
  const functionInterrupt = installFunctionInterrupt(opts.functionTimeoutSeconds);
  const log = createLogger(opts.logLevel, 'dojot-red').child({ svc: 'flows', tenant: opts.tenant });
  let kafkaBridge: KafkaBusBridge | null = null;
  let flowsStarted = false;
  // Leaving the consumer groups hands this runtime's partitions to the other instances at once,
  // rather than after the group's session timeout; bounded, as the broker may be gone.
  const exit = () => {
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
    // The process ends either way; a group not left is taken back by the broker after its session timeout.
    void (kafkaBridge?.close() ?? Promise.resolve())
      .catch((err) => log.warn({ err }, 'flows: Kafka groups not left on exit'))
      .finally(() => process.exit(0));
  };
  // The supervisor went away: nothing may keep running on its own.
  process.on('disconnect', exit);
  process.on('SIGTERM', exit);

  // Node-RED expects a package.json in its user directory (it lists installed modules there).
  const userDir = path.join(opts.userDir, opts.tenant);
  mkdirSync(userDir, { recursive: true });
  const pkg = path.join(userDir, 'package.json');
  if (!existsSync(pkg)) writeFileSync(pkg, JSON.stringify({ name: `tenant-${opts.tenant}`, private: true }));
  let bus: BusBridge & { received: number; published: number };
  if (opts.kafka) {
    const { createKafkaBus } = await import('../../core-services/platform/bus/kafka.js');
    const { ssl } = await tenantKafkaTls(ipc, log); // this tenant's own certificate, not the platform's
    const kafka = await createKafkaBus({
      ...opts.kafka,
      ssl,
      clientId: `dojot-red-flows-${opts.tenant}`,
      sessionTimeoutMs: KAFKA_SESSION_TIMEOUT_MS,
      log: log.child({ svc: 'bus', kind: 'kafka' }),
    });
    kafkaBridge = new KafkaBusBridge(opts.tenant, kafka, opts.instance, log);
    await kafkaBridge.start();
    // Safe mode runs no flows: messages are committed unread rather than held.
    kafkaBridge.setFlowsRunning(opts.safeMode);
    RED.events.on('flows:started', () => {
      flowsStarted = true;
      kafkaBridge?.setFlowsRunning(true);
    });
    RED.events.on('flows:stopped', () => kafkaBridge?.setFlowsRunning(false));
    bus = kafkaBridge;
  } else bus = new IpcBusBridge(opts.tenant, ipc);
  const timers = new TimerGate(opts.timersLeased);
  ipc.on('timers.owner', ({ owner }) => timers.setOwner(owner));
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url.startsWith(INJECT_BUTTON))
      timers.allowManual(decodeURIComponent(url.slice(INJECT_BUTTON.length).split('?')[0]));
    // Node-RED's two express apps expect paths relative to their roots.
    const [root, app] = url.startsWith(NODE_ROOT) ? [NODE_ROOT, RED.httpNode] : [ADMIN_ROOT, RED.httpAdmin];
    if (!url.startsWith(root) && url !== root.slice(0, -1)) {
      res.writeHead(404).end();
      return;
    }
    req.url = url.slice(root.length - 1) || '/';
    app(req, res);
  });
  if (opts.proxySecret) guardServer(server, opts.proxySecret);
  const contextStats: ContextStats = { writeFailures: 0, writesPending: 0 };
  unrefEditorHeartbeat();
  RED.init(server, tenantSettings(opts, ipc, log, createNodeServices(bus, ipc), contextStats));

  let nodeMessages = 0;
  RED.hooks.add('onSend.dojot', (events) => {
    nodeMessages += Array.isArray(events) ? events.length : 1;
  });
  RED.hooks.add('onSend.dojot-timers', timers.onSend);
  if (opts.shareDebug) new DebugShare(RED.events, ipc).start();

  ipc.serve('flows.reload', async () => {
    await RED.nodes.loadFlows(true);
  });
  ipc.serve('runtime.stop', async () => {
    await RED.stop();
    await kafkaBridge?.close();
  });

  await RED.start();
  // Flows that cannot start (a node type is missing) never say so: messages are not held for them.
  setTimeout(() => {
    if (!flowsStarted) kafkaBridge?.setFlowsRunning(true);
  }, FLOWS_START_GRACE_MS).unref();
  // Open websockets (the editor's), and connections made to this server (the platform's proxy):
  // what is left of the open sockets are the flows' own (mqtt in, websocket clients), which
  // may receive at any time. A runtime with either does not hibernate.
  let editors = 0;
  let inbound = 0;
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    editors += 1;
    socket.once('close', () => (editors -= 1));
  });
  server.on('connection', (socket) => {
    inbound += 1;
    socket.once('close', () => (inbound -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  ipc.emit('ready', { port, functionInterrupt });
  const idleCollector = new IdleCollector(collect);
  const beat = () => {
    idleCollector.tick(nodeMessages + bus.received + bus.published);
    const mem = process.memoryUsage();
    const resources = process.getActiveResourcesInfo();
    ipc.emit('heartbeat', {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      nodeMessages,
      busIn: bus.received,
      busOut: bus.published,
      contextWriteFailures: contextStats.writeFailures,
      contextWritesPending: contextStats.writesPending,
      // Timers that keep the event loop alive (the platform's own are unref'd, and not counted).
      timers: resources.filter((r) => r === 'Timeout').length,
      editors,
      sockets: Math.max(0, resources.filter((r) => r === 'TCPSocketWrap').length - inbound),
    });
  };
  beat();
  setInterval(beat, opts.heartbeatMs).unref();
}

main().catch((err) => {
  process.stderr.write(`tenant runtime failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
