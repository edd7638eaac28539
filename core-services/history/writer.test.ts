import assert from 'node:assert/strict';
import type { Row, Sql, Store } from '../platform/store/index.js';
import { Rows } from './rows.js';
import { testContext, type TestContext } from './testing.js';
import { HistoryWriter, INSERT_DEDUP_SQL, INSERT_SQL } from './writer.js';

/** The store, with every INSERT's row count recorded and a way to hold or fail them. */
class WatchedSql implements Sql {
  inserts: number[] = [];
  /** Each INSERT's statement, in order (failed ones included). */
  texts: string[] = [];
  started = 0;
  hold: Promise<void> = Promise.resolve();
  failNext = 0;
  constructor(private readonly store: Store) {}
  async query<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    if (text.startsWith('INSERT INTO device_history')) {
      this.started += 1;
      this.texts.push(text);
      await this.hold;
      if (this.failNext > 0) {
        this.failNext -= 1;
        throw new Error('store down');
      }
      this.inserts.push((params[0] as unknown[]).length);
    }
    return this.store.query<T>(text, params);
  }
  exec(script: string): Promise<void> {
    return this.store.exec(script);
  }
  /** Holds every INSERT until the returned function is called. */
  holdInserts(): () => void {
    let release!: () => void;
    this.hold = new Promise((r) => (release = r));
    return release;
  }
}

function rows(n: number, from = 0, device = 'd1'): Rows {
  const r = new Rows();
  for (let i = from; i < from + n; i++) r.push('acme', device, 'x', 1_700_000_000_000 + i, `m-${i}`, String(i), '{}');
  return r;
}

describe('history writer', () => {
  let ctx: TestContext;
  let sql: WatchedSql;
  before(async () => (ctx = await testContext()));
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.store.query('DELETE FROM device_history');
    sql = new WatchedSql(ctx.store);
  });

  /** Adds `first` while the store holds its INSERT, then `later` (gathering into one batch behind it), and waits for all. */
  const behindHeldWrite = async (w: HistoryWriter, first: Rows, later: Rows[]) => {
    const release = sql.holdInserts();
    const all = [w.add(first), ...later.map((r) => w.add(r))];
    release();
    await Promise.all(all);
  };
  const count = async () =>
    (await ctx.store.query<{ n: number }>('SELECT count(*)::int AS n FROM device_history'))[0].n;

  it('writes at once when the store is idle, and resolves once the rows are committed', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 10_000 });
    await w.add(rows(3));
    assert.equal(await count(), 3);
    assert.deepEqual(sql.inserts, [3]);
  });

  it('never puts more than batchRows rows in one INSERT', async () => {
    const w = new HistoryWriter({ sql, batchRows: 40, flushMs: 5 });
    await w.add(rows(100));
    assert.equal(await count(), 100);
    assert.deepEqual(sql.inserts, [40, 40, 20]);
  });

  it('gathers rows that arrive during a write into the next INSERT', async () => {
    const w = new HistoryWriter({ sql, batchRows: 1000, flushMs: 10_000 });
    await behindHeldWrite(w, rows(1, 0), [rows(5, 1), rows(5, 6), rows(5, 11)]);
    assert.deepEqual(sql.inserts, [1, 15]);
  });

  it('lets rows that arrive just after a write share the next one instead of writing each at once', async () => {
    // A wide spacing, so a slow first INSERT on a busy machine cannot outlast it.
    const w = new HistoryWriter({ sql, batchRows: 1000, flushMs: 10_000, spacingMs: 300 });
    await w.add(rows(1, 0));
    // Within the spacing after the first write: these wait and go together.
    await Promise.all([w.add(rows(1, 1)), w.add(rows(1, 2)), w.add(rows(1, 3))]);
    assert.deepEqual(sql.inserts, [1, 3]);
  });

  it('starts a waiting batch after flushMs even while a write is still running', async () => {
    const w = new HistoryWriter({ sql, batchRows: 1000, flushMs: 20 });
    const release = sql.holdInserts();
    const first = w.add(rows(1, 0));
    const second = w.add(rows(2, 1));
    assert.equal(sql.started, 1, 'the second batch waits for the running write or the timer');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(sql.started, 2, 'the timer started the second batch while the first was still running');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(sql.inserts.sort(), [1, 2]);
  });

  it('rejects the callers whose rows failed to be written, and writes them when added again', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 5 });
    sql.failNext = 1;
    await assert.rejects(w.add(rows(4)), /store down/);
    assert.equal(await count(), 0);
    await w.add(rows(4));
    assert.equal(await count(), 4);
  });

  it('ignores rows already stored (same tenant, device, attr, ts and message id)', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 5 });
    await w.add(rows(10));
    await w.add(rows(10));
    await w.add(rows(15));
    assert.equal(await count(), 15);
    assert.equal(w.duplicateBatches, 2);
  });

  it('writes a batch without the conflict check first, and with it only after a duplicate key', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 5 });
    await w.add(rows(5));
    assert.deepEqual(sql.texts, [INSERT_SQL], 'a batch of new rows pays no ON CONFLICT');
    await w.add(rows(6));
    assert.deepEqual(sql.texts, [INSERT_SQL, INSERT_SQL, INSERT_DEDUP_SQL]);
    assert.equal(await count(), 6);
  });

  it('stores a message once when a batch holds it twice, and resolves every caller sharing that batch', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 10_000 });
    // Gathered into one batch behind the held write: the same message twice, and other callers.
    await behindHeldWrite(w, rows(1, 0), [rows(3, 10), rows(1, 11), rows(2, 20)]);
    const stored = await ctx.store.query<{ msg_id: string }>('SELECT msg_id FROM device_history ORDER BY ts');
    assert.deepEqual(
      stored.map((r) => r.msg_id),
      ['m-0', 'm-10', 'm-11', 'm-12', 'm-20', 'm-21'],
    );
    assert.equal(w.duplicateBatches, 1);
  });

  it('writes what is pending on flush()', async () => {
    const w = new HistoryWriter({ sql, batchRows: 1000, flushMs: 60_000 });
    const release = sql.holdInserts();
    void w.add(rows(1, 0));
    void w.add(rows(7, 1));
    const flushed = w.flush();
    release();
    await flushed;
    assert.equal(await count(), 8);
  });

  it('fails only the caller whose row the store refuses when several callers share one INSERT', async () => {
    const w = new HistoryWriter({ sql, batchRows: 100, flushMs: 10_000 });
    const release = sql.holdInserts();
    // The first write is held, so the next three callers' rows gather into one batch.
    const first = w.add(rows(1, 0));
    const good = w.add(rows(3, 10));
    const poison = new Rows();
    poison.push('beta', 'd2', 'x', 1_700_000_000_000, 'm-bad', JSON.stringify('a\u0000b'), '{}');
    const bad = w.add(poison);
    const goodToo = w.add(rows(2, 20));
    release();
    await first;
    await good;
    await goodToo;
    await assert.rejects(bad, /\\u0000|unicode|NUL|0x00/i);
    assert.equal(await count(), 6);
  });
});
