// Tenants: N tenants on one platform, one flow each, a tenth of them active, with hibernation on,
// as a platform restarted with N tenants' flows in its store meets them:
//   each tenant: [dojot bus in device-data → function → dojot bus out dojot.notifications]
//   at the platform's start every tenant is left hibernating (its flows only answer messages)
//   active tenants: a message every --interval-ms each, published on the bus (`<tenant>.device-data`,
//   carrying its publish time), counted on `<tenant>.dojot.notifications`: publish → flow output.
//   Their first message wakes them, all at once, through the supervisor's start queue.
//   --sample idle tenants are started to measure an idle runtime, then hibernate after
//   --idle-seconds (DOJOT_RUNTIME_IDLE_SECONDS); the other idle tenants never start.
// Reported: how long until every active tenant answered and its first-message latency (a wake under
// contention), the resident memory of an idle runtime (RSS as the driver reads it, and from
// /proc/<pid>/smaps_rollup its anonymous memory and its proportional share PSS, the binary's pages
// being shared by all runtimes), total memory (the platform process and every runtime) while the
// active tenants run, p50/p99 publish → flow latency of the active tenants, and single wakes of
// hibernated tenants (publish → flow output of their first message, and the runtime's own start).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuth } from '../core-services/auth/index.js';
import { createBus } from '../core-services/platform/bus/index.js';
import { createCache } from '../core-services/platform/cache/index.js';
import { loadConfig } from '../core-services/platform/config.js';
import type { PlatformContext } from '../core-services/platform/context.js';
import { allTenants, tenantOfTopic } from '../core-services/platform/contracts/topics.js';
import { createLogger } from '../core-services/platform/log.js';
import { createStore } from '../core-services/platform/store/index.js';
import { createFlowEngine } from '../runtime/index.js';
import { flowStore } from '../runtime/storage/flow-store.js';
import { conditions, fmt, intFlag, nowMs, percentile } from './support.js';

const MB = 1024 * 1024;
/**
 * How long the started runtimes settle before their memory is read, ms: V8's memory reducer
 * shrinks the young generation Node-RED's start grew after 10–40 s of idling (not always by this first reading).
 */
const SETTLE_MS = 25_000;
/** A second reading, when --idle-seconds leaves the time: an idle runtime's memory once it has settled, ms. */
const LATE_SETTLE_MS = 50_000;
/** Longest wait for a woken tenant's first message, ms. */
const WAKE_TIMEOUT_MS = 120_000;

/** This process's open-files limit (soft / hard), from /proc. */
function openFilesLimit(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line?.split(/\s{2,}/).slice(1, 3) ?? [];
    return `${soft} soft / ${hard} hard per process`;
  } catch {
    return 'unknown';
  }
}

