import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { requireService } from '../../../test/helpers/services.js';
import { loadConfig } from '../config.js';
import { createStore } from './index.js';
import { listMigrations, migrate } from './migrate.js';
import { openPostgresStore } from './postgres.js';
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
