// Versioned migrations: migrations/NNNN-what.sql, applied in order, each in its own transaction,
// recorded in schema_migrations. An advisory lock keeps two instances from migrating at once.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import type { Store } from './sql.js';

const MIGRATION_LOCK_ID = 715_420_001;

export function migrationsDir(): string {
  return path.join(projectRoot(), 'core-services', 'platform', 'store', 'migrations');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = migrationsDir()): Migration[] {
  const seen = new Set<number>();
  return readdirSync(dir)
    .filter((f) => /^\d{4}-[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const version = Number(f.slice(0, 4));
      if (seen.has(version)) throw new Error(`two migrations share version ${version} (${f})`);
      seen.add(version);
      return { version, name: f, sql: readFileSync(path.join(dir, f), 'utf8') };
    });
}

/** Applies every migration not applied yet; returns the names it applied. */
export async function migrate(store: Store, dir?: string): Promise<string[]> {
  const applied: string[] = [];
  await store.transaction(async (tx) => {
    // Lock first: two instances creating schema_migrations at once collide in pg_type.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    for (const m of listMigrations(dir)) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
  });
  return applied;
}
