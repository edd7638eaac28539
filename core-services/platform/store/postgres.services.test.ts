import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { requireService } from '../../../test/helpers/services.js';
import { loadConfig } from '../config.js';
import { createStore } from './index.js';
import { listMigrations, migrate } from './migrate.js';
import { openPgliteStore } from './pglite.js';
import { openPostgresStore } from './postgres.js';
import type { Store } from './sql.js';
import { storeContract } from './store.contract.js';

// Each run works in schemas of its own (dropped afterwards), so runs and other users of the
// database never see each other's tables.
const RUN = `dojot_test_${randomUUID().slice(0, 8)}`;

describe('PostgreSQL store', function () {
  let url = '';
  const schemas: string[] = [];
  const freshSchema = async (): Promise<string> => {
    const name = `${RUN}_${schemas.length}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${name}`);
    } finally {
      await admin.end();
    }
    schemas.push(name);
    return name;
  };

  before(async function () {
    url = await requireService.call(this, 'postgres');
  });

  after(async function () {
    if (!url || schemas.length === 0) return;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    } finally {
      await admin.end();
    }
  });

  // Nested, so that the contract's own hooks do not run when the suite is skipped.
  describe('contract', () => {
    storeContract({ build: async () => openPostgresStore({ url, schema: await freshSchema(), poolSize: 4 }) });
  });

  describe('beyond the contract', () => {
    let store: Store;
    before(async () => {
      store = await openPostgresStore({ url, schema: await freshSchema(), poolSize: 4 });
      await migrate(store);
    });
    after(async () => {
      await store?.close();
    });

    it('returns the same JavaScript values as PGlite for every type the schema uses', async () => {
      const sql = `SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740991::int8 AS i8, count(*) AS n,
        1.50::numeric AS num, 2.5::float8 AS f8, 0.25::float4 AS f4, true AS b, 'x'::text AS t, 'v'::varchar(8) AS vc,
        '{"a":[1,"x",null]}'::jsonb AS jo, '[1,2]'::jsonb AS ja, '10.5'::jsonb AS jn, '"s"'::jsonb AS js, 'null'::jsonb AS jnull,
        '{"b":1}'::json AS j, '2024-05-01 12:34:56.789+02'::timestamptz AS tz, '2024-05-01 12:34:56.789'::timestamp AS ts,
        '2024-05-01'::date AS d, '\\x00ff10'::bytea AS by, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
        ARRAY[1,2]::int4[] AS a4, ARRAY[3,NULL]::int8[] AS a8, ARRAY['p','q']::text[] AS at, ARRAY['{"k":1}'::jsonb] AS aj,
        ARRAY['2024-05-01 00:00:00+00'::timestamptz] AS atz, NULL::int8 AS nul, '1 day 02:00:00'::interval AS iv,
        '1234567890123456789'::int8 AS big, 'infinity'::timestamptz AS inf, '-infinity'::timestamp AS ninf,
        to_char('2024-05-01 23:30:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI') AS shown
        FROM (VALUES (1), (2)) AS v(x)`;
      const lite = await openPgliteStore();
      try {
        const expected = await lite.query(sql);
        const actual = await store.query(sql);
        assert.deepEqual(actual, expected);
      } finally {
        await lite.close();
      }
    });

    it('returns serial ids, bigint columns and timestamptz as PGlite does', async () => {
      await store.query("INSERT INTO tenants (name) VALUES ('parity') ON CONFLICT DO NOTHING");
      const [user] = await store.query<{ id: unknown; created_date: unknown }>(
        "INSERT INTO users (username, name, service, email, profile, created_by) VALUES ('u-parity', 'U', 'parity', 'u@p', 'admin', 'test') RETURNING id, created_date",
      );
      assert.equal(typeof user.id, 'number');
      assert.ok(user.created_date instanceof Date);
      await store.query(
        "INSERT INTO flows (tenant, id, name, tab, nodes, position, created, updated) VALUES ('parity', 'f1', 'F', '{}'::jsonb, '[]'::jsonb, 0, $1, $1)",
        [1_700_000_000_123],
      );
      const [flow] = await store.query<{ created: unknown }>("SELECT created FROM flows WHERE tenant = 'parity'");
      assert.equal(flow.created, 1_700_000_000_123);
    });

    it('keeps a transaction on one connection, unseen by others until it commits', async () => {
      await store.query("DELETE FROM settings WHERE key = 'tx.visible'");
      let seenInside: unknown[] = ['not run'];
      await store.transaction(async (tx) => {
        const [a] = await tx.query<{ x: string }>('SELECT txid_current()::text AS x');
        await tx.query("INSERT INTO settings (key, value) VALUES ('tx.visible', '1')");
        seenInside = await store.query("SELECT 1 FROM settings WHERE key = 'tx.visible'");
        const [b] = await tx.query<{ x: string }>('SELECT txid_current()::text AS x');
        assert.equal(a.x, b.x);
      });
      assert.deepEqual(seenInside, []);
      assert.equal((await store.query("SELECT 1 FROM settings WHERE key = 'tx.visible'")).length, 1);
    });

    it('migrates once when two instances start together on an empty schema', async () => {
      const schema = await freshSchema();
      const [a, b] = await Promise.all([openPostgresStore({ url, schema }), openPostgresStore({ url, schema })]);
      try {
        const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
        assert.deepEqual(
          [...ra, ...rb].sort(),
          listMigrations()
            .map((m) => m.name)
            .sort(),
        );
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('is chosen by DOJOT_POSTGRES_URL, whose options (a search_path) it keeps', async () => {
      const schema = await freshSchema();
      const withSchema = new URL(url);
      withSchema.searchParams.set('options', `-c search_path=${schema}`);
      const chosen = await createStore(
        loadConfig({ DOJOT_POSTGRES_URL: withSchema.toString(), DOJOT_POSTGRES_POOL: '2' }),
      );
      try {
        assert.equal(chosen.kind, 'postgres');
        const [row] = await chosen.query<{ s: string; tz: string }>(
          'SELECT current_schema() AS s, current_setting($1) AS tz',
          ['TimeZone'],
        );
        assert.deepEqual(row, { s: schema, tz: 'UTC' });
        assert.equal((await chosen.query('SELECT version FROM schema_migrations')).length, listMigrations().length);
      } finally {
        await chosen.close();
      }
    });
  });
});
