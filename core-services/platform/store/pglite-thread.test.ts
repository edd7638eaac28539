// PGlite in its own thread (pglite-thread.ts): a long statement does not hold the platform's
// thread, errors keep PostgreSQL's fields, and an idle store does not keep the process alive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openPgliteStore } from './pglite.js';
import type { Store } from './sql.js';

/** A statement that keeps PGlite busy for a few hundred milliseconds. */
const SLOW = 'SELECT count(*)::int AS n FROM generate_series(1, 3000000) g WHERE g % 7 = 0';

describe('PGlite in a thread of its own', function () {
  this.timeout(60_000);
  let store: Store;
  before(async () => {
    store = await openPgliteStore();
  });
  after(async () => {
    await store?.close();
  });

  it("runs a long statement without holding this thread's event loop", async () => {
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const [row] = await store.query<{ n: number }>(SLOW);
    const took = performance.now() - started;
    clearInterval(ticker);
    // Up to the answer too: a loop that stood still until now never ticked at all.
    longestGap = Math.max(longestGap, performance.now() - last);
    assert.equal(row.n, 428571);
    // The statement must be long enough for the check to mean something.
    assert.ok(took > 150, `the statement took only ${took.toFixed(0)} ms`);
    assert.ok(longestGap < took / 2, `the event loop stood still ${longestGap.toFixed(0)} ms of ${took.toFixed(0)} ms`);
  });

  it("keeps PostgreSQL's error fields (code, constraint) across the thread", async () => {
    await assert.rejects(store.query('SELECT 1 / 0'), (err: Error & { code?: string }) => {
      assert.equal(err.code, '22012');
      assert.match(err.message, /division by zero/);
      return true;
    });
    await store.exec('CREATE TABLE thread_t (k text PRIMARY KEY)');
    await store.query("INSERT INTO thread_t VALUES ('a')");
    await assert.rejects(
      store.query("INSERT INTO thread_t VALUES ('a')"),
      (err: Error & { code?: string; constraint?: string }) => {
        assert.deepEqual([err.code, err.constraint], ['23505', 'thread_t_pkey']);
        return true;
      },
    );
  });

  it('serves statements outside a transaction once it ends, and a failed commit rejects', async () => {
    await store.exec(
      'CREATE TABLE thread_d (k int PRIMARY KEY, r int REFERENCES thread_d DEFERRABLE INITIALLY DEFERRED)',
    );
    const outside = store.transaction(async (tx) => {
      await tx.query('INSERT INTO thread_d VALUES (1, NULL)');
      return 'done';
    });
    assert.equal(await outside, 'done');
    // The deferred foreign key fails at COMMIT, not at the INSERT.
    await assert.rejects(
      store.transaction((tx) => tx.query('INSERT INTO thread_d VALUES (2, 99)')),
      (err: Error & { code?: string }) => err.code === '23503',
    );
    assert.deepEqual(await store.query('SELECT k FROM thread_d ORDER BY k'), [{ k: 1 }]);
  });

  it('lets the process exit with a store open and idle', async () => {
    const moduleUrl = new URL('./pglite.js', import.meta.url).href;
    const source = `
      import { openPgliteStore } from ${JSON.stringify(moduleUrl)};
      const store = await openPgliteStore();
      const [r] = await store.query('SELECT 41 + 1 AS n');
      process.stdout.write(String(r.n));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      child.on('exit', (c, s) => r([c, s])),
    );
    clearTimeout(killer);
    assert.deepEqual([out, code, signal], ['42', 0, null]);
  });
});
