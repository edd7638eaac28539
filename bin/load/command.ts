// `dojot-red load`: the platform's load tool (what dojot's Locust setup was). It makes (or reads)
// N devices, has worker processes connect them over MQTT or MQTTS and publish at a total rate,
// optionally sends actuations over REST and times them to the device, then checks what was
// stored and reports. See docs/load.md for what each figure means.
import { SAMPLES_PER_SECOND, startFlowLatency } from './flow-latency.js';
import { sampleEveryMs } from './stored-sampling.js';
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { buildCsr } from '../../core-services/x509/csr-builder.js';
import { percentile } from '../../bench/support.js';
import { CliError, signIn, type Call } from '../rest-client.js';
import { FlagError, parseLoadFlags, spread, USAGE, type LoadOptions } from './flags.js';
import type { Progress, WorkerMessage } from './protocol.js';
import { WorkerHandle } from './worker-handle.js';
import { renderReport, type LoadReport, type Spread } from './report.js';

/** Devices per POST /device?count= (the platform takes up to 10,000). */
const CREATE_BATCH = 1_000;
/** REST calls in flight at once while setting up, checking and cleaning up. */
const REST_CONCURRENCY = 8;
/** Actuations in flight at once. */
const ACTUATE_CONCURRENCY = 32;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn over items, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

function valueType(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

interface Made {
  devices: string[];
  templateId: number | null;
}

async function makeDevices(api: Call, o: LoadOptions, say: (s: string) => void): Promise<Made> {
  if (o.devicesFile) {
    let text: string;
    try {
      text = readFileSync(o.devicesFile, 'utf8');
    } catch (err) {
      throw new FlagError(`--devices-file: cannot read ${o.devicesFile}: ${(err as Error).message}`);
    }
    const devices = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const bad = devices.find((d) => !/^\w{1,64}$/.test(d));
    if (bad !== undefined) throw new FlagError(`--devices-file: "${bad}" is not a device id`);
    if (devices.length === 0) throw new FlagError(`--devices-file: ${o.devicesFile} names no device`);
    return { devices, templateId: null };
  }
  const run = Date.now().toString(36).slice(-5);
  const attrs = Object.entries(o.template.attrs).map(([label, v]) => ({
    label,
    type: 'dynamic',
    value_type: valueType(v),
  }));
  attrs.push({ label: o.actuator, type: 'actuator', value_type: 'float' });
  const t = await api('POST', '/template', { label: `load-${run}`, attrs });
  const templateId = t.template.id as number;
  const devices: string[] = [];
  for (let b = 0; devices.length < o.devices; b++) {
    const count = Math.min(CREATE_BATCH, o.devices - devices.length);
    const res = await api('POST', `/device?count=${count}`, { label: `ld${run}b${b}`, templates: [templateId] });
    for (const d of res.devices as { id: string }[]) devices.push(d.id);
    say(`made ${devices.length}/${o.devices} devices`);
  }
  return { devices, templateId };
}

async function removeDevices(api: Call, made: Made, say: (s: string) => void): Promise<void> {
  if (made.templateId === null) return;
  say(`removing the ${made.devices.length} devices and the template the run made (--keep-devices keeps them)`);
  const failed: string[] = [];
  await eachLimited(
    made.devices,
    REST_CONCURRENCY,
    async (id) => void (await api('DELETE', `/device/${id}`).catch(() => failed.push(`device ${id}`))),
  );
  await api('DELETE', `/template/${made.templateId}`).catch(() => failed.push(`template ${made.templateId}`));
  if (failed.length > 0) say(`could not remove ${failed.length}: ${failed.slice(0, 10).join(', ')}`);
}

/** MQTTS: one key for all (making thousands of RSA keys would take minutes) and a certificate per device from the platform CA. */
async function certify(
  api: Call,
  devices: string[],
  say: (s: string) => void,
): Promise<{ ca: string; key: string; certs: string[] }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certs = new Array<string>(devices.length);
  let done = 0;
  await eachLimited(devices, REST_CONCURRENCY, async (id, i) => {
    certs[i] = (
      await api('POST', '/x509/v1/certificates', { csr: buildCsr(id, privateKey, publicKey) })
    ).certificatePem;
    if (++done % 100 === 0) say(`certified ${done}/${devices.length} devices`);
  });
  const ca = (await api('GET', '/x509/v1/ca')).caPem as string;
  return { ca, key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, certs };
}

