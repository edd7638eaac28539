import assert from 'node:assert/strict';
import type { BusMessage } from '../platform/bus/index.js';
import { configureRows, deviceDataRows, Rows, timestampMs } from './rows.js';

const BUS_TS = 1_600_000_000_000;
const msg = (topic: string, value: unknown, id = 'm-1'): BusMessage => ({
  topic,
  key: null,
  value,
  id,
  timestamp: BUS_TS,
});

describe('history rows', () => {
  it('reads metadata.timestamp as dojot did: integers above 2^31−1 are ms, smaller ones seconds', () => {
    assert.equal(timestampMs(1_700_000_000_123, BUS_TS), 1_700_000_000_123);
    assert.equal(timestampMs(2 ** 31 - 1, BUS_TS), (2 ** 31 - 1) * 1000);
    assert.equal(timestampMs(1_700_000_000, BUS_TS), 1_700_000_000_000);
    assert.equal(timestampMs(1_700_000_000.25, BUS_TS), 1_700_000_000_250);
  });

  it('parses ISO strings and falls back to the bus time for anything unusable', () => {
    assert.equal(timestampMs('2024-05-06T07:08:09.010Z', BUS_TS), Date.parse('2024-05-06T07:08:09.010Z'));
    assert.equal(timestampMs('1700000000', BUS_TS), 1_700_000_000_000);
    for (const v of [undefined, null, 'not a date', true, {}, 1e300])
      assert.equal(timestampMs(v, BUS_TS), BUS_TS, String(v));
  });

  it("makes one row per attr, keeping the value's JSON type and the extra metadata", () => {
    const rows = new Rows();
    const n = deviceDataRows(
      msg('acme.device-data', {
        metadata: {
          deviceid: 'a1b2c3',
          tenant: 'acme',
          timestamp: 1_700_000_000_000,
          shouldPersist: true,
          source: 'x',
        },
        attrs: { n: 1.5, s: 'on', b: false, o: { lat: 1 }, a: [1, 2], z: null },
      }),
      rows,
    );
    assert.equal(n, 6);
    assert.deepEqual(rows.attr, ['n', 's', 'b', 'o', 'a', 'z']);
    assert.deepEqual(rows.value, ['1.5', '"on"', 'false', '{"lat":1}', '[1,2]', 'null']);
    assert.deepEqual(new Set(rows.metadata), new Set(['{"shouldPersist":true,"source":"x"}']));
    assert.deepEqual(new Set(rows.ts), new Set([1_700_000_000_000]));
    assert.deepEqual(new Set(rows.msgId), new Set(['m-1']));
    assert.deepEqual(new Set(rows.device), new Set(['a1b2c3']));
  });

  it('takes the tenant from the topic, not from what the message claims', () => {
    const rows = new Rows();
    deviceDataRows(msg('acme.device-data', { metadata: { deviceid: 'd', tenant: 'other' }, attrs: { x: 1 } }), rows);
    assert.deepEqual(rows.tenant, ['acme']);
    assert.deepEqual(rows.metadata, ['{}']);
    assert.deepEqual(rows.ts, [BUS_TS], 'no timestamp: the bus time, stable across redeliveries');
  });

  it('skips malformed device-data without throwing', () => {
    const rows = new Rows();
    for (const v of [
      null,
      'text',
      { attrs: { x: 1 } },
      { metadata: {}, attrs: { x: 1 } },
      { metadata: { deviceid: 'd' }, attrs: [1] },
      { metadata: { deviceid: 7 }, attrs: { x: 1 } },
    ]) {
      assert.equal(deviceDataRows(msg('acme.device-data', v), rows), 0, JSON.stringify(v));
    }
    assert.equal(rows.length, 0);
  });

  it('stores configure events as rows, with meta.timestamp in ms, and ignores other events', () => {
    const rows = new Rows();
    const n = configureRows(
      msg('acme.dojot.device-manager.device', {
        event: 'configure',
        meta: { service: 'acme', timestamp: 1_700_000_000_999 },
        data: { id: 'a1b2c3', attrs: { led: true } },
      }),
      rows,
    );
    assert.equal(n, 1);
    assert.deepEqual(
      [rows.tenant[0], rows.device[0], rows.attr[0], rows.value[0], rows.ts[0], rows.metadata[0]],
      ['acme', 'a1b2c3', 'led', 'true', 1_700_000_000_999, '{}'],
    );
    for (const event of ['create', 'update', 'remove']) {
      assert.equal(
        configureRows(
          msg('acme.dojot.device-manager.device', {
            event,
            meta: { service: 'acme' },
            data: { id: 'a1b2c3', attrs: { x: 1 } },
          }),
          rows,
        ),
        0,
      );
    }
  });
});
