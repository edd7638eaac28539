// The behaviour every store driver must show, run against each (PGlite, and a PostgreSQL server in
// CI): the same JavaScript values for every type the schema uses, transactions that are all or
// nothing and unseen by others until they commit, migrations applied once.
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

  it('returns the same JavaScript values for every type the schema uses', async () => {
    const [row] = await store.query(`SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740991::int8 AS i8, count(*) AS n,
      1.50::numeric AS num, 2.5::float8 AS f8, 0.25::float4 AS f4, true AS b, 'x'::text AS t, 'v'::varchar(8) AS vc,
      '{"a":[1,"x",null]}'::jsonb AS jo, '[1,2]'::jsonb AS ja, '10.5'::jsonb AS jn, '"s"'::jsonb AS js, 'null'::jsonb AS jnull,
      '{"b":1}'::json AS j, '2024-05-01 12:34:56.789+02'::timestamptz AS tz, '2024-05-01'::date AS d,
      '\\x00ff10'::bytea AS by, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
      ARRAY[1,2]::int4[] AS a4, ARRAY[3,NULL]::int8[] AS a8, ARRAY['p','q']::text[] AS at, ARRAY['{"k":1}'::jsonb] AS aj,
      ARRAY['2024-05-01 00:00:00+00'::timestamptz] AS atz, NULL::int8 AS nul, '1 day 02:00:00'::interval AS iv,
      '1234567890123456789'::int8 AS big, 'infinity'::timestamptz AS inf,
      to_char('2024-05-01 23:30:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI') AS shown
      FROM (VALUES (1), (2)) AS v(x)`);
    const { by, ...rest } = row as Record<string, unknown>;
    assert.equal(Buffer.from(by as Uint8Array).toString('hex'), '00ff10');
    assert.deepEqual(rest, {
      i2: 1,
      i4: 2,
      // int8 within 2^53 is a number; beyond it a bigint (no precision is lost silently).
      i8: 9007199254740991,
      n: 2,
      num: '1.50',
      f8: 2.5,
      f4: 0.25,
      b: true,
      t: 'x',
      vc: 'v',
      jo: { a: [1, 'x', null] },
      ja: [1, 2],
      jn: 10.5,
      js: 's',
      jnull: null,
      j: { b: 1 },
      tz: new Date('2024-05-01T10:34:56.789Z'),
      d: new Date('2024-05-01T00:00:00.000Z'),
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      a4: [1, 2],
      a8: [3, null],
      at: ['p', 'q'],
      aj: [{ k: 1 }],
      atz: [new Date('2024-05-01T00:00:00.000Z')],
      nul: null,
      iv: '1 day 02:00:00',
      big: 1234567890123456789n,
      inf: Infinity,
      // The session's time zone is UTC.
      shown: '2024-05-01 23:30',
    });
  });

  it('returns serial ids as numbers, timestamptz as Date and bigint epoch columns as numbers', async () => {
    await store.query("INSERT INTO tenants (name) VALUES ('parity') ON CONFLICT DO NOTHING");
    await store.query("DELETE FROM users WHERE username = 'u-parity'");
    const [user] = await store.query<{ id: unknown; created_date: unknown }>(
      "INSERT INTO users (username, name, service, email, profile, created_by) VALUES ('u-parity', 'U', 'parity', 'u@p', 'admin', 'test') RETURNING id, created_date",
    );
    assert.equal(typeof user.id, 'number');
    assert.ok(user.created_date instanceof Date);
    await store.query("DELETE FROM flows WHERE tenant = 'parity'");
    await store.query(
      "INSERT INTO flows (tenant, id, name, tab, nodes, position, created, updated) VALUES ('parity', 'f1', 'F', '{}'::jsonb, '[]'::jsonb, 0, $1, $1)",
      [1_700_000_000_123],
    );
    const [flow] = await store.query<{ created: unknown }>("SELECT created FROM flows WHERE tenant = 'parity'");
    assert.equal(flow.created, 1_700_000_000_123);
  });

  it('keeps a transaction on one connection, its writes unseen by others until it commits', async () => {
    await store.query("DELETE FROM settings WHERE key LIKE 'contract.tx.%'");
    // A read by another caller, started while the transaction runs (on one connection it waits for
    // the transaction to end; on a pool it runs beside it): it must never see uncommitted writes.
    let during: Promise<unknown[]> | undefined;
    await assert.rejects(
      store.transaction(async (tx) => {
        const [a] = await tx.query<{ x: string }>('SELECT txid_current()::text AS x');
        await tx.query("INSERT INTO settings (key, value) VALUES ('contract.tx.rolled', '1')");
        during = store.query("SELECT 1 FROM settings WHERE key = 'contract.tx.rolled'");
        const [b] = await tx.query<{ x: string }>('SELECT txid_current()::text AS x');
        assert.equal(a.x, b.x, 'every statement of a transaction runs in it');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.deepEqual(await during, []);
    assert.deepEqual(await store.query("SELECT 1 FROM settings WHERE key = 'contract.tx.rolled'"), []);
    await store.transaction(async (tx) => {
      await tx.query("INSERT INTO settings (key, value) VALUES ('contract.tx.kept', '1')");
    });
    assert.equal((await store.query("SELECT 1 FROM settings WHERE key = 'contract.tx.kept'")).length, 1);
  });
}