/** A process's memory from /proc/<pid>/smaps_rollup, MB: resident, anonymous, proportional. */
function smapsRollup(pid: number): { rss: number; anon: number; pss: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
    return { rss: kb('Rss'), anon: kb('Anonymous'), pss: kb('Pss') };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

function flowOf(tenant: string) {
  const now = Date.now();
  const z = `f-${tenant}`;
  return {
    id: z,
    name: 'bench',
    enabled: true,
    tab: { id: z, type: 'tab' },
    created: now,
    updated: now,
    nodes: [
      { id: `${z}-in`, z, type: 'dojot bus in', subject: 'device-data', wires: [[`${z}-fn`]] },
      {
        id: `${z}-fn`,
        z,
        type: 'function',
        func: 'msg.payload = { t0: msg.payload.t0, n: msg.payload.n, measure: msg.payload.measure }; return msg;',
        wires: [[`${z}-out`]],
      },
      { id: `${z}-out`, z, type: 'dojot bus out', subject: 'dojot.notifications', wires: [] },
    ],
  };
}

export async function runTenantsBench(flags: Record<string, string>): Promise<void> {
  const n = intFlag(flags, 'tenants', 1000);
  const activePct = intFlag(flags, 'active-pct', 10);
  const idleSeconds = intFlag(flags, 'idle-seconds', 30);
  const intervalMs = intFlag(flags, 'interval-ms', 1000);
  const seconds = intFlag(flags, 'seconds', 30);
  const concurrency = Math.max(1, intFlag(flags, 'concurrency', 4));
  const sampleIdle = intFlag(flags, 'sample', 10);
  const wakes = intFlag(flags, 'wakes', 3);
  if (flags.sandbox !== undefined && flags.sandbox !== 'off') throw new Error('--sandbox takes only "off"');
  const sandboxOff = flags.sandbox === 'off' ? 'uid,permissions,memory,cpu,egress,proxy-secret' : '';
  if (n < 1) throw new Error('--tenants must be at least 1');
  if (activePct > 100) throw new Error('--active-pct must be 0..100');
  if (idleSeconds < 1) throw new Error('--idle-seconds must be at least 1 (this bench measures hibernation)');
  if (intervalMs < 1 || intervalMs >= idleSeconds * 1000)
    throw new Error('--interval-ms must be at least 1 and shorter than --idle-seconds');
  const active = Math.round((n * activePct) / 100);
  if (sampleIdle < 1 || sampleIdle > n - active)
    throw new Error(`--sample must be 1..${n - active} (the idle tenants started to measure an idle runtime)`);
  const tenants = Array.from({ length: n }, (_, i) => `bt${String(i).padStart(4, '0')}`);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-tenants-'));
  const config = loadConfig({
    DOJOT_DATA_DIR: dataDir,
    DOJOT_LOG_LEVEL: 'error',
    DOJOT_HTTP_PORT: '0',
    DOJOT_HTTP_HOST: '127.0.0.1',
    DOJOT_MQTT_PORT: '0',
    DOJOT_MQTTS_PORT: '0',
    DOJOT_MQTT_HOST: '127.0.0.1',
    DOJOT_RUNTIME_IDLE_SECONDS: String(idleSeconds),
    DOJOT_RUNTIME_SANDBOX_OFF: sandboxOff,
    // The supervisor's own bound on starts, set to the bench's (--concurrency).
    DOJOT_RUNTIME_START_CONCURRENCY: String(concurrency),
  });
  console.log(
    `tenants: ${n} tenants, one flow each, ${active} active (a message every ${intervalMs} ms each), ` +
      `hibernation after ${idleSeconds} s idle, ${sampleIdle} idle runtimes started to measure them\n${conditions({
        bus: 'in-process (supervisor → IPC → runtime)',
        store: 'PGlite on disk',
        'open files': openFilesLimit(),
        'runtime starts': `${concurrency} at a time (DOJOT_RUNTIME_START_CONCURRENCY)`,
      })}`,
  );
  const log = createLogger(config.logLevel);
  const store = await createStore(config);
  const bus = await createBus(config, log);
  const cache = await createCache(config);
  const ctx: PlatformContext = { config, log, bus, store, cache };
  const auth = await createAuth(ctx);
  const flows = createFlowEngine(ctx, { tokens: auth.tokens });
  const sup = flows.supervisor;

  // Every notification: its publish → output latency, by tenant; `measured` only those published
  // in the measuring window (after every active tenant answered).
  const arrived = new Map<string, number[]>();
  const measured: number[] = [];
  const sub = await bus.subscribe({
    topic: allTenants('dojot.notifications'),
    group: 'bench-tenants',
    handler: async (batch) => {
      const t = nowMs();
      for (const m of batch) {
        const tenant = tenantOfTopic(m.topic);
        const v = m.value as { t0?: number; measure?: boolean } | null;
        if (typeof v?.t0 !== 'number') continue;
        let list = arrived.get(tenant);
        if (!list) arrived.set(tenant, (list = []));
        list.push(t - v.t0);
        if (v.measure) measured.push(t - v.t0);
      }
    },
  });
  let measuring = false;
  const publish = (tenant: string, i: number) =>
    bus.publish(`${tenant}.device-data`, 'd1', { attrs: { n: i }, n: i, t0: nowMs(), measure: measuring });
  const activeTenants = tenants.slice(0, active);
  let sent = 0;
  let stop = false;
  let traffic: Promise<void> = Promise.resolve();
  const processRss = (pid: number | null) => (pid ? smapsRollup(pid) : null);

  try {
    const putAt = performance.now();
    for (const tenant of tenants) await flowStore.put(store, tenant, flowOf(tenant));
    console.log(`  ${n} flows stored in ${fmt((performance.now() - putAt) / 1000, 1)} s`);
    const bootAt = performance.now();
    await flows.start!();
    const on = Object.entries(sup.isolation().defences).map(([k, d]) => `${k} ${d.on ? 'on' : 'off'}`);
    console.log(`  ${'sandbox'.padEnd(14)} ${on.join(', ')}`);
    const states = () => {
      const count: Record<string, number> = {};
      for (const r of sup.reports()) count[r.state] = (count[r.state] ?? 0) + 1;
      return Object.entries(count)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
    };
    console.log(`platform started in ${fmt(performance.now() - bootAt)} ms: runtimes ${states()}`);

    // The active tenants' traffic, from now on: the first message of each wakes it. Each tenant
    // publishes on its own phase of the interval, as devices do, not all in the same instant.
    traffic = Promise.all(
      activeTenants.map(async (tenant, i) => {
        await sleep((intervalMs * i) / active);
        for (let round = 0; !stop; round++) {
          const t = Date.now();
          await publish(tenant, round);
          if (measuring) sent += 1;
          await sleep(Math.max(0, intervalMs - (Date.now() - t)));
        }
      }),
    ).then(() => undefined);
    const wakeAt = performance.now();
    const answered = () => activeTenants.filter((x) => (arrived.get(x)?.length ?? 0) > 0).length;
    let shown = 0;
    while (answered() < active && performance.now() - wakeAt < WAKE_TIMEOUT_MS * 5) {
      await sleep(250);
      if (answered() - shown >= 25) console.log(`  ${(shown = answered())}/${active} active tenants answered`);
    }
    const firstLatency = sorted(activeTenants.flatMap((x) => (arrived.get(x)?.length ? [arrived.get(x)![0]] : [])));
    console.log(
      `wake of the ${active} active tenants, all at once: ${answered()}/${active} answered within ` +
        `${fmt((performance.now() - wakeAt) / 1000, 1)} s; first message's publish → flow output ` +
        `p50 ${fmt(percentile(firstLatency, 50))} ms, p99 ${fmt(percentile(firstLatency, 99))} ms, max ${fmt(firstLatency.at(-1) ?? NaN)} ms\n` +
        `runtimes: ${states()}`,
    );

    // An idle runtime: a few idle tenants started, read once they have run idle for SETTLE_MS.
    const sample = tenants.slice(active, active + sampleIdle);
    await Promise.all(sample.map((tenant) => sup.ensureRunning(tenant)));
    // Read before they go back to sleep: once at SETTLE_MS, and again at LATE_SETTLE_MS when
    // --idle-seconds leaves the time (V8's memory reducer does not always run by the first).
    const readAt = [SETTLE_MS, LATE_SETTLE_MS].filter((ms) => ms <= idleSeconds * 850);
    if (readAt.length === 0) readAt.push(idleSeconds * 850);
    const startedAt = Date.now();
    const readings: { atMs: number; rss: number[]; anon: number[]; pss: number[] }[] = [];
    const known = (xs: number[]) => sorted(xs.filter((x) => Number.isFinite(x)));
    for (const atMs of readAt) {
      await sleep(Math.max(0, startedAt + atMs - Date.now()));
      const idle = sample.map((tenant) => {
        const r = sup.find(tenant)?.report();
        return { rss: (r?.memory?.rssBytes ?? NaN) / MB, smaps: processRss(r?.pid ?? null) };
      });
      readings.push({
        atMs,
        rss: known(idle.map((x) => x.rss)),
        anon: known(idle.map((x) => x.smaps?.anon ?? NaN)),
        pss: known(idle.map((x) => x.smaps?.pss ?? NaN)),
      });
    }
    const { pss } = readings.at(-1)!;
    const running = () => sup.reports().filter((r) => r.state === 'running');
    const totals = () => {
      const rs = running().map((r) => processRss(r.pid));
      const sum = (k: 'rss' | 'pss') => rs.reduce((a, x) => a + (x?.[k] ?? 0), 0);
      return { n: rs.length, rss: sum('rss'), pss: sum('pss'), platform: smapsRollup(process.pid) };
    };
    const up = totals();
    for (const { atMs, rss, anon, pss: p } of readings)
      console.log(
        `idle runtime (${rss.length} of ${sample.length} idle tenants started, read ${atMs / 1000} s after their start), MB: ` +
          `resident median ${fmt(percentile(rss, 50), 1)} (max ${fmt(rss.at(-1) ?? NaN, 1)}), ` +
          `of it anonymous ${fmt(percentile(anon, 50), 1)}; proportional (PSS, shared pages divided among the ${up.n} running runtimes) ` +
          `${fmt(percentile(p, 50), 1)}`,
      );
    console.log(
      `now: ${up.n} runtimes running, resident ${fmt(up.rss)} MB summed (PSS ${fmt(up.pss)} MB), ` +
        `platform process ${fmt(up.platform?.rss ?? NaN)} MB; were all ${n} tenants up: ~${fmt(
          (up.platform?.rss ?? 0) + n * percentile(pss, 50),
        )} MB (platform + ${n} × the idle PSS)`,
    );

    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    await sleep(2_000);
    const lat = sorted(measured);
    console.log(
      `active tenants: ${active}, ${sent} messages sent in ${seconds} s, ${lat.length} flow outputs: publish → flow output ` +
        `p50 ${fmt(percentile(lat, 50), 1)} ms, p99 ${fmt(percentile(lat, 99), 1)} ms, max ${fmt(lat.at(-1) ?? NaN, 1)} ms`,
    );
    // The sampled idle runtimes go back to sleep, the active ones still busy.
    const hibernateBy = Date.now() + (idleSeconds + 60) * 1000;
    const sampleAsleep = () => sample.filter((x) => sup.find(x)?.report().state === 'hibernating').length;
    while (sampleAsleep() < sample.length && Date.now() < hibernateBy) await sleep(500);
    const after = totals();
    console.log(
      `after ${idleSeconds} s idle: ${sampleAsleep()}/${sample.length} sampled idle runtimes hibernating; runtimes ${states()}; ` +
        `total resident ${fmt((after.platform?.rss ?? 0) + after.rss)} MB (platform process ${fmt(after.platform?.rss ?? NaN)} MB + ` +
        `${after.n} runtimes ${fmt(after.rss)} MB, PSS ${fmt(after.pss)} MB)`,
    );

    // Wakes, one at a time: publish to a hibernating tenant, wait for its flow's output.
    for (const tenant of sample.filter((x) => sup.find(x)?.report().state === 'hibernating').slice(0, wakes)) {
      const before = arrived.get(tenant)?.length ?? 0;
      const t = performance.now();
      await publish(tenant, -1);
      while ((arrived.get(tenant)?.length ?? 0) === before && performance.now() - t < WAKE_TIMEOUT_MS) await sleep(5);
      const ms = performance.now() - t;
      const w = sup.find(tenant)?.report().lastWake;
      const got = (arrived.get(tenant)?.length ?? 0) > before;
      console.log(
        `wake ${tenant}: ${got ? `publish → flow output ${fmt(ms)} ms` : `no output in ${WAKE_TIMEOUT_MS} ms`}` +
          ` (runtime start ${fmt(w?.startMs ?? NaN)} ms, first held message handed over after ${fmt(w?.firstMessageMs ?? NaN)} ms)`,
      );
    }
  } finally {
    stop = true;
    await traffic;
    await sub.close();
    await flows.close!();
    await bus.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
