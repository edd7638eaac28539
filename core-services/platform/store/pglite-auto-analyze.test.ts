import assert from 'node:assert/strict';
import { startAutoAnalyze } from './pglite-auto-analyze.js';
import { openPgliteStore } from './pglite.js';
import type { Sql, Store } from './sql.js';

async function reltuples(sql: Sql, table: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE relname = $1', [table]);
  return row.n;
}

const insert = (store: Store, from: number, to: number) =>
  store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series($1::int, $2::int) g", [from, to]);

describe('PGlite planner statistics (no autovacuum inside PGlite)', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('analyzes a table never analyzed, then each time the rows changed reach 500 + the rows it had', async () => {
    // The store's own keeper is kept out of the way: this test runs the passes itself.
    store = await openPgliteStore(undefined, { analyzeIntervalMs: 3_600_000 });
    await store.exec('CREATE TABLE grows (id int PRIMARY KEY, pad text)');
    const analyzer = startAutoAnalyze(store, { intervalMs: 3_600_000 });
    try {
      assert.ok((await analyzer.runOnce()).includes('public.grows'), 'never analyzed: analyzed on the first pass');
      assert.equal(await reltuples(store, 'grows'), 0);
      assert.deepEqual(await analyzer.runOnce(), [], 'nothing changed since: nothing to do');
      await insert(store, 1, 400);
      assert.deepEqual(await analyzer.runOnce(), [], '400 rows changed: under 500 + 0');
      await insert(store, 401, 600);
      assert.deepEqual(await analyzer.runOnce(), ['public.grows']);
      assert.equal(await reltuples(store, 'grows'), 600);
      await insert(store, 601, 1600);
      assert.deepEqual(await analyzer.runOnce(), [], '1,000 changed: under 500 + 600');
      await insert(store, 1601, 1800);
      assert.deepEqual(await analyzer.runOnce(), ['public.grows']);
      assert.equal(await reltuples(store, 'grows'), 1800);
    } finally {
      await analyzer.stop();
    }
  });
});