type Published = Extract<WorkerMessage, { type: 'published' }>;
type Connected = Extract<WorkerMessage, { type: 'connected' }>;
type Closed = Extract<WorkerMessage, { type: 'closed' }>;

function sum(ws: WorkerHandle[]): Progress {
  const s: Progress = { connected: 0, sent: 0, acked: 0, errors: 0, actuationsReceived: 0 };
  for (const w of ws) for (const k of Object.keys(s) as (keyof Progress)[]) s[k] += w.progress[k];
  return s;
}

/** Sends actuations to random devices at `rate`/s until stopped; their send time is the value set. */
function startActuations(api: Call, devices: string[], o: LoadOptions, errors: Record<string, number>) {
  const counts = { sent: 0, failed: 0 };
  const started = Date.now();
  let issued = 0;
  let inFlight = 0;
  let stopped = false;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * o.actuateRate) / 1000);
    while (!stopped && issued < due && inFlight < ACTUATE_CONCURRENCY) {
      issued += 1;
      inFlight += 1;
      const id = devices[Math.floor(Math.random() * devices.length)];
      api('PUT', `/device/${id}/actuate`, { attrs: { [o.actuator]: Date.now() } })
        .then(
          () => (counts.sent += 1),
          (err: Error) => {
            counts.failed += 1;
            const kind = `actuate: ${err.message.replace(/\/device\/\w+/, '/device/:id').slice(0, 100)}`;
            errors[kind] = (errors[kind] ?? 0) + 1;
          },
        )
        .finally(() => (inFlight -= 1));
    }
    // Behind by more than ACTUATE_CONCURRENCY: the platform is slower than the rate; skip, do not pile up.
    if (issued < due - ACTUATE_CONCURRENCY) issued = due - ACTUATE_CONCURRENCY;
  }, 10);
  return {
    counts,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      while (inFlight > 0) await sleep(10);
    },
  };
}

/** Counts each checked device's rows stored since the run began, until they reach what was acknowledged or --settle runs out. */
async function countStored(
  api: Call,
  o: LoadOptions,
  devices: string[],
  acked: Map<string, number>,
  since: number,
): Promise<Map<string, number>> {
  const attr = o.template.seqAttr ?? Object.keys(o.template.attrs)[0];
  const stored = new Map<string, number>();
  const end = Date.now() + o.settleS * 1000;
  let lagging = devices;
  do {
    await eachLimited(lagging, REST_CONCURRENCY, async (id) => {
      const rows = (await api(
        'GET',
        `/history/device/${id}/history?attr=${encodeURIComponent(attr)}&dateFrom=${since}`,
      ).catch(() => [])) as { value: unknown }[];
      // With {{seq}} a row is counted once per message number (a redelivered duplicate is not a second message).
      const n = Array.isArray(rows)
        ? o.template.seqAttr
          ? new Set(rows.map((r) => String(r.value))).size
          : rows.length
        : 0;
      stored.set(id, n);
    });
    lagging = lagging.filter((id) => (stored.get(id) ?? 0) < (acked.get(id) ?? 0));
    if (lagging.length) await sleep(500);
  } while (lagging.length && Date.now() < end);
  return stored;
}

function sample<T>(items: T[], n: number): T[] {
  if (n >= items.length) return items.slice();
  const copy = items.slice();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

const stats = (values: number[], count = values.length, max?: number) => {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    count,
    p50: r(percentile(sorted, 50)),
    p99: r(percentile(sorted, 99)),
    max: r(max ?? sorted[sorted.length - 1]),
  };
};

/** The second loopback address: a platform answering there listens on all addresses. */
const LOOPBACK_PROBE = '127.0.0.2';

