import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { startAutovacuum } from './pglite-autovacuum.js';
import type { Row, Sql, Store } from './sql.js';

export interface PgliteStoreOptions {
  /** A pass of the VACUUM and ANALYZE keeper (pglite-autovacuum.ts) failed; the next one tries again. */
  onAutovacuumError?: (err: unknown) => void;
  /** How often that keeper reads the tables' counters, ms (tests shorten or lengthen it). */
  autovacuumIntervalMs?: number;
}

/** Embedded PostgreSQL (WebAssembly) keeping its files in `dir`, or in memory when dir is undefined. */
export async function openPgliteStore(dir?: string, opts: PgliteStoreOptions = {}): Promise<Store> {
  if (dir) {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await initdbApart(dir);
  }
  const db = await PGlite.create(dir ? { dataDir: dir } : { loadDataDir: await blankCluster() });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<T = Row>(text: string, params: unknown[] = []) {
      const res = await q.query<T>(text, params);
      return res.rows;
    },
    async exec(script: string) {
      await q.exec(script);
    },
  });
  const base = wrap(db);
  const transaction: Store['transaction'] = (fn) => db.transaction((tx) => fn(wrap(tx)));
  // No autovacuum runs inside PGlite: this does its work.
  const autovacuum = startAutovacuum(
    { query: base.query, transaction },
    { onError: opts.onAutovacuumError, intervalMs: opts.autovacuumIntervalMs },
  );
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction,
    close: async () => {
      await autovacuum.stop();
      await db.close();
    },
  };
}

let blank: Promise<Blob> | undefined;

/**
 * A fresh cluster's files, made once per process: an in-memory store (the tests open dozens)
 * starts from a copy in about a third of the time initdb takes.
 */
function blankCluster(): Promise<Blob> {
  blank ??= (async () => {
    const db = await PGlite.create();
    try {
      return await db.dumpDataDir('none');
    } finally {
      await db.close();
    }
  })().catch((err: unknown) => {
    blank = undefined;
    throw err;
  });
  return blank;
}

/** How long a first start may spend creating the data directory, ms. */
const INITDB_TIMEOUT_MS = 120_000;

/** Creates the data directory in a process of its own (see pglite-initdb.ts); if that fails, PGlite.create does it here. */
function initdbApart(dir: string): Promise<void> {
  const script = fileURLToPath(new URL('./pglite-initdb.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, dir], { timeout: INITDB_TIMEOUT_MS }, () => resolve());
  });
}
