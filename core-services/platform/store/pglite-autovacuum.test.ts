import assert from 'node:assert/strict';
import { startAutovacuum } from './pglite-autovacuum.js';
import { openPgliteStore } from './pglite.js';
import type { Sql, Store } from './sql.js';

async function reltuples(sql: Sql, table: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE relname = $1', [table]);
  return row.n;
}

const insert = (store: Store, from: number, to: number) =>
  store.query("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series($1::int, $2::int) g", [from, to]);

const tableBytes = async (store: Store, table: string) =>
  Number((await store.query<{ s: string }>('SELECT pg_table_size($1) AS s', [table]))[0].s);

describe('PGlite autovacuum (no autovacuum inside PGlite)', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('analyzes a table never analyzed, then each time the rows changed reach 500 + the rows it had', async () => {
    // The store's own keeper is kept out of the way: this test runs the passes itself.
    store = await openPgliteStore(undefined, { autovacuumIntervalMs: 3_600_000 });
    await store.exec('CREATE TABLE grows (id int PRIMARY KEY, pad text)');
    const keeper = startAutovacuum(store, { intervalMs: 3_600_000 });
    const analyzed = async () => (await keeper.runOnce()).analyzed;
    try {
      assert.ok((await analyzed()).includes('public.grows'), 'never analyzed: analyzed on the first pass');
      assert.equal(await reltuples(store, 'grows'), 0);
      assert.deepEqual(await analyzed(), [], 'nothing changed since: nothing to do');
      await insert(store, 1, 400);
      assert.deepEqual(await analyzed(), [], '400 rows changed: under 500 + 0');
      await insert(store, 401, 600);
      assert.deepEqual(await analyzed(), ['public.grows']);
      assert.equal(await reltuples(store, 'grows'), 600);
      await insert(store, 601, 1600);
      assert.deepEqual(await analyzed(), [], '1,000 changed: under 500 + 600');
      await insert(store, 1601, 1800);
      assert.deepEqual(await analyzed(), ['public.grows']);
      assert.equal(await reltuples(store, 'grows'), 1800);
    } finally {
      await keeper.stop();
    }
  });

  it('vacuums a table changed in place once its dead rows reach 50 + 20 % of its rows, so it stops growing', async () => {
    store = await openPgliteStore(undefined, { autovacuumIntervalMs: 3_600_000 });
    await store.exec('CREATE TABLE grows (id int PRIMARY KEY, pad text)');
    await insert(store, 1, 1000);
    const keeper = startAutovacuum(store, { intervalMs: 3_600_000 });
    const vacuumed = async () => (await keeper.runOnce()).vacuumed.filter((t) => t.startsWith('public.'));
    try {
      await keeper.runOnce(); // the first ANALYZE: reltuples 1,000
      await store.query("UPDATE grows SET pad = repeat('y', 100) WHERE id <= 200");
      assert.deepEqual(await vacuumed(), [], '200 dead rows: under 50 + 200');
      await store.query("UPDATE grows SET pad = repeat('z', 100) WHERE id <= 100");
      assert.deepEqual(await vacuumed(), ['public.grows'], '300 dead rows');
      assert.deepEqual(await vacuumed(), [], 'none dead any more');
      // As a flow's context is written: the same rows again and again. Vacuumed as it goes, the
      // table keeps to about the size of two versions of its rows; without, it grew by each.
      const start = await tableBytes(store, 'grows');
      for (let round = 0; round < 10; round++) {
        await store.query('UPDATE grows SET pad = repeat($1, 100)', [String(round % 10)]);
        await keeper.runOnce();
      }
      const end = await tableBytes(store, 'grows');
      assert.ok(end <= start * 2.5, `${start} → ${end} bytes over ten rewrites of every row`);
    } finally {
      await keeper.stop();
    }
  });

  it('vacuums a table whose oldest unfrozen transaction id is old, freezing its rows before the ids wrap', async () => {
    store = await openPgliteStore(undefined, { autovacuumIntervalMs: 3_600_000 });
    await store.exec('CREATE TABLE grows (id int PRIMARY KEY, pad text)');
    await insert(store, 1, 10);
    // The age is 200 million transactions in the platform; 500 here, with this session's VACUUM
    // freezing everything it finds older than 0 (the platform keeps PostgreSQL's 50 million).
    const keeper = startAutovacuum(store, { intervalMs: 3_600_000, freezeMaxAge: 500 });
    const age = async () =>
      Number(
        (await store.query<{ a: number }>("SELECT age(relfrozenxid) AS a FROM pg_class WHERE relname = 'grows'"))[0].a,
      );
    try {
      await keeper.runOnce();
      await store.exec('SET vacuum_freeze_min_age = 0; SET vacuum_freeze_table_age = 0');
      // Each statement that asks for its transaction's id is one transaction id used.
      for (let i = 0; i < 600; i++) await store.query('SELECT txid_current()');
      assert.ok((await age()) >= 500, `age ${await age()}`);
      const pass = await keeper.runOnce();
      assert.ok(pass.vacuumed.includes('public.grows'), JSON.stringify(pass));
      assert.ok((await age()) < 10, `age ${await age()} after the VACUUM`);
      // The catalogue's tables are as old: they are vacuumed too.
      assert.ok(pass.vacuumed.includes('pg_catalog.pg_class'), JSON.stringify(pass));
    } finally {
      await keeper.stop();
    }
  });
});
