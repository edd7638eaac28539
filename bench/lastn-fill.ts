// The data set of `npm run bench -- lastn`: a schema of its own on a PostgreSQL server, made by
// the product's migrations (so device_history and its index are exactly the product's) and
// filled server-side with INSERT … SELECT generate_series. A filled schema records its shape
// and is reused when the same shape is asked for again, so re-runs only measure.
//
// The rows are written in time order across all devices, as the persister writes them: a heap
// page holds the values of a few messages of many devices, so reading one device's newest 1,000
// values touches ~1,000 heap pages. Filling device by device would pack each device's rows
// together and make lastN look far cheaper than it is in production.
import type { Store } from '../core-services/platform/store/index.js';
import { migrate } from '../core-services/platform/store/migrate.js';
import { fmt } from './support.js';

export interface Shape {
  /** rows asked for; the fill writes at most this many (whole points per device) */
  rows: number;
  devices: number;
  attrs: number;
  /** devices with HOT_FACTOR times the points of the others */
  hot: number;
}

/** A hot device stores this many times the points of an ordinary one. */
export const HOT_FACTOR = 50;
/** The time span every device's points are spread over, days. */
export const SPAN_DAYS = 30;
/** The newest point of every device is just before this instant (fixed, so runs compare). */
export const END = Date.parse('2024-06-01T00:00:00.000Z');
export const START = END - SPAN_DAYS * 86_400_000;
/** Tenants the devices are dealt over (device n belongs to tenant n mod TENANTS). */
export const TENANTS = 4;
/** Rows per INSERT … SELECT: each is sorted by time in memory before it is written. */
const CHUNK_ROWS = 500_000;
/** Rows between two progress lines. */
const PROGRESS_ROWS = 2_000_000;
/** Memory for the per-chunk sort (a transaction-local setting of the fill's session). */
const FILL_WORK_MEM = '256MB';

const ATTR_NAMES = ['temperature', 'humidity', 'pressure', 'battery', 'rssi', 'voltage', 'current', 'co2'];
export const attrNames = (n: number): string[] => Array.from({ length: n }, (_, i) => ATTR_NAMES[i] ?? `attr${i}`);

/** Points per attr of an ordinary device, and of a hot one. */
export function pointsOf(s: Shape): { points: number; hotPoints: number } {
  if (s.devices < 1 || s.attrs < 1) throw new Error('--devices and --attrs must be at least 1');
  if (s.hot >= s.devices) throw new Error(`--hot (${s.hot}) must be fewer than --devices (${s.devices})`);
  const points = Math.floor(s.rows / (s.attrs * (s.devices - s.hot + s.hot * HOT_FACTOR)));
  if (points < 1) throw new Error(`--rows ${s.rows} is too few for ${s.devices} devices × ${s.attrs} attrs`);
  return { points, hotPoints: points * HOT_FACTOR };
}

export interface BenchDevice {
  tenant: string;
  id: string;
  hot: boolean;
  points: number;
}

/** The schema's devices, as the fill made them. */
export async function benchDevices(sql: Store): Promise<BenchDevice[]> {
  return sql.query<BenchDevice>('SELECT tenant, device_id AS id, hot, points FROM bench_devices ORDER BY n');
}

// Device ids are 6 hex digits like dojot's: n times an odd number modulo 2^24 is a bijection,
// so the ids are distinct and look random. Each device gets a phase in [0, 1) of its interval,
// so devices do not all report at the same instant.
const DEVICES_SQL = `CREATE TABLE bench_devices AS
SELECT n, 'bench' || (n % ${TENANTS}) AS tenant,
  lpad(to_hex((n::bigint * 2654435761) % 16777216), 6, '0') AS device_id,
  n < $1 AS hot,
  CASE WHEN n < $1 THEN $3::int ELSE $2::int END AS points,
  (n * 0.6180339887498949) - floor(n * 0.6180339887498949) AS phase
FROM generate_series(0, $4::int - 1) n`;

