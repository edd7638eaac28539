// Ingest: N mqtt.js devices (QoS 1, in a worker thread) → the MQTT agent → the bus → the history
// persister → rows in the store, all of the platform in this process.
// Phase 1 (throughput): M messages as fast as the devices get PUBACKs (a window each).
// Phase 2 (latency): a fixed rate R for S seconds; publish → row committed, p50/p99.
// A row's commit time is taken when its INSERT returns; its send time comes from the worker.
// Per-device order is kept end to end, so the k-th stored row of a device is its k-th message.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { DeviceManagerClient, FullDevice } from '../core-services/device-manager/client.js';
import { createHistory } from '../core-services/history/index.js';
import { INSERT_DEDUP_SQL, INSERT_SQL } from '../core-services/history/writer.js';
import { createMqttAgent } from '../core-services/mqtt-agent/index.js';
import { createBus } from '../core-services/platform/bus/index.js';
import { createCache } from '../core-services/platform/cache/index.js';
import { loadConfig } from '../core-services/platform/config.js';
import { Metrics } from '../core-services/platform/metrics.js';
import type { PlatformContext } from '../core-services/platform/context.js';
import { createLogger } from '../core-services/platform/log.js';
import { createStore, type Store } from '../core-services/platform/store/index.js';
import type { PublishersCommand, PublishersInit, PublishersReply } from './publishers.js';
import { conditions, fmt, intFlag, nowMs, percentile } from './support.js';
import { kafkaTlsSettings } from './kafka-env.js';

const TENANT = 'bench';
const PAYLOAD_EXAMPLE = '{"temperature":21.5}';
/** Longest wait for the last rows after the last PUBACK. */
const SETTLE_TIMEOUT_MS = 60_000;

/** The device directory the agent and history ask: N devices of tenant `bench`. */
class BenchDevices implements DeviceManagerClient {
  constructor(private readonly ids: Set<string>) {}
  async deviceExists(tenant: string, id: string): Promise<boolean> {
    return tenant === TENANT && this.ids.has(id);
  }
  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    if (!(await this.deviceExists(tenant, id))) return null;
    return { id, label: id, created: new Date(0).toISOString(), templates: [], attrs: {} };
  }
}

/** Wraps the store to note when each device's rows are committed. */
class CommitProbe {
  commits = new Map<string, number[]>();
  rows = 0;
  inserts = 0;
  lastCommit = 0;

  reset(): void {
    this.commits.clear();
    this.rows = 0;
    this.inserts = 0;
  }

  wrap(store: Store): Store {
    return {
      kind: store.kind,
      query: async (text, params) => {
        const res = await store.query(text, params);
        if (text === INSERT_SQL || text === INSERT_DEDUP_SQL) this.note(params![1] as string[]);
        return res;
      },
      exec: (s) => store.exec(s),
      transaction: (fn) => store.transaction(fn),
      close: () => store.close(),
    } as Store;
  }

  private note(devices: string[]): void {
    const t = nowMs();
    for (const d of devices) {
      let list = this.commits.get(d);
      if (!list) this.commits.set(d, (list = []));
      list.push(t);
    }
    this.rows += devices.length;
    this.inserts += 1;
    this.lastCommit = t;
  }

