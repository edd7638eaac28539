import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from './sql.js';
import { openPgliteStore } from './pglite.js';
import { migrate } from './migrate.js';

export type { Store, Sql, Row } from './sql.js';

type StoreFactory = (config: Readonly<Config>, log?: Logger) => Promise<Store>;

const STORE_ADAPTERS: Record<string, StoreFactory> = {
  pglite: (config, log) =>
    openPgliteStore(path.join(config.dataDir, 'pglite'), {
      onAutovacuumError: (err) => log?.warn({ err }, 'store: a VACUUM or ANALYZE of PGlite failed (tried again soon)'),
    }),
  // Loaded only when configured, so the embedded mode never loads pg.
  postgres: async (config) =>
    (await import('./postgres.js')).openPostgresStore({ url: config.postgresUrl, poolSize: config.postgresPool }),
};

export function storeKind(config: Readonly<Config>): string {
  return config.postgresUrl ? 'postgres' : 'pglite';
}

/** Opens the configured store and brings its schema up to date. */
export async function createStore(config: Readonly<Config>, log?: Logger): Promise<Store> {
  const kind = storeKind(config);
  const factory = STORE_ADAPTERS[kind];
  if (!factory) throw new Error(`store adapter "${kind}" is not available in this build`);
  const store = await factory(config, log);
  await migrate(store);
  return store;
}
