import assert from 'node:assert/strict';
import type { Row, Sql } from '../platform/store/index.js';
import { Persister } from './persister.js';
import { testContext, type TestContext } from './testing.js';

interface Stored {
  tenant: string;
  device_id: string;
  attr: string;
  ts: Date;
  value: unknown;
  metadata: unknown;
}

describe('history persister', () => {
  let ctx: TestContext;
  before(async () => (ctx = await testContext()));
  after(() => ctx.close());
  beforeEach(() => ctx.store.query('DELETE FROM device_history'));

  const stored = () =>
    ctx.store.query<Stored>(
      'SELECT tenant, device_id, attr, ts, value, metadata FROM device_history ORDER BY tenant, device_id, attr, ts',
    );

  async function withPersister(sql: Sql, fn: (p: Persister) => Promise<void>): Promise<void> {
    const p = new Persister({ bus: ctx.bus, sql, log: ctx.log, batchRows: 500, flushMs: 5 });
    await p.start();
    try {
      await fn(p);
    } finally {
      await p.close();
    }
  }

  it("stores every tenant's device-data, one row per attr, with JSON types and ts kept", async () => {
    await withPersister(ctx.store, async () => {
      await ctx.bus.publish('acme.device-data', 'a1', {
        metadata: { deviceid: 'a1', tenant: 'acme', timestamp: 1_700_000_000_500, extra: 1 },
        attrs: { t: 20.5, s: 'x', o: { k: [1] } },
      });
      await ctx.bus.publish('other.device-data', 'b2', {
        metadata: { deviceid: 'b2', tenant: 'other', timestamp: 1_700_000_001 },
        attrs: { on: true },
      });
      await ctx.bus.drained();
    });
    const rows = await stored();
    assert.deepEqual(
      rows.map((r) => [r.tenant, r.device_id, r.attr, r.ts.toISOString(), r.value, r.metadata]),
      [
        ['acme', 'a1', 'o', '2023-11-14T22:13:20.500Z', { k: [1] }, { extra: 1 }],
        ['acme', 'a1', 's', '2023-11-14T22:13:20.500Z', 'x', { extra: 1 }],
        ['acme', 'a1', 't', '2023-11-14T22:13:20.500Z', 20.5, { extra: 1 }],
        ['other', 'b2', 'on', '2023-11-14T22:13:21.000Z', true, {}],
      ],
    );
  });

  it('stores configure events so actuations appear in history', async () => {
    await withPersister(ctx.store, async () => {
      await ctx.bus.publish('acme.dojot.device-manager.device', 'a1', {
        event: 'configure',
        meta: { service: 'acme', timestamp: 1_700_000_000_000 },
        data: { id: 'a1', attrs: { led: 'on' } },
      });
      await ctx.bus.publish('acme.dojot.device-manager.device', 'a1', {
        event: 'update',
        meta: { service: 'acme' },
        data: { id: 'a1', attrs: {} },
      });
      await ctx.bus.drained();
    });
    assert.deepEqual(
      (await stored()).map((r) => [r.device_id, r.attr, r.value]),
      [['a1', 'led', 'on']],
    );
  });

  it('does not duplicate rows when the bus redelivers a batch', async () => {
    // The first INSERT commits and then "fails" (as if the connection died before the answer):
    // the bus redelivers the whole batch and the second INSERT must add nothing.
    let failures = 1;
    const flaky: Sql = {
      query: async <T = Row>(text: string, params?: unknown[]) => {
        const res = await ctx.store.query<T>(text, params);
        if (text.startsWith('INSERT') && failures-- > 0) throw new Error('connection lost after commit');
        return res;
      },
      exec: (s) => ctx.store.exec(s),
    };
    await withPersister(flaky, async () => {
      for (let i = 0; i < 20; i++)
        await ctx.bus.publish('acme.device-data', 'a1', {
          metadata: { deviceid: 'a1', tenant: 'acme' },
          attrs: { seq: i, v: 'x' },
        });
      await ctx.bus.drained();
    });
    assert.ok(failures < 0, 'the failure happened');
    const rows = await stored();
    assert.equal(rows.length, 40);
    assert.deepEqual(
      rows
        .filter((r) => r.attr === 'seq')
        .map((r) => r.value)
        .sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('skips malformed messages without blocking the ones after them', async () => {
    await withPersister(ctx.store, async (p) => {
      await ctx.bus.publish('acme.device-data', 'a1', 'not an object');
      await ctx.bus.publish('acme.device-data', 'a1', { attrs: { x: 1 } });
      await ctx.bus.publish('acme.device-data', 'a1', { metadata: { deviceid: 'a1' }, attrs: { x: 1 } });
      await ctx.bus.drained();
      assert.equal(p.skipped, 2);
    });
    assert.equal((await stored()).length, 1);
  });

  it('writes pending rows before close() returns', async () => {
    const p = new Persister({ bus: ctx.bus, sql: ctx.store, log: ctx.log, batchRows: 500, flushMs: 60_000 });
    await p.start();
    await ctx.bus.publish('acme.device-data', 'a1', { metadata: { deviceid: 'a1' }, attrs: { x: 1 } });
    await new Promise((r) => setImmediate(r));
    await p.close();
    assert.equal((await stored()).length, 1);
  });
});
