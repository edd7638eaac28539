// Flow: messages from a real MQTT client through a 4-node flow, on the platform and on a plain
// Node-RED, in the same run, with the same client, the same count and the same flow shape:
//   platform:  mqtt.js → MQTT agent (aedes) → bus device-data → supervisor → IPC → tenant runtime:
//              [dojot bus in → change → function → dojot bus out] → IPC → bus dojot.notifications → counter
//   --mode kafka: the same, with Kafka as the bus; the runtime reads device-data from Kafka and
//              writes notifications to it itself (no supervisor, no IPC on the message path)
//   baseline:  mqtt.js → aedes → plain Node-RED 4.1 (own process, default settings):
//              [mqtt in → change → function → mqtt out] → aedes → mqtt.js subscriber → counter
// Throughput = messages counted at the end / time from the first publish to the last count.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceManagerClient, FullDevice } from '../core-services/device-manager/client.js';
import { createAuth } from '../core-services/auth/index.js';
import { createMqttAgent } from '../core-services/mqtt-agent/index.js';
import { createBus } from '../core-services/platform/bus/index.js';
import { createCache } from '../core-services/platform/cache/index.js';
import { loadConfig } from '../core-services/platform/config.js';
import type { PlatformContext } from '../core-services/platform/context.js';
import { createLogger } from '../core-services/platform/log.js';
import { createStore } from '../core-services/platform/store/index.js';
import { createFlowEngine } from '../runtime/index.js';
import { flowStore } from '../runtime/storage/flow-store.js';
import { conditions, fmt, intFlag } from './support.js';
import { kafkaTlsSettings } from './kafka-env.js';

const TENANT = 'bench';
const DEVICE = 'b3c4d5';
/** Longest wait for a flow to answer its first message (Node-RED start-up included), ms. */
const WARMUP_TIMEOUT_MS = 90_000;
/** A round ends when no message arrived for this long, ms. */
const IDLE_TIMEOUT_MS = 20_000;
/** A round starts once no message arrived for this long, ms. */
const DRAIN_QUIET_MS = 1_000;

const CHANGE = { type: 'change', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.attrs', tot: 'msg' }] };
const FUNC = {
  type: 'function',
  func: 'msg.payload = { message: "temperature " + msg.payload.temperature, n: msg.payload.n }; return msg;',
};

class BenchDevices implements DeviceManagerClient {
  async deviceExists(tenant: string, id: string): Promise<boolean> {
    return tenant === TENANT && id === DEVICE;
  }
  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    return (await this.deviceExists(tenant, id))
      ? { id, label: id, created: new Date(0).toISOString(), templates: [], attrs: {} }
      : null;
  }
}

