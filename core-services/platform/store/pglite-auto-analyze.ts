// PGlite is PostgreSQL without its background workers, so no autovacuum ever gathers the planner's
// statistics. Without them a plan made while a table was small stays in the backend's plan cache
// for good: the foreign-key checks behind `POST /device` kept finding a device through the
// (tenant, label) index, reading every device of the tenant, and a batch of 1,000 devices went
// from 0.2 s to 3.8 s over the first 25,000 devices. This does autovacuum's ANALYZE part, from the
// same counters: a table is analyzed once the rows changed since its statistics reach
// 500 + the rows it then had (autovacuum's rule, with a scale factor of 1 rather than 0.1), which
// also drops the plans cached on it. A table growing to n rows is so analyzed about log2(n) times.
// The first pass analyzes every table never analyzed: the counters start at zero with each
// process, and data directories made before this module existed hold tables without statistics.
// ANALYZE holds PGlite (the platform's thread) while it samples, so it samples 3,000 rows, not
// PostgreSQL's 30,000: 16–23 ms for the history table at 160,000–640,000 rows instead of 136–173 ms
// (a stall seen in the ingest bench's p99), which is plenty to choose between indexes.
// The check reads counters only: comparing each table's file size instead cost PGlite 50–70 ms a
// pass in file-system calls.
import type { Sql, Store } from './sql.js';

/** How often the counters are looked at, ms. */
export const AUTO_ANALYZE_INTERVAL_MS = 2_000;

/** Rows changed before a table is analyzed again, on top of the rows it had then. */
const BASE_THRESHOLD = 500;

/** ANALYZE samples 300 rows per unit of this (PostgreSQL's default is 100). */
const STATISTICS_TARGET = 10;

export interface AutoAnalyzer {
  /** Analyzes every table due; resolves to their names. */
  runOnce(): Promise<string[]>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** The user tables never analyzed, or changed enough since (see the top of this file). */
export async function tablesToAnalyze(sql: Pick<Sql, 'query'>): Promise<string[]> {
  // This backend's counters of the last second are published first, so the check sees them.
  await sql.query('SELECT pg_stat_force_next_flush()');
  const rows = await sql.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       AND (c.reltuples < 0 OR pg_stat_get_mod_since_analyze(c.oid) >= $1::int + c.reltuples)
     ORDER BY 1`,
    [BASE_THRESHOLD],
  );
  return rows.map((r) => r.name);
}

/**
 * Checks every `intervalMs` (the timer never keeps the process alive). A failed pass is reported to
 * onError and the next one tries again.
 */
export function startAutoAnalyze(
  store: Pick<Store, 'query' | 'transaction'>,
  opts: { intervalMs?: number; onError?: (err: unknown) => void } = {},
): AutoAnalyzer {
  let running: Promise<string[]> | undefined;
  let stopped = false;
  const runOnce = (): Promise<string[]> => {
    running ??= (async () => {
      try {
        const tables = await tablesToAnalyze(store);
        if (tables.length > 0)
          await store.transaction(async (tx) => {
            await tx.exec(`SET LOCAL default_statistics_target = ${STATISTICS_TARGET}`);
            // One statement for all of them; the names come from the catalogue, quoted.
            await tx.exec(`ANALYZE ${tables.join(', ')}`);
          });
        return tables;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    runOnce().catch((err: unknown) => opts.onError?.(err));
  }, opts.intervalMs ?? AUTO_ANALYZE_INTERVAL_MS);
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
