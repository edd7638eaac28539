// GET /history/notifications/history (§4.2) over the real persister, store and routes: newest
// first, at most ten, filtered on subject or metaAttrsFilter keys, scoped by tenant.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createHistory, type HistoryService } from './index.js';
import { FakeDevices, httpFor, testContext, type TestContext } from './testing.js';

describe('notifications history', () => {
  let ctx: TestContext;
  let history: HistoryService;
  let app: FastifyInstance;

  const notify = (tenant: string, n: number, meta: Record<string, unknown>, subject = 'user_notification') =>
    ctx.bus.publish(`${tenant}.dojot.notifications`, null, {
      msgID: `${tenant}-${n}`,
      timestamp: 1_700_000_000_000 + n,
      message: `m${n}`,
      metaAttrsFilter: meta,
      subject,
    });

  before(async () => {
    ctx = await testContext();
    history = createHistory(ctx, { devices: new FakeDevices() });
    await history.start!();
    app = await httpFor(ctx, history);
    for (let n = 1; n <= 12; n++) await notify('acme', n, { shouldPersist: true, level: n % 2 ? 'odd' : 'even', n });
    await notify('acme', 13, { shouldPersist: false, level: 'odd' });
    await notify('acme', 14, { level: 'odd' });
    await notify('acme', 15, { shouldPersist: true, level: 'odd' }, 'other');
    await notify('acme', 15, { shouldPersist: true, level: 'odd' }, 'other');
    await notify('beta', 1, { shouldPersist: true, level: 'odd' });
    await ctx.bus.drained();
  });
  after(async () => {
    await app.close();
    await history.close!();
    await ctx.close();
  });

  const get = async (query = '', tenant = 'acme') => {
    const res = await app.inject({
      method: 'GET',
      url: `/history/notifications/history${query}`,
      headers: { 'x-tenant': tenant },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const ids = (body: { notifications: { msgID: string }[] }) => body.notifications.map((n) => n.msgID);

  it("lists the ten newest persisted notifications of the tenant, once each, in dojot's shape", async () => {
    const { status, body } = await get();
    assert.equal(status, 200);
    assert.deepEqual(ids(body), [
      'acme-15',
      'acme-12',
      'acme-11',
      'acme-10',
      'acme-9',
      'acme-8',
      'acme-7',
      'acme-6',
      'acme-5',
      'acme-4',
    ]);
    assert.deepEqual(body.notifications[1], {
      msgID: 'acme-12',
      metaAttrsFilter: { shouldPersist: true, level: 'even', n: 12 },
      message: 'm12',
      subject: 'user_notification',
      ts: new Date(1_700_000_000_012).toISOString().replace(/Z$/, '000Z'), // ISO with microseconds, as dojot answered
    });
  });

  it('filters on subject and on metaAttrsFilter keys, a quoted value as a string and a bare one as an integer', async () => {
    assert.deepEqual(ids((await get('?subject="other"')).body), ['acme-15']);
    assert.deepEqual(ids((await get('?level="even"&n=4')).body), ['acme-4']);
    assert.deepEqual(ids((await get('?n="4"')).body), []);
    assert.deepEqual(ids((await get('?level="odd"&subject="user_notification"')).body), [
      'acme-11',
      'acme-9',
      'acme-7',
      'acme-5',
      'acme-3',
      'acme-1',
    ]);
  });

  it('shows another tenant only its own notifications', async () => {
    assert.deepEqual(ids((await get('', 'beta')).body), ['beta-1']);
    assert.deepEqual(ids((await get('', 'gamma')).body), []);
  });
});