/** Whether something accepts a TCP connection on host:port within a second. */
function acceptsOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export async function run(o: LoadOptions): Promise<LoadReport> {
  const base = `http://${o.host}:${o.port}`;
  // Progress goes to stderr, with --json too: stdout holds only the report.
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const loadAtStart = os.loadavg();
  if (!o.devicesFile) spread(o, o.devices, true); // refuse bad --workers before making anything
  // Whether connections may go to 127.0.0.x: checked before making anything, when it matters.
  const listensOnAll =
    o.targetAddresses > 1 || (!o.sourceAddresses && !o.targetAddresses && /^(127\.|localhost$)/.test(o.mqttHost))
      ? await acceptsOn(LOOPBACK_PROBE, o.mqttPort)
      : false;
  if (o.targetAddresses > 1 && !listensOnAll)
    throw new FlagError(
      `--target-addresses: nothing answers on ${LOOPBACK_PROBE}:${o.mqttPort}, so the platform listens on one address only (DOJOT_MQTT_HOST): use --source-addresses`,
    );
  const { api, tenant } = await signIn(base, o.user, o.password);
  const setupStart = Date.now();
  const made = await makeDevices(api, o, say);
  const devicesSeconds = (Date.now() - setupStart) / 1000;
  const workers: WorkerHandle[] = [];
  const errors: Record<string, number> = {};
  let progressTimer: NodeJS.Timeout | undefined;
  let flowWatch: Awaited<ReturnType<typeof startFlowLatency>> | null = null;
  try {
    const devices = made.devices;
    const sp: Spread = spread(o, devices.length, listensOnAll);
    const certStart = Date.now();
    const tlsMaterial = o.mqtts ? await certify(api, devices, say) : null;
    const certificatesSeconds = o.mqtts ? (Date.now() - certStart) / 1000 : null;
    // A bound source address is IPv4: dial the platform over IPv4 too.
    const mqttHost = sp.sources.length && o.mqttHost === 'localhost' ? '127.0.0.1' : o.mqttHost;
    const token = o.template.seqAttr ? await tokenOf(base, o) : null;
    const per = Math.ceil(devices.length / sp.workers);
    for (let w = 0; w < sp.workers; w++) {
      const mine = devices.slice(w * per, (w + 1) * per);
      if (mine.length === 0) break;
      const h = new WorkerHandle(
        fork(new URL('./worker.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
      workers.push(h);
      h.send({
        type: 'init',
        index: w,
        tenant,
        devices: mine,
        mqttHost,
        mqttPort: o.mqttPort,
        tls: tlsMaterial && {
          ca: tlsMaterial.ca,
          key: tlsMaterial.key,
          certs: tlsMaterial.certs.slice(w * per, (w + 1) * per),
        },
        sourceAddresses: sp.sources,
        targetAddresses: sp.targets,
        qos: o.qos,
        keepaliveS: o.keepaliveS,
        rate: (o.rate * mine.length) / devices.length,
        rampMs: o.rampS * 1000,
        durationMs: o.durationS * 1000,
        payload: o.payload,
        actuations: o.actuateRate > 0 ? { attr: o.actuator } : null,
        sampling: token ? { base, token, seqAttr: o.template.seqAttr!, everyMs: sampleEveryMs(sp.workers) } : null,
        settleMs: o.settleS * 1000,
      });
    }
    // The live line: once a second on stderr (rewritten in place on a terminal).
    let lastSent = 0;
    let lastAt = Date.now();
    progressTimer = setInterval(() => {
      const s = sum(workers);
      const now = Date.now();
      const rate = ((s.sent - lastSent) * 1000) / (now - lastAt);
      [lastSent, lastAt] = [s.sent, now];
      const p99 = (take: (w: WorkerHandle) => number[]) => {
        const all = workers.flatMap((w) => take(w)).sort((a, b) => a - b);
        return all.length ? percentile(all, 99).toFixed(1) : '-';
      };
      const pubackP99 = p99((w) => w.pubackWindow.splice(0));
      const actuationP99 = p99((w) => w.actuationWindow.splice(0));
      const line = `connected ${s.connected}/${devices.length}  ${rate.toFixed(0)} msg/s  sent ${s.sent}  acked ${s.acked}  errors ${s.errors}${o.qos === 1 ? `  PUBACK p99 ${pubackP99} ms` : ''}${o.actuateRate > 0 ? `  actuations received ${s.actuationsReceived}  actuation p99 ${actuationP99} ms` : ''}`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
      else process.stderr.write(`${line}\n`);
    }, 1000);

    const connected = await Promise.all(workers.map((w) => w.next<Connected>('connected')));
    if (o.flowLatency && made.templateId !== null) {
      say('deploying the publish→flow sampling flow');
      flowWatch = await startFlowLatency({
        api,
        base,
        tenant,
        templateId: made.templateId,
        sentAttr: o.template.nowAttr!,
        rate: o.rate,
        say,
      });
    }
    const startAt = Date.now() + 100;
    for (const w of workers) w.send({ type: 'start', at: startAt });
    const actuations = o.actuateRate > 0 ? startActuations(api, devices, o, errors) : null;
    const published = await Promise.all(workers.map((w) => w.next<Published>('published')));
    await actuations?.stop();

    const sentPer = new Map<string, number>();
    const ackedPer = new Map<string, number>();
    published.forEach((p, w) => {
      const mine = devices.slice(w * per, (w + 1) * per);
      mine.forEach((id, j) => {
        sentPer.set(id, p.sentPerDevice[j]);
        ackedPer.set(id, p.ackedPerDevice[j]);
      });
    });
    const firstSend = Math.min(...published.map((p) => p.firstSend).filter((t) => t > 0));
    const checked = sample(devices, o.verify);
    const stored =
      o.verify > 0 && Number.isFinite(firstSend)
        ? await countStored(api, o, checked, ackedPer, firstSend)
        : new Map<string, number>();

    // Actuations still on their way get until --settle (they were sent before the publishing ended).
    if (actuations) {
      const end = Date.now() + o.settleS * 1000;
      while (sum(workers).actuationsReceived < actuations.counts.sent && Date.now() < end) await sleep(50);
    }
    if (flowWatch) {
      // Samples still in the flows get until --settle, and stop being waited for once none came for 2 s.
      const end = Date.now() + o.settleS * 1000;
      let seen = -1;
      let quietSince = Date.now();
      while (Date.now() < end && Date.now() - quietSince < 2_000) {
        if (flowWatch.samples.length !== seen) [seen, quietSince] = [flowWatch.samples.length, Date.now()];
        await sleep(100);
      }
    }
    for (const w of workers) w.send({ type: 'stop' });
    const closed = await Promise.all(workers.map((w) => w.next<Closed>('closed')));
    for (const c of closed) for (const [k, n] of Object.entries(c.errors)) errors[k] = (errors[k] ?? 0) + n;

    const total = (m: Map<string, number>, ids: string[]) => ids.reduce((a, id) => a + (m.get(id) ?? 0), 0);
    const firstAttempt = Math.min(...connected.map((c) => c.firstAttempt));
    const lastConnack = Math.max(...connected.map((c) => c.lastConnack));
    const nConnected = connected.reduce((a, c) => a + c.connected, 0);
    const sent = published.reduce((a, p) => a + p.sentPerDevice.reduce((x, y) => x + y, 0), 0);
    const acked = published.reduce((a, p) => a + p.ackedPerDevice.reduce((x, y) => x + y, 0), 0);
    const lastSend = Math.max(...published.map((p) => p.lastSend));
    const pubSeconds = Number.isFinite(firstSend) ? (lastSend - firstSend) / 1000 : 0;
    const received = closed.flatMap((c) => c.actuationMs);
    const lostOnChecked = checked.reduce(
      (a, id) => a + Math.max(0, (ackedPer.get(id) ?? 0) - (stored.get(id) ?? 0)),
      0,
    );
    return {
      conditions: {
        cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
        loadAverageAtStart: loadAtStart.map((l) => Math.round(l * 100) / 100),
        loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
        node: process.version,
        platform: base,
        transport: o.mqtts ? 'mqtts' : 'mqtt',
        mqtt: `${mqttHost}:${o.mqttPort}`,
        devices: devices.length,
        devicesFrom: o.devicesFile ? `file ${o.devicesFile}` : 'made over REST',
        workers: workers.length,
        sourceAddresses: sp.sources.length || 1,
        targetAddresses: sp.targets.length || 1,
        qos: o.qos,
        keepaliveS: o.keepaliveS,
        rate: o.rate,
        durationS: o.durationS,
        rampS: o.rampS,
        payload: o.payload,
        actuateRate: o.actuateRate,
      },
      setup: { devicesSeconds, certificatesSeconds },
      connect: {
        attempted: devices.length,
        connected: nConnected,
        failed: devices.length - nConnected,
        seconds: Math.round(lastConnack - firstAttempt) / 1000,
        perSecond: Math.round((nConnected * 1000) / Math.max(1, lastConnack - firstAttempt)),
      },
      publish: {
        sent,
        acked,
        seconds: pubSeconds,
        perSecond: pubSeconds > 0 ? Math.round(sent / pubSeconds) : 0,
        ackedPerSecond:
          pubSeconds > 0
            ? Math.round(
                acked / Math.max(pubSeconds, (Math.max(...published.map((p) => p.lastAck)) - firstSend) / 1000),
              )
            : 0,
      },
      pubackMs:
        o.qos === 1
          ? stats(
              published.flatMap((p) => p.pubackMs),
              published.reduce((a, p) => a + p.pubackCount, 0),
              Math.max(...published.map((p) => p.pubackMax)),
            )
          : null,
      storedMs: token
        ? { method: 'history API poll', ...(stats(published.flatMap((p) => p.storedMs)) ?? { count: 0 }) }
        : null,
      flowMs: flowWatch
        ? {
            method: `a flow on the run's template reporting up to ${SAMPLES_PER_SECOND} messages/s as notifications: the flow's clock minus the send time in "${o.template.nowAttr}"`,
            ...(stats(flowWatch.samples) ?? { count: 0 }),
          }
        : null,
      loss:
        o.verify > 0
          ? {
              devicesChecked: checked.length,
              sent: total(sentPer, checked),
              acked: total(ackedPer, checked),
              stored: total(stored, checked),
              lost: lostOnChecked,
              method: `history API: rows of "${o.template.seqAttr ?? Object.keys(o.template.attrs)[0]}" since the first publish${o.template.seqAttr ? ', distinct {{seq}} values' : ''}`,
            }
          : null,
      actuations: actuations
        ? {
            sent: actuations.counts.sent,
            failed: actuations.counts.failed,
            delivered: received.length,
            lost: Math.max(0, actuations.counts.sent - received.length),
            latencyMs: stats(received),
          }
        : null,
      errors,
    };
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await flowWatch?.close();
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const w of workers) if (w.child.exitCode === null) w.child.kill();
    if (!o.keepDevices) await removeDevices(api, made, say);
  }
}

/** The sampling workers read history with a token of their own (the same user's). */
async function tokenOf(base: string, o: LoadOptions): Promise<string> {
  const res = await fetch(`${base}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: o.user, passwd: o.password }),
  });
  return ((await res.json()) as { jwt: string }).jwt;
}

export async function loadCommand(argv: string[]): Promise<number> {
  let o: LoadOptions;
  try {
    o = parseLoadFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`dojot-red load: ${err.message}\n(dojot-red load --help lists the flags)\n`);
    return 2;
  }
  if (o.help) return (process.stdout.write(`${USAGE}\n`), 0);
  try {
    const report = await run(o);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return 0;
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`dojot-red load: ${err.message}\n(dojot-red load --help lists the flags)\n`);
      return 2;
    }
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`dojot-red load: ${err.message}\n`);
    return 1;
  }
}
