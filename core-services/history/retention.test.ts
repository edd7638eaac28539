import assert from 'node:assert/strict';
import { HistoryRetention, PurgeStopped, SERIES_PER_DELETE, SERIES_PER_WALK } from './retention.js';
import { testContext, type TestContext } from './testing.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 12);

describe('history retention', () => {
  let ctx: TestContext;
  before(async () => (ctx = await testContext()));
  after(() => ctx.close());
  beforeEach(async () => {
    await ctx.store.query('DELETE FROM device_history');
    await ctx.store.query('DELETE FROM notifications');
  });

  const noPause = () => Promise.resolve();
  const retention = (days: number, pause: (ms: number) => Promise<void> = noPause) =>
    new HistoryRetention({
      store: ctx.store,
      log: ctx.log,
      retentionSeconds: days * 86_400,
      intervalSeconds: 600,
      pause,
    });
  /** One row per (tenant, device, attr, age in days). */
  const insert = async (rows: [string, string, string, number][]) => {
    for (const [i, [tenant, device, attr, ageDays]] of rows.entries()) {
      await ctx.store.query(
        'INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value) VALUES ($1, $2, $3, $4, $5, $6)',
        [tenant, device, attr, new Date(NOW - ageDays * DAY_MS), `m${i}`, JSON.stringify(ageDays)],
      );
    }
  };
  const left = async () =>
    (
      await ctx.store.query<{ tenant: string; device_id: string; attr: string; value: number }>(
        'SELECT tenant, device_id, attr, value FROM device_history ORDER BY 1, 2, 3, 4',
      )
    ).map((r) => `${r.tenant}/${r.device_id}/${r.attr}/${r.value}`);

  it('deletes the rows older than the retention in every tenant, device and attr, and keeps the rest', async () => {
    await insert([
      ['acme', 'a1', 'temp', 1],
      ['acme', 'a1', 'temp', 8],
      ['acme', 'a1', 'temp', 30],
      ['acme', 'a1', 'hum', 9],
      ['acme', 'b2', 'temp', 6.9],
      ['beta', 'a1', 'temp', 7.1],
      ['beta', 'c3', 'on', 0],
    ]);
    const result = await retention(7).purge(NOW);
    assert.equal(result.ran, true);
    assert.equal(result.historyRows, 4);
    assert.equal(result.series, 5, 'every distinct (tenant, device, attr) was visited');
    assert.deepEqual(await left(), ['acme/a1/temp/1', 'acme/b2/temp/6.9', 'beta/c3/on/0']);
    assert.equal((await retention(7).purge(NOW)).historyRows, 0, 'a second purge finds nothing more');
  });

  it('walks more series than one step of the walk reads', async () => {
    await ctx.store.query(
      `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value)
       SELECT 't' || (g % 3), 'dev' || (g / 2), 'x' || (g % 2), $1::timestamptz - make_interval(days => g % 10), 'g' || g, '0'::jsonb FROM generate_series(1, 12000) g`,
      [new Date(NOW)],
    );
    const expected = Number(
      (
        await ctx.store.query<{ n: string }>(`SELECT count(*) AS n FROM device_history WHERE ts < $1`, [
          new Date(NOW - 7 * DAY_MS),
        ])
      )[0].n,
    );
    const result = await retention(7).purge(NOW);
    assert.ok(result.series > SERIES_PER_WALK, `${result.series} series`);
    assert.equal(result.historyRows, expected);
    assert.equal(
      Number(
        (
          await ctx.store.query<{ n: string }>(`SELECT count(*) AS n FROM device_history WHERE ts < $1`, [
            new Date(NOW - 7 * DAY_MS),
          ])
        )[0].n,
      ),
      0,
    );
  });

  it('purges in small statements, each followed by a pause as long as it took', async () => {
    const series = 2 * SERIES_PER_WALK + SERIES_PER_WALK / 2;
    await ctx.store.query(
      `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value)
       SELECT 'acme', 'dev' || lpad(g::text, 6, '0'), 'x', $1::timestamptz, 'g' || g, '0'::jsonb FROM generate_series(1, $2::int) g`,
      [new Date(NOW - 30 * DAY_MS), series],
    );
    const pauses: number[] = [];
    const result = await retention(7, async (ms) => {
      pauses.push(ms);
    }).purge(NOW);
    assert.equal(result.historyRows, series);
    // The walk: two full steps, a half one, and the one that finds the end; the deletes: each
    // step's series in chunks; then the notifications, and (PGlite) the history's VACUUM.
    const walks = 4;
    const deletes = 2 * (SERIES_PER_WALK / SERIES_PER_DELETE) + Math.ceil(SERIES_PER_WALK / 2 / SERIES_PER_DELETE);
    const vacuum = ctx.store.kind === 'pglite' ? 1 : 0;
    assert.equal(pauses.length, walks + deletes + 1 + vacuum, 'a pause after every statement');
    assert.ok(
      pauses.every((ms) => ms > 0),
      `each pause is the statement's time: ${pauses.map((ms) => ms.toFixed(1)).join(' ')}`,
    );
  });

  it('stops a purge under way at its next statement when closed, keeping what it deleted', async () => {
    const series = 3 * SERIES_PER_WALK;
    await ctx.store.query(
      `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value)
       SELECT 'acme', 'dev' || lpad(g::text, 6, '0'), 'x', $1::timestamptz, 'g' || g, '0'::jsonb FROM generate_series(1, $2::int) g`,
      [new Date(NOW - 30 * DAY_MS), series],
    );
    let statements = 0;
    let closed!: Promise<void>;
    const r = retention(7, async () => {
      // Closed during the purge's third statement (the walk, then two deletes).
      if (++statements === 3) closed = r.close();
    });
    await assert.rejects(r.purge(NOW), PurgeStopped);
    await closed;
    assert.equal(statements, 3, 'no statement after close()');
    const [{ n }] = await ctx.store.query<{ n: number }>('SELECT count(*)::int AS n FROM device_history');
    assert.equal(n, series - 2 * SERIES_PER_DELETE, 'the two deletes done stay done');
  });

  it('gives the space of the rows it deleted to new rows (PGlite runs no autovacuum)', async () => {
    const size = async () =>
      Number((await ctx.store.query<{ s: string }>("SELECT pg_total_relation_size('device_history') AS s"))[0].s);
    const fill = (ageDays: number, from: number) =>
      ctx.store.query(
        `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value)
         SELECT 'acme', 'dev' || (g % 50), 'x', $1::timestamptz - make_interval(secs => g), 'g' || g, to_jsonb(g)
           FROM generate_series($2::int, $2::int + 19999) g`,
        [new Date(NOW - ageDays * DAY_MS), from],
      );
    await fill(30, 0);
    const full = await size();
    assert.equal((await retention(7).purge(NOW)).historyRows, 20_000);
    await fill(1, 20_000);
    const after = await size();
    assert.ok(after < full * 1.3, `${full} bytes, then ${after} once the expired rows were replaced`);
  });

  it('deletes old notifications too', async () => {
    for (const [i, age] of [1, 8, 20].entries()) {
      await ctx.store.query(
        "INSERT INTO notifications (tenant, msg_id, ts, subject, message) VALUES ('acme', $1, $2, 'user_notification', '\"x\"')",
        [`n${i}`, NOW - age * DAY_MS],
      );
    }
    const result = await retention(7).purge(NOW);
    assert.equal(result.notificationRows, 2);
    assert.deepEqual(
      (await ctx.store.query<{ msg_id: string }>('SELECT msg_id FROM notifications')).map((r) => r.msg_id),
      ['n0'],
    );
  });

  it('does nothing on a schedule when the retention is 0 (keep forever)', async () => {
    await insert([['acme', 'a1', 'temp', 3650]]);
    const keep = new HistoryRetention({ store: ctx.store, log: ctx.log, retentionSeconds: 0, intervalSeconds: 1 });
    keep.start();
    await new Promise((r) => setTimeout(r, 1_500));
    await keep.close();
    assert.deepEqual(await left(), ['acme/a1/temp/3650']);
  });
});
