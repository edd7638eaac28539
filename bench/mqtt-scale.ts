// The connection-scale run (bench/mqtt-scale.sh, or `npm run bench -- mqtt-scale`): the platform
// as `npm start` runs it, with its MQTT in worker processes, and `dojot-red load` putting N
// devices on it, spread over 127.0.0.x source addresses, publishing R msg/s in total for M
// minutes while actuations go to random devices. Once a second it notes the publish rate, the
// PUBACK and actuation p99 of that second (from the load tool's live line) and the resident
// memory and CPU of the platform process and of its MQTT workers (from /proc). At the end: the
// load tool's report, the idle memory per connection (after every device connected, before
// publishing), and a PNG of the three over time.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadReport } from '../bin/load/report.js';
import { projectRoot } from '../core-services/platform/paths.js';
import { freePort, spawnPlatform, stopPlatform } from '../test/helpers/processes.js';
import { drawTimeSeries } from './chart.js';
import { conditions, fmt, intFlag } from './support.js';

interface Sample {
  t: number;
  connected: number;
  msgPerS: number;
  pubackP99: number | null;
  actuationP99: number | null;
  primaryMb: number;
  workersMb: number;
  primaryCpu: number;
  workersCpu: number;
  /** The load tool: its main process and its worker processes (they share the machine). */
  loadCpu: number;
  /** The machine's idle time in that second, % of all its cores (from /proc/stat). */
  machineIdlePct: number;
  sent: number;
  /** Open files: the platform process holds no device connection, the workers hold them all. */
  primaryFds: number;
  workersFds: number;
}

function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

const PAGE = 4096;
/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK = 100;

function procStat(pid: number): { rssMb: number; cpuTicks: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the name: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), rssMb: (Number(f[21]) * PAGE) / 2 ** 20 };
  } catch {
    return null;
  }
}

/** The children of a process whose command line includes `marker` (every child without one). */
function childrenOf(parent: number, marker = ''): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const s = procStat(pid);
    if (s?.ppid !== parent) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) out.push(pid);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The MQTT worker processes of a platform: its children running worker-main.js. */
const mqttWorkers = (primary: number) => childrenOf(primary, 'worker-main');

/** All cores' idle and total ticks so far (the first line of /proc/stat). */
function machineTicks(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  return { idle: f[3] + f[4], total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
}

const num = (s: string | undefined) => (s === undefined || s === '-' ? null : Number(s));

/** What the platform's /metrics says of its MQTT workers: connections closed unserved, clients per worker. */
async function scrapeServing(
  httpPort: number,
): Promise<{ unserved: Record<string, number>; perWorker: number[] } | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const unserved: Record<string, number> = {};
    for (const m of text.matchAll(/^dojot_mqtt_connections_unserved_total\{reason="(\w+)"\} (\d+)$/gm))
      unserved[m[1]] = Number(m[2]);
    const perWorker: number[] = [];
    for (const m of text.matchAll(/^dojot_mqtt_worker_connections\{worker="(\d+)"\} (\d+)$/gm))
      perWorker[Number(m[1])] = Number(m[2]);
    return { unserved, perWorker };
  } catch {
    return null;
  }
}

/** The chart: connections, msg/s, the p99s of each second (log scale) and memory over time. */
async function plot(
  png: string,
  samples: Sample[],
  c: { devices: number; rate: number; workers: number; load: number },
): Promise<void> {
  const series = (name: string, pick: (s: Sample) => number | null) =>
    samples.flatMap((s) => {
      const v = pick(s);
      return v === null || Number.isNaN(v) || v <= 0 ? [] : [{ t: Math.round(s.t), series: name, value: v }];
    });
  await drawTimeSeries(
    png,
    `dojot-red: ${fmt(c.devices)} MQTT devices, ${fmt(c.rate)} msg/s, ${c.workers} MQTT workers (${os.cpus().length} cores, load avg ${c.load.toFixed(1)} at start)`,
    [
      { title: 'devices connected', points: series('connected', (s) => s.connected) },
      { title: 'msg/s published', points: series('msg/s', (s) => s.msgPerS) },
      {
        title: 'p99 of each second, ms (log scale)',
        log: true,
        points: [...series('PUBACK', (s) => s.pubackP99), ...series('actuation REST→device', (s) => s.actuationP99)],
      },
      {
        title: 'resident memory, MB',
        points: [
          ...series('platform process', (s) => s.primaryMb),
          ...series('MQTT workers (all)', (s) => s.workersMb),
        ],
      },
    ],
  );
}

