import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Row, Sql, Store } from './sql.js';

/** Embedded PostgreSQL (WebAssembly) keeping its files in `dir`, or in memory when dir is undefined. */
export async function openPgliteStore(dir?: string): Promise<Store> {
  if (dir) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir ? { dataDir: dir } : {});
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
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}
