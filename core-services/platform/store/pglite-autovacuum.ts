// PGlite is PostgreSQL without its background workers, so no autovacuum ever runs. This does its
// work from the same counters, every 2 s, on the platform's thread (PGlite's):
//
// ANALYZE, for the planner's statistics. Without them a plan made while a table was small stays in
// the backend's plan cache for good: the foreign-key checks behind `POST /device` kept finding a
// device through the (tenant, label) index, reading every device of the tenant, and a batch of
// 1,000 devices went from 0.2 s to 3.8 s over the first 25,000 devices. A table is analyzed once
// the rows changed since its statistics reach 500 + the rows it then had (autovacuum's rule, with
// a scale factor of 1 rather than 0.1), which also drops the plans cached on it; a table growing to
// n rows is so analyzed about log2(n) times. The first pass analyzes every table never analyzed:
// the counters start at zero with each process, and data directories made before this module
// existed hold tables without statistics. ANALYZE holds PGlite while it samples, so it samples
// 3,000 rows, not PostgreSQL's 30,000: 16–23 ms for the history table at 160,000–640,000 rows
// instead of 136–173 ms (a stall seen in the ingest bench's p99), plenty to choose between indexes.
//
// VACUUM, for two reasons autovacuum has (its default rules):
//   - dead rows reach 50 + 20 % of the table's rows: an updated or deleted row's space is reused
//     by new rows only after a VACUUM, so without one a table changed in place (flow context,
//     devices, dead letters) grows by every version of every row ever written;
//   - the table's oldest unfrozen transaction id is 200 million transactions old. Every write takes
//     a transaction id (an ingest at 5,000 msg/s takes ~300 a second), and after 2^31 of them the
//     ids wrap: a row not frozen by then looks as if written in the future and is no longer seen.
//     A server refuses writes before that (and its autovacuum has long frozen the rows); PGlite runs
//     as PostgreSQL's single-user mode, which only warns. A VACUUM of a table this old scans all
//     of it and freezes what is older than 50 million (vacuum_freeze_table_age and
//     vacuum_freeze_min_age), so no row here ever gets near the wrap.
// The catalogue's tables count too (their rows are transactions' as well); a table's TOAST is
// vacuumed with it.
//
// The checks read counters only: comparing each table's file size instead cost PGlite 50–70 ms a
// pass in file-system calls.
import type { Sql, Store } from './sql.js';

/** How often the counters are looked at, ms. */
export const AUTOVACUUM_INTERVAL_MS = 2_000;

/** Rows changed before a table is analyzed again, on top of the rows it had then. */
const ANALYZE_BASE_THRESHOLD = 500;

/** ANALYZE samples 300 rows per unit of this (PostgreSQL's default is 100). */
const STATISTICS_TARGET = 10;

/** Dead rows before a table is vacuumed: this plus VACUUM_SCALE_FACTOR of its rows. */
const VACUUM_BASE_THRESHOLD = 50;
const VACUUM_SCALE_FACTOR = 0.2;

/** A table whose oldest unfrozen transaction id is this old is vacuumed (autovacuum_freeze_max_age). */
export const FREEZE_MAX_AGE = 200_000_000;

export interface AutovacuumPass {
  analyzed: string[];
  vacuumed: string[];
}

export interface Autovacuum {
  /** Vacuums and analyzes every table due; resolves to their names. */
  runOnce(): Promise<AutovacuumPass>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** This backend's counters of the last second are published first, so the checks see them. */
async function flushCounters(sql: Pick<Sql, 'query'>): Promise<void> {
  await sql.query('SELECT pg_stat_force_next_flush()');
}

/** The user tables never analyzed, or changed enough since (see the top of this file). */
export async function tablesToAnalyze(sql: Pick<Sql, 'query'>): Promise<string[]> {
  await flushCounters(sql);
  const rows = await sql.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       AND (c.reltuples < 0 OR pg_stat_get_mod_since_analyze(c.oid) >= $1::int + c.reltuples)
     ORDER BY 1`,
    [ANALYZE_BASE_THRESHOLD],
  );
  return rows.map((r) => r.name);
}

/** The tables, the catalogue's included, with enough dead rows or old enough transaction ids. */
export async function tablesToVacuum(sql: Pick<Sql, 'query'>, freezeMaxAge = FREEZE_MAX_AGE): Promise<string[]> {
  await flushCounters(sql);
  const rows = await sql.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
       AND (pg_stat_get_dead_tuples(c.oid) >= $1::int + $2::float8 * greatest(c.reltuples, 0)
            OR age(c.relfrozenxid) >= $3::int)
     ORDER BY 1`,
    [VACUUM_BASE_THRESHOLD, VACUUM_SCALE_FACTOR, freezeMaxAge],
  );
  return rows.map((r) => r.name);
}

/**
 * Checks every `intervalMs` (the timer never keeps the process alive). A failed pass is reported to
 * onError and the next one tries again.
 */
export function startAutovacuum(
  store: Pick<Store, 'query' | 'transaction'>,
  opts: { intervalMs?: number; freezeMaxAge?: number; onError?: (err: unknown) => void } = {},
): Autovacuum {
  let running: Promise<AutovacuumPass> | undefined;
  let stopped = false;
  const runOnce = (): Promise<AutovacuumPass> => {
    running ??= (async () => {
      try {
        // VACUUM cannot run in a transaction: one statement per table (names from the catalogue, quoted).
        const vacuumed = await tablesToVacuum(store, opts.freezeMaxAge);
        for (const table of vacuumed) await store.query(`VACUUM ${table}`);
        const analyzed = await tablesToAnalyze(store);
        if (analyzed.length > 0)
          await store.transaction(async (tx) => {
            await tx.exec(`SET LOCAL default_statistics_target = ${STATISTICS_TARGET}`);
            await tx.exec(`ANALYZE ${analyzed.join(', ')}`);
          });
        return { analyzed, vacuumed };
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    runOnce().catch((err: unknown) => opts.onError?.(err));
  }, opts.intervalMs ?? AUTOVACUUM_INTERVAL_MS);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