// One time slice [$2/$3, ($2+1)/$3) of every device's points; each message (device, point) has
// one uuid-shaped msg_id shared by its attrs, as one bus message is. Values are jsonb numbers
// and metadata is empty, as most device-data rows are.
const CHUNK_SQL = `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value)
SELECT d.tenant, d.device_id, ($1::text[])[a], m.ts, m.msg_id, to_jsonb(round((random() * 100)::numeric, 2))
FROM bench_devices d
CROSS JOIN LATERAL (
  SELECT to_timestamp($4::float8 + (p + d.phase) * ($5::float8 / d.points)) AS ts,
    md5(d.device_id || ':' || p)::uuid::text AS msg_id
  FROM generate_series((d.points::bigint * $2) / $3, (d.points::bigint * ($2 + 1)) / $3 - 1) p
) m
CROSS JOIN generate_series(1, array_length($1::text[], 1)) a
ORDER BY m.ts, d.n, a`;

/** Makes or reuses the filled schema; the store's search_path must be that schema. */
export async function ensureFilled(
  store: Store,
  schema: string,
  shape: Shape,
  refill: boolean,
): Promise<{ reused: boolean; rows: number }> {
  const { points, hotPoints } = pointsOf(shape);
  const recorded = await recordedFill(store, schema);
  if (recorded && !refill && sameShape(recorded.shape, shape)) {
    // A migration added since the fill (an index, say) is applied to the filled table here.
    const applied = await migrate(store);
    if (applied.length) console.log(`applied to the filled schema: ${applied.join(', ')}`);
    return { reused: true, rows: recorded.rows };
  }
  console.log(
    recorded
      ? `refilling schema ${schema} (${refill ? '--refill' : 'it holds another shape'})`
      : `filling schema ${schema}`,
  );
  await store.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await migrate(store);
  await store.query(DEVICES_SQL, [shape.hot, points, hotPoints, shape.devices]);
  await store.exec('ALTER TABLE bench_devices ADD PRIMARY KEY (n)');

  const expected = shape.attrs * ((shape.devices - shape.hot) * points + shape.hot * hotPoints);
  const chunks = Math.max(1, Math.ceil(expected / CHUNK_ROWS));
  const names = attrNames(shape.attrs);
  const t0 = performance.now();
  let written = 0;
  const reportEvery = Math.max(1, Math.round((PROGRESS_ROWS * chunks) / expected));
  for (let c = 0; c < chunks; c++) {
    const n = await store.transaction(async (tx) => {
      await tx.query(`SELECT set_config('work_mem', $1, true)`, [FILL_WORK_MEM]);
      const rows = await tx.query<{ n: number }>(
        `WITH ins AS (${CHUNK_SQL} RETURNING 1) SELECT count(*)::int AS n FROM ins`,
        [names, c, chunks, START / 1000, (END - START) / 1000],
      );
      return rows[0].n;
    });
    written += n;
    if ((c + 1) % reportEvery === 0 || c === chunks - 1) {
      const s = (performance.now() - t0) / 1000;
      const rate = written / s;
      const eta = (expected - written) / rate;
      console.log(
        `  ${fmt(written).padStart(12)} / ${fmt(expected)} rows (${fmt((100 * written) / expected)}%), ${fmt(rate)} rows/s, ETA ${duration(eta)}`,
      );
    }
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  // VACUUM as autovacuum would have done on a live table (hint bits, visibility map), so the
  // first reads do not pay for writing them; ANALYZE for the planner.
  const tv = performance.now();
  await store.exec('VACUUM (ANALYZE) device_history');
  console.log(
    `  filled in ${duration(fillSeconds)} (${fmt(written / fillSeconds)} rows/s); VACUUM (ANALYZE) ${duration((performance.now() - tv) / 1000)}`,
  );
  await store.exec(
    'CREATE TABLE bench_fill (shape jsonb NOT NULL, rows bigint NOT NULL, seconds float8 NOT NULL, filled_at timestamptz NOT NULL DEFAULT now())',
  );
  await store.query('INSERT INTO bench_fill (shape, rows, seconds) VALUES ($1::jsonb, $2, $3)', [
    JSON.stringify(shape),
    written,
    fillSeconds,
  ]);
  return { reused: false, rows: written };
}

export async function dropSchema(store: Store, schema: string): Promise<void> {
  await store.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

async function recordedFill(store: Store, schema: string): Promise<{ shape: Shape; rows: number } | null> {
  const [t] = await store.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'bench_fill') AS found`,
    [schema],
  );
  if (!t.found) return null;
  const [row] = await store.query<{ shape: Shape; rows: number }>('SELECT shape, rows FROM bench_fill');
  return row ?? null;
}

const sameShape = (a: Shape, b: Shape) =>
  a.rows === b.rows && a.devices === b.devices && a.attrs === b.attrs && a.hot === b.hot;

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
