// The device store at a tenant's scale on the embedded store: its plans must follow the tables' growth
// (PGlite runs no autovacuum; platform/store/pglite-autovacuum.ts keeps the statistics).
import assert from 'node:assert/strict';
import { migrate } from '../platform/store/migrate.js';
import { tablesToAnalyze } from '../platform/store/pglite-autovacuum.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Sql, Store } from '../platform/store/index.js';
import { insertDevices, linkTemplates } from './device-store.js';

/** Index scans per index of a table, with the statistics of this backend flushed first. */
async function indexScans(sql: Sql, table: string): Promise<Record<string, number>> {
  await sql.query('SELECT pg_stat_force_next_flush()');
  const rows = await sql.query<{ name: string; scans: string }>(
    'SELECT indexrelname AS name, idx_scan AS scans FROM pg_stat_user_indexes WHERE relname = $1',
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.scans)]));
}

describe('device store on PGlite as a tenant grows', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it("keeps the device links' foreign-key check on the devices' primary key as a tenant grows", async () => {
    // Without statistics the check's cached plan found a device through (tenant, label) and read every
    // device of the tenant for each link: seen as scans of dm_devices_label, one per link.
    store = await openPgliteStore(undefined, { autovacuumIntervalMs: 20 });
    await migrate(store);
    const [template] = await store.query<{ id: number }>(
      "INSERT INTO dm_templates (tenant, label) VALUES ('t1', 'tpl') RETURNING id",
    );
    const addDevices = (prefix: string, n: number) =>
      store.transaction(async (tx) => {
        const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
        await insertDevices(
          tx,
          't1',
          ids.map((id) => ({ id, label: 'dev' })),
        );
        await linkTemplates(tx, 't1', ids, [template.id]);
      });
    for (let batch = 0; batch < 4; batch++) {
      await addDevices(`b${batch}_`, 1000);
      // The store's own keeper runs every 20 ms here: wait until it has seen this size.
      const deadline = Date.now() + 5_000;
      while ((await tablesToAnalyze(store)).includes('public.dm_devices') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
    }
    const before = await indexScans(store, 'dm_devices');
    await addDevices('last_', 1000);
    const after = await indexScans(store, 'dm_devices');
    const byLabel = after.dm_devices_label - before.dm_devices_label;
    const byKey = after.dm_devices_pkey - before.dm_devices_pkey;
    assert.equal(byLabel, 0, `the links' check scanned the label index ${byLabel} times`);
    assert.ok(byKey >= 1000, `the links' check used the primary key ${byKey} times for 1,000 links`);
  });
});
