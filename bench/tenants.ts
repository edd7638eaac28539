// Tenants: N tenants on one platform, one flow each, a tenth of them active, with hibernation on.
//   each tenant: [dojot bus in device-data → function → dojot bus out dojot.notifications]
//   active tenants: a message every --interval-ms each, published on the bus (`<tenant>.device-data`,
//   carrying its publish time), counted on `<tenant>.dojot.notifications`: publish → flow output
//   the others: idle, they hibernate after --idle-seconds (DOJOT_RUNTIME_IDLE_SECONDS)
// Reported: resident memory of each idle runtime (as the driver measures it: /proc, the cgroup's
// process), total memory (the platform process and every runtime) with all running and after the
// idle ones hibernated, p50/p99 publish → flow latency of the active tenants, and the wake of a
// few hibernated ones (publish → flow output of their first message, and the runtime's own start).
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
/** How long the started runtimes settle before their memory is read, ms. */
const SETTLE_MS = 5_000;
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
  const wakes = intFlag(flags, 'wakes', 3);
  if (flags.sandbox !== undefined && flags.sandbox !== 'off') throw new Error('--sandbox takes only "off"');
  const sandboxOff = flags.sandbox === 'off' ? 'uid,permissions,memory,cpu,egress,proxy-secret' : '';
  if (n < 1) throw new Error('--tenants must be at least 1');
  if (activePct > 100) throw new Error('--active-pct must be 0..100');
  if (idleSeconds < 1) throw new Error('--idle-seconds must be at least 1 (this bench measures hibernation)');
  if (intervalMs < 1 || intervalMs >= idleSeconds * 1000)
    throw new Error('--interval-ms must be at least 1 and shorter than --idle-seconds');
  const active = Math.round((n * activePct) / 100);
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
    // The supervisor's own bound on starts, set to the bench's (--concurrency), which it then holds.
    DOJOT_RUNTIME_START_CONCURRENCY: String(concurrency),
  });
  console.log(
    `tenants: ${n} tenants, one flow each, ${active} active (a message every ${intervalMs} ms each for ${seconds} s), ` +
      `hibernation after ${idleSeconds} s idle\n${conditions({
        bus: 'in-process (supervisor → IPC → runtime)',
        store: 'PGlite on disk',
        'open files': openFilesLimit(),
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
  // in the measuring window (after every runtime started).
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
  // Each runtime's resident memory once it has run idle for SETTLE_MS (before it hibernates).
  const idleRss = new Map<string, number>();
  const sample = () => {
    for (const r of sup.reports())
      if (r.state === 'running' && r.startedAt && Date.now() - r.startedAt >= SETTLE_MS && r.memory)
        if (!activeSet.has(r.tenant) && r.messages.busIn === 0) idleRss.set(r.tenant, r.memory.rssBytes / MB);
  };
  const activeTenants = tenants.slice(0, active);
  const activeSet = new Set(activeTenants);
  // The active tenants get their messages from the start, so that they never go idle.
  const started = new Set<string>();
  let round = 0;
  let sent = 0;
  let stop = false;
  const traffic = (async () => {
    while (!stop) {
      const t = Date.now();
      const to = activeTenants.filter((x) => started.has(x));
      await Promise.all(to.map((tenant) => publish(tenant, round)));
      if (measuring) sent += to.length;
      round += 1;
      sample();
      await sleep(Math.max(0, intervalMs - (Date.now() - t)));
    }
  })();

  try {
    await flows.start!();
    const on = Object.entries(sup.isolation().defences).map(([k, d]) => `${k} ${d.on ? 'on' : 'off'}`);
    console.log(`  ${'sandbox'.padEnd(14)} ${on.join(', ')}`);
    // Started a few at a time: N Node-RED starts at once would only queue on the CPU.
    const startAt = performance.now();
    let next = 0;
    const startMs: number[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < tenants.length) {
          const tenant = tenants[next++];
          await flowStore.put(store, tenant, flowOf(tenant));
          const t = performance.now();
          await sup.ensureRunning(tenant);
          startMs.push(performance.now() - t);
          started.add(tenant);
          if (started.size % 50 === 0) console.log(`  started ${started.size}/${n}`);
        }
      }),
    );
    const allStartedS = (performance.now() - startAt) / 1000;
    await sleep(SETTLE_MS);
    sample();
    const rss = sorted([...idleRss.values()]);
    // Had every runtime stayed up: the platform process and N idle runtimes.
    const platformRss = process.memoryUsage().rss / MB;
    const totalAllRunning = platformRss + percentile(rss, 50) * n;
    console.log(
      `\nstart: ${n} runtimes in ${fmt(allStartedS, 1)} s (${concurrency} at a time), one start median ${fmt(percentile(sorted(startMs), 50))} ms\n` +
        `idle runtime resident memory (MB, ${rss.length} idle runtimes, read ${SETTLE_MS / 1000} s after their start): ` +
        `median ${fmt(percentile(rss, 50), 1)}, p90 ${fmt(percentile(rss, 90), 1)}, max ${fmt(rss.at(-1) ?? NaN, 1)}\n` +
        `total resident were all ${n} up: ~${fmt(totalAllRunning)} MB (platform process ${fmt(platformRss)} MB + ${n} × the median)`,
    );

    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    await sleep(2_000);
    const lat = sorted(measured);
    console.log(
      `active tenants: ${active}, ${sent} messages sent, ${lat.length} flow outputs: publish → flow output ` +
        `p50 ${fmt(percentile(lat, 50), 1)} ms, p99 ${fmt(percentile(lat, 99), 1)} ms, max ${fmt(lat.at(-1) ?? NaN, 1)} ms`,
    );
    // Waiting for the idle ones to hibernate, the active ones still busy.
    const hibernateBy = Date.now() + (idleSeconds + 60) * 1000;
    const asleep = () => sup.reports().filter((r) => r.state === 'hibernating').length;
    while (asleep() < n - active && Date.now() < hibernateBy) await sleep(500);
    stop = true;
    await traffic;
    const after = sup.reports();
    const running = after.filter((r) => r.state === 'running');
    const runningRss = running.reduce((a, r) => a + (r.memory?.rssBytes ?? 0) / MB, 0);
    const platformRss2 = process.memoryUsage().rss / MB;
    console.log(
      `after ${idleSeconds} s idle: ${asleep()} hibernating, ${running.length} running (${active} active); total resident ${fmt(platformRss2 + runningRss)} MB ` +
        `(platform process ${fmt(platformRss2)} MB + ${running.length} runtimes ${fmt(runningRss)} MB)`,
    );

    // Wakes, one at a time: publish to a hibernating tenant, wait for its flow's output.
    const sleeping = after.filter((r) => r.state === 'hibernating').map((r) => r.tenant);
    for (const tenant of sleeping.slice(0, wakes)) {
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
    await sub.close();
    await flows.close!();
    await bus.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
