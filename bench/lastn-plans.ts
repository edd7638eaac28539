// What PostgreSQL says about the lastn benchmark's table and queries: sizes, buffer counters and
// plans, read through the store so they see the benchmark's schema.
import type { Store } from '../core-services/platform/store/index.js';

export interface Buffers {
  hit: number;
  read: number;
}

/** device_history's heap and index blocks found in shared buffers (hit) or not (read), so far. */
export async function buffers(store: Store): Promise<Buffers> {
  // Statistics reach the views at most once a second unless flushed; the pool has one connection.
  await store.query('SELECT pg_stat_force_next_flush()');
  const [r] = await store.query<{ hit: number; read: number }>(
    `SELECT (coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0))::float8 AS hit, (coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0))::float8 AS read
     FROM pg_statio_user_tables WHERE schemaname = current_schema() AND relname = 'device_history'`,
  );
  return r;
}

export async function relationSizes(store: Store) {
  const [t] = await store.query<{ heap: number; indexes: number; total: number }>(
    `SELECT pg_relation_size('device_history') AS heap, pg_indexes_size('device_history') AS indexes, pg_total_relation_size('device_history') AS total`,
  );
  const list = await store.query<{ name: string; bytes: number; def: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes, pg_get_indexdef(c.oid) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'device_history'::regclass ORDER BY c.relname`,
  );
  return { ...t, list };
}

export async function explain(store: Store, text: string, params: unknown[]): Promise<string> {
  const rows = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** The scan nodes on device_history, the rows any Sort node sorted, and the execution time. */
export function verdict(plan: string): string {
  const scans = [
    ...plan.matchAll(
      /((?:Parallel )?(?:Index Only Scan Backward|Index Scan Backward|Index Only Scan|Bitmap Heap Scan|Index Scan|Seq Scan))( using \S+)? on device_history\b/g,
    ),
  ].map((m) => m[1]);
  // A parallel node's rows are per worker: times loops is what was sorted.
  const sorts = [
    ...plan.matchAll(/(?:->\s+|^\s*)((?:Incremental )?Sort)\s+\(cost[^)]*\) \(actual [^)]*rows=(\d+) loops=(\d+)/gm),
  ].map((m) => `${m[1].toUpperCase()} of ${m[3] === '1' ? '' : '~'}${Number(m[2]) * Number(m[3])} rows`);
  const time = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1];
  return `${[...new Set(scans)].join(' + ') || 'no scan of device_history'}, ${sorts.length ? sorts.join(', ') : 'no sort'}, ${time} ms`;
}

export function summarize(verdicts: string[]): string {
  return verdicts.length <= 1 ? (verdicts[0] ?? '') : `${verdicts.length} statements: ${verdicts.join(' | ')}`;
}
