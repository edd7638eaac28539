// The behaviour every store driver must show (PGlite here, a PostgreSQL server in CI).
import assert from 'node:assert/strict';
import type { Store } from './sql.js';
import { listMigrations, migrate } from './migrate.js';

export function storeContract(opts: { build: () => Promise<Store> }): void {
  let store: Store;
  before(async () => {
    store = await opts.build();
  });
  after(async () => {
    await store?.close();
  });

  it('applies every migration once', async () => {
    const first = await migrate(store);
    assert.deepEqual(
      first,
      listMigrations().map((m) => m.name),
    );
    assert.deepEqual(await migrate(store), []);
  });

  it('runs parameterised queries and returns jsonb as JSON values', async () => {
    await store.exec('CREATE TEMP TABLE IF NOT EXISTS contract_j (v jsonb)');
    await store.query('INSERT INTO contract_j (v) VALUES ($1::jsonb), ($2::jsonb)', [
      JSON.stringify({ a: [1, 'x'] }),
      '10.5',
    ]);
    const rows = await store.query<{ v: unknown }>('SELECT v FROM contract_j ORDER BY v::text');
    assert.deepEqual(
      rows.map((r) => r.v).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [10.5, { a: [1, 'x'] }].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it('rolls back a transaction that throws, leaving nothing half-written', async () => {
    await store.query("DELETE FROM settings WHERE key LIKE 'contract.%'");
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO settings (key, value) VALUES ('contract.a', '1')");
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await store.query("SELECT key FROM settings WHERE key LIKE 'contract.%'"), []);
  });
}
