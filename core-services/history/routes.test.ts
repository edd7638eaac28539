import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createHistory, type HistoryService } from './index.js';
import { FakeDevices, httpFor, testContext, type TestContext } from './testing.js';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
// dojot's history answered microseconds (`…00.000000Z`).
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/Z$/, '000Z');

describe('history API', () => {
  const devices = new FakeDevices()
    .add('acme', 'a1', ['temp', 'hum', 'mode'])
    .add('other', 'a1', ['temp'])
    .add('acme', 'empty', ['temp']);
  let ctx: TestContext;
  let history: HistoryService;
  let app: FastifyInstance;

  const data = (
    tenant: string,
    device: string,
    seconds: number,
    attrs: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) =>
    ctx.bus.publish(`${tenant}.device-data`, device, {
      metadata: { deviceid: device, tenant, timestamp: T0 + seconds * 1000, ...extra },
      attrs,
    });

  before(async () => {
    ctx = await testContext();
    history = createHistory(ctx, { devices });
    await history.start!();
    app = await httpFor(ctx, history);
    for (let s = 1; s <= 5; s++) await data('acme', 'a1', s, { temp: 20 + s }, s === 5 ? { source: 'probe' } : {});
    await data('acme', 'a1', 2, { hum: 40 });
    await data('acme', 'a1', 4, { hum: 'high', note: ' ' });
    await data('acme', 'gone', 1, { level: [1, 2] });
    await data('other', 'a1', 9, { temp: -1 });
    await ctx.bus.drained();
  });
  after(async () => {
    await app.close();
    await history.close!();
    await ctx.close();
  });

  const get = async (url: string, tenant = 'acme') => {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-tenant': tenant } });
    return { status: res.statusCode, body: res.json() };
  };
  const values = (entries: { value: unknown }[]) => entries.map((e) => e.value);

  it('answers one attr with an array of entries, newest first', async () => {
    const { status, body } = await get('/history/device/a1/history?attr=temp');
    assert.equal(status, 200);
    assert.ok(Array.isArray(body));
    assert.deepEqual(values(body), [25, 24, 23, 22, 21]);
    assert.deepEqual(body[0], { device_id: 'a1', ts: at(5), value: 25, attr: 'temp', metadata: { source: 'probe' } });
    assert.deepEqual(Object.keys(body[1]), ['device_id', 'ts', 'value', 'attr', 'metadata']);
  });

  it('answers as CSV with format=csv or Accept: text/csv, the same rows as the JSON', async () => {
    const csv = await app.inject({
      method: 'GET',
      url: '/history/device/a1/history?attr=temp,hum&lastN=2&format=csv',
      headers: { 'x-tenant': 'acme' },
    });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.headers['content-disposition'], 'attachment; filename="a1-history.csv"');
    assert.equal(
      csv.body,
      [
        'device_id,attr,ts,value,metadata',
        `a1,temp,${at(5)},25,"{""source"":""probe""}"`,
        `a1,temp,${at(4)},24,`,
        `a1,hum,${at(4)},high,`,
        `a1,hum,${at(2)},40,`,
        '',
      ].join('\r\n'),
    );
    const negotiated = await app.inject({
      method: 'GET',
      url: '/history/device/a1/history?attr=temp&lastN=1',
      headers: { 'x-tenant': 'acme', accept: 'text/csv' },
    });
    assert.equal(negotiated.body.split('\r\n')[1], `a1,temp,${at(5)},25,"{""source"":""probe""}"`);
    const bad = await get('/history/device/a1/history?attr=temp&format=xml');
    assert.equal(bad.status, 400);
    assert.match(bad.body.description, /"format" parameter is invalid.*"json" or "csv"/);
    assert.equal((await get('/history/device/nope/history?format=csv')).status, 404);
  });

  it('answers lastN with the newest N, firstN with the oldest N, and lets firstN win', async () => {
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp&lastN=2')).body), [25, 24]);
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp&firstN=2')).body), [21, 22]);
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp&firstN=2&lastN=3')).body), [21, 22]);
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp&hLimit=3')).body), [25, 24, 23]);
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp&lastN=1&hLimit=3')).body), [25]);
  });

  it('bounds entries by dateFrom and dateTo, inclusive, given as ISO dates or epoch time', async () => {
    assert.deepEqual(
      values((await get(`/history/device/a1/history?attr=temp&dateFrom=${at(2)}&dateTo=${at(4)}`)).body),
      [24, 23, 22],
    );
    assert.deepEqual(
      values((await get(`/history/device/a1/history?attr=temp&dateFrom=${(T0 + 4000) / 1000}`)).body),
      [25, 24],
    );
    assert.deepEqual(values((await get(`/history/device/a1/history?attr=temp&dateTo=${T0 + 1000}`)).body), [21]);
    assert.deepEqual(values((await get(`/history/device/a1/history?attr=temp&dateFrom=${at(2)}&firstN=1`)).body), [22]);
  });

  it('answers a list of attrs (repeated or comma-separated) with an object, empty arrays included', async () => {
    const repeated = await get('/history/device/a1/history?attr=hum&attr=mode&lastN=1');
    assert.equal(repeated.status, 200);
    assert.deepEqual(Object.keys(repeated.body), ['hum', 'mode']);
    assert.deepEqual(values(repeated.body.hum), ['high']);
    assert.deepEqual(repeated.body.mode, []);
    const csv = await get('/history/device/a1/history?attr=temp,hum&firstN=1');
    assert.deepEqual(Object.keys(csv.body), ['temp', 'hum']);
    assert.deepEqual([values(csv.body.temp), values(csv.body.hum)], [[21], [40]]);
  });

  it('answers no attr with every attr of the device, from the device manager', async () => {
    const { status, body } = await get('/history/device/a1/history?lastN=1');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body), ['temp', 'hum', 'mode']);
    assert.deepEqual([values(body.temp), values(body.hum), body.mode], [[25], ['high'], []]);
  });

  it('keeps answering for a removed device whose data is still stored', async () => {
    const { status, body } = await get('/history/device/gone/history');
    assert.equal(status, 200);
    assert.deepEqual(body, { level: [{ device_id: 'gone', ts: at(1), value: [1, 2], attr: 'level', metadata: {} }] });
  });

  it('skips values that are a single space, as dojot did', async () => {
    assert.equal((await get('/history/device/a1/history?attr=note')).status, 404);
  });

  it('answers 404 "Attr not found" for a single attr without data', async () => {
    for (const url of [
      '/history/device/a1/history?attr=mode',
      '/history/device/empty/history?attr=temp',
      `/history/device/a1/history?attr=temp&dateFrom=${at(6)}`,
    ]) {
      const { status, body } = await get(url);
      assert.equal(status, 404, url);
      assert.deepEqual(body, {
        title: 'Attr not found',
        description: 'No data for the given attribute could be found',
        error: 'No data for the given attribute could be found',
        code: 'HISTORY_ATTR_NOT_FOUND',
      });
    }
  });

  it('answers 404 "Device not found" for an unknown device', async () => {
    const { status, body } = await get('/history/device/nope/history?attr=temp');
    assert.equal(status, 404);
    assert.deepEqual(body, {
      title: 'Device not found',
      description: 'No data for the given device could be found',
      error: 'No data for the given device could be found',
      code: 'HISTORY_DEVICE_NOT_FOUND',
    });
  });

  it('keeps each tenant to its own devices and data', async () => {
    assert.deepEqual(values((await get('/history/device/a1/history?attr=temp', 'other')).body), [-1]);
    assert.equal((await get('/history/device/gone/history', 'other')).status, 404);
    assert.equal((await get('/history/device/a1/history?attr=temp', 'nobody')).status, 404);
    assert.equal((await get('/device/a1/latest', 'nobody')).status, 404);
    assert.deepEqual((await get('/device/a1/latest', 'other')).body, {
      device_id: 'a1',
      attrs: { temp: { value: -1, ts: at(9) } },
    });
  });

  it('answers 400 naming the parameter for a bad N or a bad date', async () => {
    for (const [query, param] of [
      ['attr=temp&lastN=abc', 'lastN'],
      ['attr=temp&firstN=0', 'firstN'],
      ['attr=temp&hLimit=-3', 'hLimit'],
      ['attr=temp&lastN=1.5', 'lastN'],
      ['attr=temp&lastN=1&lastN=2', 'lastN'],
      ['attr=temp&dateFrom=yesterday', 'dateFrom'],
      ['attr=temp&dateTo=2024-13-45', 'dateTo'],
      ['attr=,', 'attr'],
    ]) {
      const { status, body } = await get(`/history/device/a1/history?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.code, 'HISTORY_INVALID_PARAM', query);
      assert.match(body.error, new RegExp(`"${param}"`), query);
      assert.equal(body.title, 'Invalid parameter');
    }
  });

  it('answers /device/:id/latest with the newest value and time of each attr', async () => {
    const { status, body } = await get('/device/a1/latest');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      device_id: 'a1',
      attrs: { hum: { value: 'high', ts: at(4) }, note: { value: ' ', ts: at(4) }, temp: { value: 25, ts: at(5) } },
    });
    assert.deepEqual((await get('/device/empty/latest')).body, { device_id: 'empty', attrs: {} });
  });

  it('answers /device/:id/latest for an unknown device with 404', async () => {
    const { status, body } = await get('/device/nope/latest');
    assert.equal(status, 404);
    assert.equal(body.code, 'HISTORY_NO_SUCH_DEVICE');
    assert.equal(body.error, 'No such device: nope');
  });
});
