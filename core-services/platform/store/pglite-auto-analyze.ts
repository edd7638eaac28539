// PGlite is PostgreSQL without its background workers, so no autovacuum ever gathers the planner's
// statistics. Without them a plan made while a table was small stays in the backend's plan cache
// for good: the foreign-key checks behind `POST /device` kept finding a device through the
// (tenant, label) index, reading every device of the tenant, and a batch of 1,000 devices went
// from 0.2 s to 3.8 s over the first 25,000 devices. This does autovacuum's ANALYZE part: a table
// that has doubled in size since its statistics were taken is analyzed, which also drops the plans
// cached on it. Doubling keeps the work small: a table growing to n pages is analyzed log2(n) times.
// ANALYZE holds PGlite (the platform's thread) while it samples, so it samples 3,000 rows, not
// PostgreSQL's 30,000: 16–23 ms for the history table at 160,000–640,000 rows instead of 136–173 ms
// (a stall seen in the ingest bench's p99), which is plenty to choose between indexes.
import type { Sql, Store } from './sql.js';

/** How often the tables' sizes are compared with their statistics, ms. */
export const AUTO_ANALYZE_INTERVAL_MS = 2_000;

/** Below this size (8 KB pages) a table is never analyzed: any plan reads it quickly. */
const MIN_PAGES = 8;

/** ANALYZE samples 300 rows per unit of this (PostgreSQL's default is 100). */
const STATISTICS_TARGET = 10;

export interface AutoAnalyzer {
  /** Analyzes every table that doubled since its last statistics; resolves to their names. */
  runOnce(): Promise<string[]>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** The user tables whose size (pages now) reached twice the size their statistics recorded (relpages). */
export async function tablesToAnalyze(sql: Pick<Sql, 'query'>): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       AND pg_relation_size(c.oid) / current_setting('block_size')::int >= greatest($1::int, 2 * c.relpages)`,
    [MIN_PAGES],
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