interface Counter {
  count: number;
  last: number;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const connect = (port: number, username?: string) =>
  new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, username, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

interface Setup {
  round(n: number): Promise<Result>;
  close(): Promise<void>;
}
interface Result {
  received: number;
  seconds: number;
  rate: number;
}

/** Publishes until the counter moves: the flow runs (Node-RED has started and subscribed). */
async function warmUp(client: MqttClient, topic: string, counter: Counter): Promise<void> {
  const end = Date.now() + WARMUP_TIMEOUT_MS;
  while (counter.count === 0) {
    if (Date.now() > end) throw new Error('the flow never answered');
    client.publish(topic, JSON.stringify({ temperature: 0, n: -1 }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
}

/** `n` messages as fast as PUBACKs allow; ends when all arrived or none came for a while. */
async function measure(
  client: MqttClient,
  topic: string,
  payload: (n: number) => unknown,
  counter: Counter,
  n: number,
): Promise<Result> {
  // Let stragglers of the previous round arrive first: they must not count for this one.
  while (performance.now() - counter.last < DRAIN_QUIET_MS) await new Promise((r) => setTimeout(r, 100));
  counter.count = 0;
  const t0 = performance.now();
  // The idle timeout counts from the start of the round, not from a message of an earlier one.
  counter.last = t0;
  for (let i = 0; i < n; i++) client.publish(topic, JSON.stringify(payload(i)), { qos: 1 });
  while (counter.count < n) {
    const before = counter.count;
    await new Promise((r) => setTimeout(r, 50));
    if (counter.count === before && performance.now() - counter.last > IDLE_TIMEOUT_MS) break;
  }
  const seconds = Math.max(0, counter.last - t0) / 1000;
  return { received: counter.count, seconds, rate: seconds > 0 ? counter.count / seconds : 0 };
}

/** kafkaBrokers: run the bus on Kafka (the tenant runtime then consumes and produces there itself). */
/** What the tenant runtime cost before it took any message: start time and idle resident memory. */
export interface RuntimeIdle {
  startMs: number;
  idleRssBytes: number | null;
}

/** Every sandbox defence, to turn them all off with --sandbox off (the "before" of docs/benchmarks.md). */
const ALL_DEFENCES = 'uid,permissions,memory,cpu,egress,proxy-secret';
/**
 * How long the idle runtime settles before its memory is read, ms: V8's memory reducer shrinks the
 * young generation Node-RED's start grew after 10–20 s of idling.
 */
const IDLE_SETTLE_MS = 30_000;

async function setUpPlatform(
  memoryMb: number,
  fnTimeout: number,
  kafkaBrokers: string | undefined,
  sandboxOff: string,
  idle: RuntimeIdle,
): Promise<Setup> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-flow-'));
  const kafka = kafkaBrokers
    ? {
        DOJOT_KAFKA_BROKERS: kafkaBrokers,
        DOJOT_KAFKA_GROUP_PREFIX: `bench-flow-${Date.now().toString(36)}.`,
        ...kafkaTlsSettings(),
      }
    : {};
  const config = loadConfig({
    DOJOT_DATA_DIR: dataDir,
    DOJOT_LOG_LEVEL: 'error',
    DOJOT_HTTP_PORT: '0',
    DOJOT_HTTP_HOST: '127.0.0.1',
    DOJOT_MQTT_PORT: '0',
    DOJOT_MQTTS_PORT: '0',
    DOJOT_MQTT_HOST: '127.0.0.1',
    DOJOT_RUNTIME_MAX_OLD_SPACE_MB: String(memoryMb),
    DOJOT_RUNTIME_FUNCTION_TIMEOUT: String(fnTimeout),
    DOJOT_RUNTIME_SANDBOX_OFF: sandboxOff,
    ...kafka,
  });
  const log = createLogger(config.logLevel);
  const store = await createStore(config);
  const bus = await createBus(config, log);
  const cache = await createCache(config);
  const ctx: PlatformContext = { config, log, bus, store, cache };
  const auth = await createAuth(ctx);
  const mqttAgent = createMqttAgent(ctx, { devices: new BenchDevices() });
  const flows = createFlowEngine(ctx, { tokens: auth.tokens });
  const now = Date.now();
  await flowStore.put(store, TENANT, {
    id: 'bench-flow',
    name: 'bench',
    enabled: true,
    tab: { id: 'bench-flow', type: 'tab' },
    created: now,
    updated: now,
    nodes: [
      { id: 'p1', z: 'bench-flow', type: 'dojot bus in', subject: 'device-data', wires: [['p2']] },
      { id: 'p2', z: 'bench-flow', ...CHANGE, wires: [['p3']] },
      { id: 'p3', z: 'bench-flow', ...FUNC, wires: [['p4']] },
      { id: 'p4', z: 'bench-flow', type: 'dojot bus out', subject: 'dojot.notifications', wires: [] },
    ],
  });
  const counter: Counter = { count: 0, last: 0 };
  const sub = await bus.subscribe({
    topic: `${TENANT}.dojot.notifications`,
    group: 'bench',
    handler: async (b) => {
      counter.count += b.length;
      counter.last = performance.now();
    },
  });
  const started = performance.now();
  await flows.start!();
  await flows.supervisor.ensureRunning(TENANT);
  idle.startMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  idle.idleRssBytes = flows.supervisor.find(TENANT)?.report().memory?.rssBytes ?? null;
  await mqttAgent.start?.();
  const device = await connect(mqttAgent.address()!.port, `${TENANT}:${DEVICE}`);
  const topic = `${TENANT}:${DEVICE}/attrs`;
  await warmUp(device, topic, counter);
  return {
    round: (n) => measure(device, topic, (i) => ({ temperature: 20 + (i % 10), n: i }), counter, n),
    close: async () => {
      device.end(true);
      await sub.close();
      await mqttAgent.close?.();
      await flows.close!();
      await bus.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function setUpBaseline(memoryMb: number, fnTimeout: number): Promise<Setup> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-nodered-'));
  const aedes = await Aedes.createBroker();
  const mqttPort = await freePort();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(mqttPort, '127.0.0.1', r));
  const flowsFile = path.join(userDir, 'flows.json');
  writeFileSync(
    flowsFile,
    JSON.stringify([
      { id: 'tab', type: 'tab', label: 'bench' },
      {
        id: 'broker',
        type: 'mqtt-broker',
        broker: '127.0.0.1',
        port: String(mqttPort),
        clientid: '',
        protocolVersion: '4',
        keepalive: '60',
        cleansession: true,
      },
      {
        id: 'b1',
        z: 'tab',
        type: 'mqtt in',
        topic: 'bench/in',
        qos: '1',
        datatype: 'json',
        broker: 'broker',
        wires: [['b2']],
      },
      {
        id: 'b2',
        z: 'tab',
        ...CHANGE,
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload', tot: 'msg' }],
        wires: [['b3']],
      },
      { id: 'b3', z: 'tab', ...FUNC, wires: [['b4']] },
      { id: 'b4', z: 'tab', type: 'mqtt out', topic: 'bench/out', qos: '0', broker: 'broker', wires: [] },
    ]),
  );
  mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const redJs = createRequire(import.meta.url).resolve('node-red/red.js');
  // Node-RED's own settings, but for the same function timeout as the platform's runtime.
  const settingsFile = path.join(userDir, 'bench-settings.cjs');
  writeFileSync(
    settingsFile,
    `module.exports = { globalFunctionTimeout: ${fnTimeout}, logging: { console: { level: 'error' } } };\n`,
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      `--max-old-space-size=${memoryMb}`,
      redJs,
      '--settings',
      settingsFile,
      '--userDir',
      userDir,
      '--port',
      String(await freePort()),
      flowsFile,
    ],
    { stdio: 'ignore' },
  );
  const counter: Counter = { count: 0, last: 0 };
  const sink = await connect(mqttPort);
  sink.on('message', () => {
    counter.count += 1;
    counter.last = performance.now();
  });
  await sink.subscribeAsync('bench/out', { qos: 0 });
  const device = await connect(mqttPort);
  await warmUp(device, 'bench/in', counter);
  return {
    round: (n) => measure(device, 'bench/in', (i) => ({ temperature: 20 + (i % 10), n: i }), counter, n),
    close: async () => {
      device.end(true);
      sink.end(true);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await new Promise((r) => server.close(r));
      await new Promise<void>((r) => aedes.close(() => r()));
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

export async function runFlowBench(args: string[] | Record<string, string>): Promise<void> {
  const flags = Array.isArray(args) ? parseArgs(args) : args;
  const n = intFlag(flags, 'messages', 20_000);
  const memoryMb = intFlag(flags, 'memory-mb', 256);
  // The platform's default: a function node is interrupted after 5 s. Node-RED enforces it with a
  // vm timeout, which costs a watchdog per call; --function-timeout 0 measures without it.
  const fnTimeout = intFlag(flags, 'function-timeout', 5);
  const rounds = Math.max(1, intFlag(flags, 'rounds', 3));
  // --mode kafka: the platform's bus is a Kafka broker (--brokers, DOJOT_KAFKA_BROKERS or 127.0.0.1:9092).
  const mode = flags.mode ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'kafka') throw new Error(`--mode: expected embedded or kafka, got "${mode}"`);
  const brokers = mode === 'kafka' ? (flags.brokers ?? process.env.DOJOT_KAFKA_BROKERS ?? '127.0.0.1:9092') : undefined;
  // --sandbox off: the tenant runtime without its sandbox (docs/sandbox.md), to measure what it
  // costs; --sandbox-off cpu,memory: without just those defences.
  const sandboxFlag = flags.sandbox ?? 'on';
  if (sandboxFlag !== 'on' && sandboxFlag !== 'off')
    throw new Error(`--sandbox: expected on or off, got "${sandboxFlag}"`);
  const sandboxOff = sandboxFlag === 'off' ? ALL_DEFENCES : (flags['sandbox-off'] ?? '');
  for (const d of sandboxOff.split(',').filter(Boolean))
    if (!ALL_DEFENCES.split(',').includes(d))
      throw new Error(`--sandbox-off: expected some of ${ALL_DEFENCES}, got "${d}"`);
  console.log(`flow: ${fmt(n)} messages, MQTT QoS 1 from one client → a 4-node flow (in → change → function → out)`);
  console.log(
    conditions({
      messages: `${n} per round, ${rounds} rounds taking turns (best round counts; a round that loses messages counts 0)`,
      'platform bus': brokers
        ? `Kafka at ${brokers} (the tenant runtime is a Kafka client itself: consumes device-data, produces notifications)`
        : 'in-process (the supervisor forwards to the runtime over IPC)',
      'runtime heap': `${memoryMb} MB (--max-old-space-size), both`,
      'fn timeout': `${fnTimeout} s (globalFunctionTimeout), both`,
      'node-red': nodeRedVersion(),
      sandbox: sandboxOff
        ? `off: ${sandboxOff} (DOJOT_RUNTIME_SANDBOX_OFF)`
        : 'on (every defence the machine allows; the runtime at nice 10)',
    }),
  );
  // Both set-ups run side by side and take turns, so a busy moment of the machine hits both.
  const base = await setUpBaseline(memoryMb, fnTimeout);
  const idle: RuntimeIdle = { startMs: 0, idleRssBytes: null };
  const ours = await setUpPlatform(memoryMb, fnTimeout, brokers, sandboxOff, idle);
  console.log(
    `  tenant runtime: started in ${fmt(idle.startMs)} ms, ${idle.idleRssBytes === null ? 'resident memory unknown' : `${fmt(idle.idleRssBytes / 1024 / 1024, 1)} MB resident`} when idle`,
  );
  const results: { base: Result[]; ours: Result[] } = { base: [], ours: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      results.base.push(await base.round(n));
      results.ours.push(await ours.round(n));
      const [b, o] = [results.base[r], results.ours[r]];
      console.log(
        `  round ${r + 1}   baseline ${fmt(b.rate)} msg/s (${fmt(b.received)} in ${fmt(b.seconds, 2)} s)   platform ${fmt(o.rate)} msg/s (${fmt(o.received)} in ${fmt(o.seconds, 2)} s)`,
      );
    }
  } finally {
    await ours.close();
    await base.close();
  }
  const best = (rs: Result[]) => Math.max(...rs.map((x) => (x.received === n ? x.rate : 0)));
  const [b, o] = [best(results.base), best(results.ours)];
  console.log(`  baseline  plain Node-RED + aedes (best of ${rounds}): ${fmt(b)} msg/s`);
  console.log(`  platform  MQTT agent → bus → tenant runtime (best of ${rounds}): ${fmt(o)} msg/s`);
  console.log(
    `  ratio     platform / baseline = ${fmt(o / b, 2)} (target ≥ ${brokers ? '1.00 on Kafka' : '1.50 embedded'})`,
  );
}

function parseArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) if (args[i].startsWith('--')) out[args[i].slice(2)] = args[++i] ?? '';
  return out;
}

function nodeRedVersion(): string {
  return (createRequire(import.meta.url)('node-red/package.json') as { version: string }).version;
}
