import assert from 'node:assert/strict';
import { startAutoAnalyze, tablesToAnalyze } from './pglite-auto-analyze.js';
import { openPgliteStore } from './pglite.js';
import type { Sql, Store } from './sql.js';

async function relpages(sql: Sql, table: string): Promise<number> {
  const [row] = await sql.query<{ relpages: number }>('SELECT relpages FROM pg_class WHERE relname = $1', [table]);
  return row.relpages;
}

describe('PGlite planner statistics (no autovacuum inside PGlite)', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('analyzes a table when it reaches twice the size its statistics recorded, not before', async () => {
    store = await openPgliteStore(undefined, { analyzeIntervalMs: 3_600_000 });
    await store.exec('CREATE TABLE grows (id int PRIMARY KEY, pad text)');
    const analyzer = startAutoAnalyze(store, { intervalMs: 3_600_000 });
    try {
      await store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series(1, 100) g");
      assert.deepEqual(await analyzer.runOnce(), [], 'a table of a few pages is left alone');
      await store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series(101, 2000) g");
      assert.deepEqual(await analyzer.runOnce(), ['public.grows']);
      const analyzedAt = await relpages(store, 'grows');
      assert.ok(analyzedAt >= 8, `relpages ${analyzedAt} after ANALYZE`);
      assert.deepEqual(await analyzer.runOnce(), [], 'no change since: nothing to do');
      await store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series(2001, 3000) g");
      assert.deepEqual(await tablesToAnalyze(store), [], 'half as big again is not yet twice');
      await store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series(3001, 4200) g");
      assert.deepEqual(await analyzer.runOnce(), ['public.grows']);
    } finally {
      await analyzer.stop();
    }
  });
});
