// `npm run bench -- lastn`: how fast history answers lastN, all-attrs, date windows and latest
// at tens of millions of rows on a PostgreSQL server. Requests go through the history routes
// themselves (parse → device lookup → the store's SQL → JSON), on a Fastify app with inject(),
// one at a time; the device manager is an in-memory directory, so its cost is not in the figures.
// Each form runs twice over the same requests: cold-ish (the devices' pages are not yet in
// PostgreSQL's buffers, though the OS may cache them) and warm (the very same requests again);
// the shared-buffer hit ratio of each pass says how cold it really was.
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { DeviceManagerClient, FullDevice } from '../core-services/device-manager/client.js';
import { historyRoutes } from '../core-services/history/routes.js';
import { loadConfig } from '../core-services/platform/config.js';
import { buildHttp } from '../core-services/platform/http.js';
import { createLogger } from '../core-services/platform/log.js';
import type { Row, Sql, Store } from '../core-services/platform/store/index.js';
import { openPostgresStore } from '../core-services/platform/store/postgres.js';
import { buffers, explain, relationSizes, summarize, verdict } from './lastn-plans.js';
import {
  END,
  HOT_FACTOR,
  SPAN_DAYS,
  START,
  TENANTS,
  attrNames,
  benchDevices,
  dropSchema,
  ensureFilled,
  pointsOf,
  type BenchDevice,
  type Shape,
} from './lastn-fill.js';
import { conditions, fmt, intFlag, nowMs, percentile } from './support.js';

const DAY_MS = 86_400_000;

interface Form {
  name: string;
  /** asks only the hot devices */
  hot?: boolean;
  /** the device manager no longer knows the device: its attrs come from the history table */
  forgotten?: boolean;
  path(d: BenchDevice, pick: Pick): string;
  /** entries each answer must hold, when the form fixes it */
  expect?(d: BenchDevice, attrs: number): number;
  /** at most this many requests per pass (forms that answer tens of thousands of entries) */
  most?: number;
}

interface Pick {
  attr(): string;
  /** a random instant at least one day before END */
  dayStart(): string;
}

const history = (d: BenchDevice, query: string) => `/history/device/${d.id}/history?${query}`;
const lastN = (n: number): Form => ({
  name: `lastN=${n}`,
  path: (d, p) => history(d, `attr=${p.attr()}&lastN=${n}`),
  expect: (d) => Math.min(n, d.points),
});
const dayWindow = (hot: boolean): Form => ({
  name: `dateFrom/dateTo, 1 day${hot ? ', hot device' : ''}`,
  hot,
  path: (d, p) => {
    const from = p.dayStart();
    return history(d, `attr=${p.attr()}&dateFrom=${from}&dateTo=${new Date(Date.parse(from) + DAY_MS).toISOString()}`);
  },
});

const FORMS: Form[] = [
  lastN(1),
  lastN(10),
  lastN(1000),
  { name: 'lastN=10, every attr', path: (d) => history(d, 'lastN=10'), expect: (d, a) => a * Math.min(10, d.points) },
  {
    name: 'lastN=10, every attr, device unknown to DM',
    forgotten: true,
    path: (d) => history(d, 'lastN=10'),
    expect: (d, a) => a * Math.min(10, d.points),
  },
  dayWindow(false),
  { name: 'latest (GET /device/:id/latest)', path: (d) => `/device/${d.id}/latest`, expect: (_d, a) => a },
  { ...lastN(1000), name: 'lastN=1000, hot device', hot: true },
  dayWindow(true),
  // More than the planner thinks one attr of the device holds when it takes tenant and device
  // as independent (see migrations/0010-history-statistics.sql), fewer than it holds.
  { ...lastN(50_000), name: 'lastN=50000, hot device', hot: true, most: 20 },
  {
    name: 'every point (no lastN), hot device',
    hot: true,
    most: 20,
    path: (d, p) => history(d, `attr=${p.attr()}`),
    expect: (d) => d.points,
  },
];

/** The device manager as history sees it, answered from memory. */
class Directory implements DeviceManagerClient {
  forget = false;
  private readonly devices = new Map<string, FullDevice>();
  constructor(devices: BenchDevice[], labels: string[]) {
    const created = new Date(0).toISOString();
    const attrs = labels.map((label, i) => ({
      id: i + 1,
      label,
      type: 'dynamic',
      value_type: 'float',
      template_id: '1',
      created,
    }));
    for (const d of devices)
      this.devices.set(`${d.tenant}:${d.id}`, {
        id: d.id,
        label: d.id,
        created,
        templates: [1],
        attrs: { '1': attrs },
      });
  }
  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    return this.forget ? null : (this.devices.get(`${tenant}:${id}`) ?? null);
  }
  async deviceExists(tenant: string, id: string): Promise<boolean> {
    return !this.forget && this.devices.has(`${tenant}:${id}`);
  }
}

