// PostgreSQL server store (pg): the same SQL and migrations as PGlite, over a connection pool.
// Results come back as PGlite gives them (the store contract and the parity test check it):
// pg's defaults differ for int8 (string), timestamp without time zone and date (local time),
// bytea (Buffer) and interval (an object), so this pool has its own type parsers. Sessions run
// in UTC, as PGlite does, so SQL that formats times gives the same text on both.
import pg from 'pg';
import type { Logger } from '../log.js';
import type { Row, Sql, Store } from './sql.js';

export interface PostgresStoreOptions {
  /** postgres://user[:password]@host:port/database */
  url: string;
  /** Most connections open at once. @default 10 */
  poolSize?: number;
  /** Schema to work in (first on the search_path); tests use a fresh one per run. */
  schema?: string;
  log?: Logger;
}

// Type OIDs (pg_type.oid), fixed since PostgreSQL 7.
const OID = {
  int8: 20,
  int8Array: 1016,
  textArray: 1009,
  bytea: 17,
  timestamp: 1114,
  timestampArray: 1115,
  date: 1082,
  dateArray: 1182,
  interval: 1186,
  intervalArray: 1187,
} as const;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

type Parse = (text: string) => unknown;

const defaults = (oid: number): Parse => pg.types.getTypeParser(oid, 'text') as Parse;

/** Applies `each` to every element of a PostgreSQL array literal, nulls staying null. */
function arrayOf(each: Parse): Parse {
  const split = defaults(OID.textArray);
  const walk = (v: unknown): unknown => (Array.isArray(v) ? v.map(walk) : v === null ? null : each(v as string));
  return (text) => walk(split(text));
}

/** `2024-05-01 12:00:00.123456` (no zone) read as UTC, as PGlite does; ±infinity as ±Infinity. */
function utcTimestamp(text: string): Date | number {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  return new Date(`${text.includes(' ') ? text.replace(' ', 'T') : `${text}T00:00:00`}Z`);
}

/** A number while it is exact, a bigint beyond 2^53, as PGlite does. */
function int8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const bytea: Parse = (text) => {
  const buf = defaults(OID.bytea)(text) as Buffer;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};

const PARSERS = new Map<number, Parse>([
  // PGlite gives int8 as a number (count(*), bigint columns such as flows.created).
  [OID.int8, int8],
  [OID.int8Array, arrayOf(int8)],
  [OID.timestamp, utcTimestamp],
  [OID.timestampArray, arrayOf(utcTimestamp)],
  [OID.date, utcTimestamp],
  [OID.dateArray, arrayOf(utcTimestamp)],
  [OID.bytea, bytea],
  [OID.interval, String],
  [OID.intervalArray, arrayOf(String)],
]);

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    (format ?? 'text') === 'text' && PARSERS.has(oid)
      ? PARSERS.get(oid)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function wrap(q: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<T = Row>(text: string, params: unknown[] = []) {
      const res = await q.query(text, params);
      return res.rows as T[];
    },
    async exec(script: string) {
      // Without parameters pg uses the simple protocol, which runs several statements.
      await q.query(script);
    },
  };
}

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema))
    throw new Error(`"${opts.schema}" is not a plain schema name`);
  // pg lets the URL's `options` replace ours: merge them (the URL's come last and win).
  const url = new URL(opts.url);
  const settings = [
    '-c TimeZone=UTC',
    ...(opts.schema ? [`-c search_path=${opts.schema}`] : []),
    url.searchParams.get('options') ?? '',
  ];
  url.searchParams.delete('options');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: opts.poolSize ?? 10,
    options: settings.filter(Boolean).join(' '),
    types,
  });
  // An idle connection that breaks (server restart) is dropped by the pool; without a listener
  // the error would end the process.
  pool.on('error', (err) => opts.log?.warn({ err }, 'postgres: idle connection failed'));
  const base = wrap(pool);
  try {
    await base.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {}); // the connect error below is the one to report
    throw err;
  }
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
        throw err;
      } finally {
        // A connection that could not roll back is closed rather than handed out again.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    close: () => pool.end(),
  };
}
