import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPgliteStore } from './pglite.js';
import { listMigrations, migrate } from './migrate.js';
import { storeContract } from './store.contract.js';

describe('PGlite store', () => {
  storeContract({ build: () => openPgliteStore() });

  it('keeps data in its directory across a close and a reopen', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dojot-pglite-'));
    try {
      let store = await openPgliteStore(dir);
      await migrate(store);
      await store.query("INSERT INTO settings (key, value) VALUES ('k', 'v')");
      await store.close();
      store = await openPgliteStore(dir);
      assert.deepEqual(await migrate(store), []);
      assert.deepEqual(await store.query('SELECT value FROM settings WHERE key = $1', ['k']), [{ value: 'v' }]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('numbers its migrations uniquely', () => {
    const versions = listMigrations().map((m) => m.version);
    assert.deepEqual(
      versions,
      [...new Set(versions)].sort((a, b) => a - b),
    );
  });
});