/** Counts the statements of each request and keeps them, to EXPLAIN them afterwards. */
class Recorder implements Sql {
  statements: { text: string; params: unknown[] }[] = [];
  constructor(private readonly sql: Sql) {}
  query<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    this.statements.push({ text, params });
    return this.sql.query<T>(text, params);
  }
  exec(script: string): Promise<void> {
    return this.sql.exec(script);
  }
}

/** mulberry32: the same seed picks the same devices, attrs and windows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Pass {
  ms: number[];
  hitRatio: number;
}

interface Request {
  device: BenchDevice;
  url: string;
}

export async function runLastN(flags: Record<string, string>): Promise<void> {
  const url = flags.postgres ?? process.env.DOJOT_POSTGRES_URL;
  const schema = flags.schema || 'bench_lastn';
  // The schema is dropped and made again on a (re)fill: only a benchmark's own may be named.
  if (!/^bench_[a-z0-9_]+$/.test(schema)) {
    console.error(`--schema must name a benchmark schema (bench_...), got "${schema}": it is dropped on a refill`);
    process.exit(2);
  }
  if (!url) {
    console.error(
      'lastn measures history on a PostgreSQL server and needs one: set DOJOT_POSTGRES_URL, e.g.\n' +
        `  DOJOT_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- lastn\n` +
        `It works in schema ${schema} (--schema), which it fills once (~6 GB at 20M rows) and reuses; --drop removes it.`,
    );
    process.exit(2);
  }
  const store = await openPostgresStore({ url, schema, poolSize: 1 });
  try {
    if (flags.drop !== undefined) {
      await dropSchema(store, schema);
      console.log(`dropped schema ${schema}`);
      return;
    }
    await measure(store, url, schema, flags);
  } finally {
    await store.close();
  }
}

async function measure(store: Store, url: string, schema: string, flags: Record<string, string>): Promise<void> {
  const shape: Shape = {
    rows: intFlag(flags, 'rows', 20_000_000),
    devices: intFlag(flags, 'devices', 2_000),
    attrs: intFlag(flags, 'attrs', 5),
    hot: intFlag(flags, 'hot', 2),
  };
  const queries = Math.max(1, intFlag(flags, 'queries', 500));
  const seed = intFlag(flags, 'seed', 1);
  const { points, hotPoints } = pointsOf(shape);
  const loadAtStart = os.loadavg();
  const fill = await ensureFilled(store, schema, shape, flags.refill !== undefined);

  const devices = await benchDevices(store);
  const labels = attrNames(shape.attrs);
  const directory = new Directory(devices, labels);
  const recorder = new Recorder(store);
  const app = await appFor(recorder, directory);
  const [server] = await store.query<{ version: string; shared_buffers: string; work_mem: string; rpc: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
       current_setting('work_mem') AS work_mem, current_setting('random_page_cost') AS rpc`,
  );
  const sizes = await relationSizes(store);

  console.log(
    '\nlastn benchmark: GET /history/device/:id/history and /device/:id/latest through the history routes (inject), one request at a time\n',
  );
  console.log(
    conditions({
      postgres: `${server.version} at ${new URL(url).host} (shared_buffers ${server.shared_buffers}, work_mem ${server.work_mem}, random_page_cost ${server.rpc}), schema ${schema}, pool 1`,
      rows: `${fmt(fill.rows)} in device_history (${fill.reused ? 'reused fill' : 'filled now'})`,
      shape: `${fmt(shape.devices)} devices over ${TENANTS} tenants × ${shape.attrs} attrs; ${fmt(points)} points per attr over ${SPAN_DAYS} days (one per ${fmt((SPAN_DAYS * 1440) / points, 1)} min), ${shape.hot} hot devices with ${HOT_FACTOR}× (${fmt(hotPoints)}); written in time order`,
      'table size': `heap ${mib(sizes.heap)}, indexes ${mib(sizes.indexes)} (${sizes.list.map((i) => `${i.name} ${mib(i.bytes)}, ${fmt(i.bytes / fill.rows, 1)} B/row`).join('; ')}), total ${mib(sizes.total)}`,
      requests: `${fmt(queries)} per form and pass, random devices and attrs (seed ${seed}); device manager answered from memory`,
      'load avg': `${loadAtStart.map((l) => l.toFixed(2)).join(' ')} before the fill check, ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} before timing`,
    }),
  );
  for (const i of sizes.list) console.log(`  ${''.padEnd(14)} ${i.def}`);

  // Every form's requests are drawn up front so the warm pass replays exactly the cold one. The
  // ordinary devices are dealt out shuffled, so a cold pass mostly meets devices no form asked yet.
  const rnd = random(seed);
  const ordinary = shuffle(
    devices.filter((d) => !d.hot),
    rnd,
  );
  const hot = devices.filter((d) => d.hot);
  let next = 0;
  const pick: Pick = {
    attr: () => labels[Math.floor(rnd() * labels.length)],
    dayStart: () => new Date(START + Math.floor(rnd() * (END - START - DAY_MS))).toISOString(),
  };
  const forms = FORMS.filter((f) => !f.hot || hot.length > 0);
  const plan = forms.map((form) =>
    Array.from({ length: Math.min(queries, form.most ?? queries) }, (): Request => {
      const device = form.hot ? hot[Math.floor(rnd() * hot.length)] : ordinary[next++ % ordinary.length];
      return { device, url: form.path(device, pick) };
    }),
  );

  const results: { form: Form; n: number; stmts: number; entries: number; cold: Pass; warm: Pass }[] = [];
  const first: { text: string; params: unknown[] }[][] = [];
  for (const [i, form] of forms.entries()) {
    recorder.statements = [];
    const cold = await pass(store, app, directory, form, plan[i], shape.attrs, () =>
      first.push([...recorder.statements]),
    );
    const stmts = recorder.statements.length / plan[i].length;
    const warm = await pass(store, app, directory, form, plan[i], shape.attrs, () => {});
    results.push({ form, n: plan[i].length, stmts, entries: cold.entries / plan[i].length, cold, warm });
  }

  console.log(
    '\nresults, ms per request. Each form runs its requests cold-ish (devices no form asked yet, mostly; the newest rows\n' +
      'may still be in shared buffers from the fill), then the very same requests again, warm. hits: share of device_history\n' +
      'blocks found in shared buffers during the pass (the rest came from the OS cache or the disk).',
  );
  console.log(
    `  ${'form'.padEnd(42)} ${'reqs'.padStart(4)} ${'SQL'.padStart(4)} ${'entries'.padStart(8)}   ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(7)}  hits  |  ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(7)}  hits`,
  );
  for (const r of results) {
    console.log(
      `  ${r.form.name.padEnd(42)} ${String(r.n).padStart(4)} ${fmt(r.stmts, 0).padStart(4)} ${fmt(r.entries, 0).padStart(8)}   ${line(r.cold)}  |  ${line(r.warm)}`,
    );
  }

  console.log(
    "\nplans: EXPLAIN (ANALYZE, BUFFERS) of each form's first request, after both passes (scan on device_history, sorts, execution time)",
  );
  for (const [i, r] of results.entries()) {
    const verdicts: string[] = [];
    for (const s of first[i]) {
      const planText = await explain(store, s.text, s.params);
      verdicts.push(verdict(planText));
      if (r.form.name === 'lastN=10') {
        console.log(
          `  ${r.form.name}: ${s.text.replace(/\s+/g, ' ')}\n  params ${JSON.stringify(s.params)}\n${planText.replace(/^/gm, '    ')}`,
        );
      }
    }
    console.log(`  ${r.form.name.padEnd(42)} ${summarize(verdicts)}`);
  }
  await app.close();
}

async function pass(
  store: Store,
  app: FastifyInstance,
  directory: Directory,
  form: Form,
  requests: Request[],
  attrs: number,
  afterFirst: () => void,
) {
  const ms: number[] = [];
  let entries = 0;
  directory.forget = form.forgotten === true;
  const before = await buffers(store);
  for (const [i, r] of requests.entries()) {
    const t0 = nowMs();
    const res = await app.inject({ method: 'GET', url: r.url, headers: { 'x-tenant': r.device.tenant } });
    ms.push(nowMs() - t0);
    if (res.statusCode !== 200) throw new Error(`${form.name}: GET ${r.url} answered ${res.statusCode} ${res.body}`);
    const n = count(res.json());
    entries += n;
    const want = form.expect?.(r.device, attrs);
    if (want !== undefined && n !== want)
      throw new Error(`${form.name}: GET ${r.url} gave ${n} entries, expected ${want}`);
    if (i === 0) afterFirst();
  }
  directory.forget = false;
  const after = await buffers(store);
  const hit = after.hit - before.hit;
  const read = after.read - before.read;
  return { ms: ms.sort((a, b) => a - b), hitRatio: hit / (hit + read || 1), entries };
}

/** Entries in an answer: an array of entries, {attr: entries}, or latest's {attrs: {...}}. */
function count(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  const o = body as Record<string, unknown>;
  if (o.attrs && typeof o.attrs === 'object') return Object.keys(o.attrs).length;
  return Object.values(o).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

async function appFor(sql: Sql, devices: DeviceManagerClient): Promise<FastifyInstance> {
  const config = loadConfig({ DOJOT_LOG_LEVEL: 'warn' });
  const app = buildHttp({ log: createLogger(config.logLevel), bodyLimit: config.httpBodyLimitBytes });
  // The gateway's verified identity, as the history tests set it.
  app.addHook('onRequest', async (req) => {
    req.identity = {
      tenant: String(req.headers['x-tenant']),
      username: 'bench',
      userid: 1,
      profile: 'admin',
      groups: [1],
    };
  });
  await app.register(historyRoutes({ sql, devices }));
  await app.ready();
  return app;
}

const line = (p: Pass) =>
  `${[50, 95, 99].map((q) => fmt(percentile(p.ms, q), 2).padStart(6)).join(' ')} ${fmt(p.ms[p.ms.length - 1], 1).padStart(7)} ${fmt(100 * p.hitRatio).padStart(4)}%`;

const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;

function shuffle<T>(items: T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