export async function runMqttScale(flags: Record<string, string>): Promise<void> {
  // --replot samples.json: draws the chart of an earlier run again, runs nothing.
  if (flags.replot) {
    const saved = JSON.parse(readFileSync(flags.replot, 'utf8')) as {
      samples: Sample[];
      conditions: { devices: number; rate: number; workers: number; load: number };
    };
    const file = path.resolve(flags.png ?? path.join(projectRoot(), 'docs', 'img', 'mqtt-scale.png'));
    await plot(file, saved.samples, saved.conditions);
    console.log(`chart: ${file}`);
    return;
  }
  const devices = intFlag(flags, 'devices', 100_000);
  const rate = intFlag(flags, 'rate', 3_333);
  const minutes = Number(flags.minutes ?? 5);
  const workers = intFlag(flags, 'mqtt-workers', Math.max(2, Math.ceil(devices / 16_000)));
  const actuateRate = intFlag(flags, 'actuate-rate', 10);
  const ramp = intFlag(flags, 'ramp', Math.max(5, Math.ceil(devices / 2_000)));
  // The load tool and its processes share the two cores with the platform: at the same priority its
  // ~20 processes took most of the CPU and left the platform's thread a quarter of a core. Devices
  // are other machines; here they run at a lower priority so the platform gets what it needs first.
  const loadNice = intFlag(flags, 'load-nice', 10);
  const png = path.resolve(flags.png ?? path.join(projectRoot(), 'docs', 'img', 'mqtt-scale.png'));
  if (!(minutes > 0)) throw new Error(`--minutes: expected a positive number, got "${flags.minutes}"`);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-scale-'));
  const [httpPort, mqttPort, mqttsPort] = [await freePort(), await freePort(), await freePort()];
  const loadAtStart = os.loadavg();
  const started = Date.now();
  const scale = `${fmt(devices)} devices, ${fmt(rate)} msg/s for ${minutes} min, ramp ${ramp} s, ${actuateRate} actuations/s, keep alive ${flags.keepalive ?? 60} s`;
  const atStart = conditions({
    scale,
    'mqtt workers': `${workers} (DOJOT_MQTT_WORKERS)`,
    'load tool': `nice ${loadNice} (--load-nice), its worker processes too`,
    store: 'embedded PGlite, in-process bus (the platform as npm start runs it)',
  });
  const platform = await spawnPlatform(
    {
      DOJOT_HTTP_PORT: String(httpPort),
      DOJOT_HTTP_HOST: '127.0.0.1',
      DOJOT_MQTT_PORT: String(mqttPort),
      DOJOT_MQTTS_PORT: String(mqttsPort),
      DOJOT_MQTT_HOST: '0.0.0.0',
      DOJOT_MQTT_WORKERS: String(workers),
      DOJOT_DATA_DIR: dataDir,
      // info: the ready line is what spawnPlatform waits for.
      DOJOT_LOG_LEVEL: 'info',
    },
    120_000,
  );
  const primary = platform.child.pid!;
  const samples: Sample[] = [];
  let live = {
    connected: 0,
    msgPerS: 0,
    pubackP99: null as number | null,
    actuationP99: null as number | null,
    sent: 0,
  };
  let lastCpu = new Map<number, number>();
  let lastAt = Date.now();
  let lastMachine = machineTicks();
  /** Set once the load tool runs. */
  let loadPid: number | undefined;
  /** Each worker's clients when publishing began (every device that could connect connected). */
  const atPublish: { perWorker: number[] | null } = { perWorker: null };
  let perWorkerAsked = false;
  const sampler = setInterval(() => {
    if (live.sent > 0 && !perWorkerAsked) {
      perWorkerAsked = true;
      void scrapeServing(httpPort).then((s) => (atPublish.perWorker = s?.perWorker ?? null));
    }
    const now = Date.now();
    const dt = (now - lastAt) / 1000;
    lastAt = now;
    const cpu = new Map<number, number>();
    const p = procStat(primary);
    const ws = mqttWorkers(primary).map((pid) => [pid, procStat(pid)] as const);
    if (!p) return;
    cpu.set(primary, p.cpuTicks);
    let workersMb = 0;
    let workersTicks = 0;
    for (const [pid, s] of ws) {
      if (!s) continue;
      workersMb += s.rssMb;
      cpu.set(pid, s.cpuTicks);
      workersTicks += s.cpuTicks - (lastCpu.get(pid) ?? s.cpuTicks);
    }
    const primaryTicks = p.cpuTicks - (lastCpu.get(primary) ?? p.cpuTicks);
    let loadTicks = 0;
    for (const pid of loadPid === undefined ? [] : [loadPid, ...childrenOf(loadPid)]) {
      const s = procStat(pid);
      if (!s) continue;
      cpu.set(pid, s.cpuTicks);
      loadTicks += s.cpuTicks - (lastCpu.get(pid) ?? s.cpuTicks);
    }
    const machine = machineTicks();
    const machineTotal = machine.total - lastMachine.total;
    const machineIdlePct = machineTotal > 0 ? ((machine.idle - lastMachine.idle) / machineTotal) * 100 : 0;
    lastMachine = machine;
    lastCpu = cpu;
    samples.push({
      t: (now - started) / 1000,
      ...live,
      primaryMb: p.rssMb,
      workersMb,
      primaryCpu: (primaryTicks / TICK / dt) * 100,
      workersCpu: (workersTicks / TICK / dt) * 100,
      loadCpu: (loadTicks / TICK / dt) * 100,
      machineIdlePct,
      primaryFds: openFiles(primary),
      workersFds: ws.reduce((n, [pid]) => n + openFiles(pid), 0),
    });
  }, 1000);

  let report: LoadReport | undefined;
  let serving: Awaited<ReturnType<typeof scrapeServing>>;
  let loadOutput = '';
  try {
    const args = [
      path.join(projectRoot(), 'dist', 'bin', 'dojot-red.js'),
      'load',
      '--host',
      '127.0.0.1',
      '--port',
      String(httpPort),
      '--mqtt-port',
      String(mqttPort),
      '--devices',
      String(devices),
      '--rate',
      String(rate),
      '--duration',
      String(Math.round(minutes * 60)),
      '--ramp',
      String(ramp),
      '--actuate-rate',
      String(actuateRate),
      '--json',
      // The platform and its data directory are thrown away after the run: removing 100,000
      // devices one DELETE at a time would only add ~8 minutes.
      '--keep-devices',
    ];
    for (const f of ['workers', 'source-addresses', 'target-addresses', 'verify', 'settle', 'keepalive'])
      if (flags[f]) args.push(`--${f}`, flags[f]);
    const load = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Set before it forks its workers (after making the devices): they inherit it.
    if (load.pid) os.setPriority(load.pid, loadNice);
    loadPid = load.pid;
    let stdout = '';
    load.stdout.on('data', (d) => (stdout += d));
    let partial = '';
    load.stderr.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        process.stderr.write(`load: ${line}\n`);
        const m = /connected (\d+)\/\d+\s+(\d+) msg\/s\s+sent (\d+)/.exec(line);
        if (!m) {
          loadOutput += `${line}\n`;
          continue;
        }
        live = {
          connected: Number(m[1]),
          msgPerS: Number(m[2]),
          sent: Number(m[3]),
          pubackP99: num(/PUBACK p99 ([\d.]+|-) ms/.exec(line)?.[1]),
          actuationP99: num(/actuation p99 ([\d.]+|-) ms/.exec(line)?.[1]),
        };
      }
    });
    const code = await new Promise<number | null>((resolve) => load.once('exit', resolve));
    if (code !== 0) throw new Error(`dojot-red load exited with ${code}:\n${loadOutput}${stdout}`);
    report = JSON.parse(stdout) as LoadReport;
    serving = await scrapeServing(httpPort);
  } finally {
    clearInterval(sampler);
    await stopPlatform(platform);
    rmSync(dataDir, { recursive: true, force: true });
  }

  // Idle cost per connection: the last moment before publishing (every device that could connect
  // connected, nothing published yet), against the last moment before the first connection.
  const before = [...samples].reverse().find((s) => s.connected === 0 && s.sent === 0);
  const full = [...samples].reverse().find((s) => s.connected > 0 && s.sent === 0);
  const perConn = (pick: (s: Sample) => number) =>
    before && full && full.connected ? ((pick(full) - pick(before)) * 2 ** 20) / full.connected / 1024 : NaN;
  const publishing = samples.filter((s) => s.sent > 0);
  const maxOf = (xs: (number | null)[]) => Math.max(...xs.filter((x): x is number => x !== null));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

  mkdirSync(path.dirname(png), { recursive: true });
  await plot(png, samples, { devices, rate, workers, load: loadAtStart[0] });
  const out = path.join(projectRoot(), 'bench-results');
  mkdirSync(out, { recursive: true });
  const json = path.join(out, `mqtt-scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    json,
    JSON.stringify({ flags, conditions: { devices, rate, workers, load: loadAtStart[0] }, report, samples }, null, 1),
  );

  console.log('\nmqtt-scale benchmark: dojot-red load → MQTT workers → bus → history\n');
  console.log(atStart);
  console.log(
    `  ${'load avg end'.padEnd(14)} ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const r = report!;
  console.log(`
connected          ${fmt(r.connect.connected)}/${fmt(r.connect.attempted)} in ${fmt(r.connect.seconds, 1)} s (${fmt(r.connect.perSecond)}/s)
publish            ${fmt(r.publish.sent)} sent, ${fmt(r.publish.acked)} acknowledged, ${fmt(r.publish.ackedPerSecond)} msg/s acknowledged
PUBACK             p50 ${r.pubackMs?.p50} ms, p99 ${r.pubackMs?.p99} ms, max ${r.pubackMs?.max} ms; worst 1-s p99 ${fmt(maxOf(publishing.map((s) => s.pubackP99)), 1)} ms
loss               ${r.loss ? `${fmt(r.loss.lost)} acknowledged but not stored of ${fmt(r.loss.acked)} on ${fmt(r.loss.devicesChecked)} devices checked` : 'not checked'}
actuations         ${r.actuations ? `${fmt(r.actuations.sent)} sent, ${fmt(r.actuations.delivered)} delivered, ${fmt(r.actuations.lost)} lost, p99 ${r.actuations.latencyMs?.p99} ms` : 'none'}
idle memory        ${fmt(
    perConn((s) => s.primaryMb + s.workersMb),
    1,
  )} KB resident per connection (platform + workers; workers alone ${fmt(
    perConn((s) => s.workersMb),
    1,
  )} KB)
open files         at most ${fmt(maxOf(samples.map((s) => s.primaryFds)))} in the platform process, ${fmt(maxOf(samples.map((s) => s.workersFds)))} in the workers together (${fmt(devices)} connections)
peak memory        platform ${fmt(maxOf(samples.map((s) => s.primaryMb)))} MB, workers ${fmt(maxOf(samples.map((s) => s.workersMb)))} MB in all
CPU while publishing  platform ${fmt(mean(publishing.map((s) => s.primaryCpu)))} %, workers ${fmt(mean(publishing.map((s) => s.workersCpu)))} %, load tool ${fmt(mean(publishing.map((s) => s.loadCpu)))} % (100 % = one core); machine idle ${fmt(mean(publishing.map((s) => s.machineIdlePct)))} % of its ${os.cpus().length} cores
errors             ${JSON.stringify(r.errors)}
closed unserved    ${serving ? `${JSON.stringify(serving.unserved)} (the platform's count of connections closed before any MQTT, by why)` : 'not read'}
per MQTT worker    ${atPublish.perWorker ? `${atPublish.perWorker.map((n) => fmt(n)).join(', ')} clients when publishing began` : 'not read'}
chart              ${png}
samples            ${json}`);
}