  async settled(rows: number): Promise<boolean> {
    const end = Date.now() + SETTLE_TIMEOUT_MS;
    while (this.rows < rows && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    return this.rows >= rows;
  }
}

interface PhaseResult {
  messages: number;
  seconds: number;
  ackedPerSecond: number;
  persistedPerSecond: number;
  latencies: Float64Array;
  missing: number;
  inserts: number;
  /** CPU time of the whole process (both threads) over wall time, in % of one core. */
  cpuPercent: number;
  /** How busy the platform's thread (this one) was: event-loop utilisation, %. */
  platformBusy: number;
  /** CPU of the MQTT worker processes, % of one core (0 without workers). */
  workersCpuPercent: number;
}

export async function runIngest(flags: Record<string, string>): Promise<void> {
  const publishers = Math.max(1, intFlag(flags, 'publishers', 20));
  const messages = intFlag(flags, 'messages', 100_000);
  const rate = intFlag(flags, 'rate', 5_000);
  const seconds = intFlag(flags, 'seconds', 10);
  const window = Math.max(1, intFlag(flags, 'window', 64));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-'));
  const env: Record<string, string> = {
    DOJOT_DATA_DIR: dataDir,
    DOJOT_HTTP_PORT: '0',
    DOJOT_HTTP_HOST: '127.0.0.1',
    DOJOT_MQTT_PORT: '0',
    DOJOT_MQTTS_PORT: '0',
    DOJOT_MQTT_HOST: '127.0.0.1',
    DOJOT_LOG_LEVEL: process.env.DOJOT_LOG_LEVEL ?? 'warn',
  };
  // --mode kafka: the same pipeline on a Kafka broker and a PostgreSQL server (a fresh schema,
  // dropped at the end), from --brokers/--postgres or DOJOT_KAFKA_BROKERS/DOJOT_POSTGRES_URL.
  const mode = flags.mode ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'kafka') throw new Error(`--mode: expected embedded or kafka, got "${mode}"`);
  let dropSchema: (() => Promise<void>) | undefined;
  if (mode === 'kafka') {
    const pgUrl = flags.postgres ?? process.env.DOJOT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${Date.now().toString(36)}`;
    dropSchema = await benchSchema(pgUrl, schema);
    const url = new URL(pgUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DOJOT_POSTGRES_URL = url.toString();
    env.DOJOT_KAFKA_BROKERS = flags.brokers ?? process.env.DOJOT_KAFKA_BROKERS ?? '127.0.0.1:9092';
    env.DOJOT_KAFKA_GROUP_PREFIX = `${schema}.`;
    Object.assign(env, kafkaTlsSettings());
  }
  if (flags['batch-rows']) env.DOJOT_HISTORY_BATCH_ROWS = flags['batch-rows'];
  if (flags['flush-ms']) env.DOJOT_HISTORY_FLUSH_MS = flags['flush-ms'];
  // --mqtt-workers n: the MQTT brokers in n worker processes (DOJOT_MQTT_WORKERS), the rest here.
  env.DOJOT_MQTT_WORKERS = String(intFlag(flags, 'mqtt-workers', 0));
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const probe = new CommitProbe();
  const store = probe.wrap(await createStore(config));
  // Bus traffic counted for /metrics, as the platform counts it (bin/platform.ts).
  const bus = new Metrics().instrumentBus(await createBus(config, log));
  const cache = await createCache(config);
  const ctx: PlatformContext = { config, log, bus, store, cache };
  const ids = Array.from({ length: publishers }, (_, i) => `b${i.toString(16).padStart(5, '0')}`);
  const directory = new BenchDevices(new Set(ids));
  const history = createHistory(ctx, { devices: directory });
  const agent = createMqttAgent(ctx, { devices: directory });
  await history.start!();
  await agent.start!();

  console.log('ingest benchmark: MQTT (QoS 1, TCP) → mqtt-agent → bus → history → store\n');
  console.log(
    conditions({
      store:
        store.kind === 'postgres'
          ? `postgres (${env.DOJOT_POSTGRES_URL!.replace(/\?.*$/, '')}, pool ${config.postgresPool})`
          : `${store.kind} (files in ${dataDir})`,
      bus:
        bus.kind === 'kafka'
          ? `kafka (${config.kafkaBrokers.join(',')}, ${config.kafkaPartitions} partitions, acks all, idempotent producer)`
          : `${bus.kind} (its traffic counted for /metrics, as the platform does)`,
      'mqtt workers': config.mqttWorkers
        ? `${config.mqttWorkers} worker processes (the rest of the platform on this process's main thread)`
        : '0 (MQTT on the main thread)',
      publishers: `${publishers} devices (the load tool's MQTT client; each writes the PUBLISHes of one event-loop turn in one write) of tenant "${TENANT}" in one worker thread (the platform runs on the main thread)`,
      messages: `${fmt(messages)} at full speed (window ${window} unacked per device), then ${fmt(rate)} msg/s for ${seconds} s`,
      payload: `${PAYLOAD_EXAMPLE} (${Buffer.byteLength(PAYLOAD_EXAMPLE)} bytes, one attr → one row)`,
      history: `batch ≤ ${config.historyBatchRows} rows, flush ≤ ${config.historyFlushMs} ms, plain INSERT, ON CONFLICT DO NOTHING only for a batch refused for a duplicate`,
    }),
  );

  const worker = new Worker(new URL('./publishers.js', import.meta.url), {
    workerData: { port: agent.address()!.port, tenant: TENANT, devices: ids } satisfies PublishersInit,
  });
  const replies: ((r: PublishersReply) => void)[] = [];
  worker.on('message', (r: PublishersReply) => replies.shift()?.(r));
  worker.on('error', (err) => {
    console.error('publisher worker failed:', err);
    process.exit(1);
  });
  const next = () => new Promise<PublishersReply>((resolve) => replies.push(resolve));
  const command = async (cmd: PublishersCommand) => {
    const reply = next();
    worker.postMessage(cmd);
    const r = await reply;
    if (r.type === 'error') throw new Error(`publishers: ${r.message}`);
    return r;
  };

  /** CPU ticks (user + system) the MQTT worker processes have used so far. */
  const workerTicks = () =>
    agent.workers().reduce((n, w) => {
      try {
        const stat = readFileSync(`/proc/${w.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return n + Number(f[11]) + Number(f[12]);
      } catch {
        return n;
      }
    }, 0);
  const phase = async (cmd: Exclude<PublishersCommand, { mode: 'stop' }>): Promise<PhaseResult> => {
    probe.reset();
    const cpu0 = process.cpuUsage();
    const workerTicks0 = workerTicks();
    const elu0 = performance.eventLoopUtilization();
    const wall0 = nowMs();
    const r = (await command(cmd)) as Extract<PublishersReply, { type: 'done' }>;
    await probe.settled(cmd.messages);
    const cpu = process.cpuUsage(cpu0);
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / (nowMs() - wall0)) * 100;
    // USER_HZ is 100 on Linux: a tick is 10 ms.
    const workersCpuPercent = (((workerTicks() - workerTicks0) * 10) / (nowMs() - wall0)) * 100;
    const platformBusy = performance.eventLoopUtilization(elu0).utilization * 100;
    const latencies: number[] = [];
    let missing = 0;
    ids.forEach((id, j) => {
      const sent = r.sendTimes[j];
      const stored = probe.commits.get(id) ?? [];
      for (let k = 0; k < sent.length; k++) {
        if (k < stored.length) latencies.push(stored[k] - sent[k]);
        else missing += 1;
      }
    });
    const elapsed = (probe.lastCommit - r.firstSend) / 1000;
    return {
      messages: cmd.messages,
      seconds: elapsed,
      ackedPerSecond: cmd.messages / ((r.lastAck - r.firstSend) / 1000),
      persistedPerSecond: probe.rows / elapsed,
      latencies: Float64Array.from(latencies).sort(),
      missing,
      inserts: probe.inserts,
      cpuPercent,
      workersCpuPercent,
      platformBusy,
    };
  };

  try {
    await next(); // the devices are connected
    // Warm-up (not reported): JIT, PGlite caches, TCP windows.
    await phase({ mode: 'max', messages: Math.min(10_000, Math.max(1_000, Math.floor(messages / 10))), window });
    const max = await phase({ mode: 'max', messages, window });
    const fixed = await phase({ mode: 'rate', messages: rate * seconds, rate });
    const [{ n }] = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM device_history');

    console.log('\nresults');
    report('throughput', max);
    report(`at ${fmt(rate)} msg/s`, fixed);
    // MQTT workers report their counters every 250 ms: wait for their last word.
    if (config.mqttWorkers) await new Promise((r) => setTimeout(r, 600));
    const c = agent.counters();
    console.log(
      `  ${'rows stored'.padEnd(14)} ${fmt(n)} (warm-up included); agent forwarded ${fmt(c.messagesForwarded)}, dropped ${c.dropped.not_json + c.dropped.not_object + c.dropped.too_large}, refused ${c.publishesRefused}`,
    );
    console.log(`  ${'memory'.padEnd(14)} rss ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB at the end`);
    console.log(
      `  ${'load avg'.padEnd(14)} ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end (other work on the machine skews the numbers)`,
    );
  } finally {
    worker.postMessage({ mode: 'stop' } satisfies PublishersCommand);
    await new Promise((r) => setTimeout(r, 200)); // lets the devices DISCONNECT cleanly
    await worker.terminate();
    await agent.close!();
    await history.close!();
    await bus.close();
    await cache.close();
    await store.close();
    await dropSchema?.();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Creates the schema the kafka-mode run writes to; returns how to drop it. */
async function benchSchema(pgUrl: string, schema: string): Promise<() => Promise<void>> {
  const { default: pg } = await import('pg');
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  return () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

function report(name: string, r: PhaseResult): void {
  const l = r.latencies;
  console.log(
    `  ${name.padEnd(14)} ${fmt(r.persistedPerSecond)} msg/s persisted (${fmt(r.messages)} msgs in ${fmt(r.seconds, 2)} s, ${fmt(r.inserts)} INSERTs, avg ${fmt(r.messages / Math.max(1, r.inserts))} rows each); ` +
      `PUBACKed ${fmt(r.ackedPerSecond)} msg/s; publish → stored p50 ${fmt(percentile(l, 50), 1)} ms, p99 ${fmt(percentile(l, 99), 1)} ms, max ${fmt(percentile(l, 100), 1)} ms` +
      `; platform thread busy ${fmt(r.platformBusy)} %, process CPU ${fmt(r.cpuPercent)} % of one core (publishers included)` +
      (r.workersCpuPercent ? `, MQTT workers ${fmt(r.workersCpuPercent)} %` : '') +
      (r.missing ? `; ${fmt(r.missing)} NOT STORED` : ''),
  );
}
