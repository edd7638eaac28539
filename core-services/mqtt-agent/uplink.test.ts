import assert from 'node:assert/strict';
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import { MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_KEYS, toDeviceData, toEpochMs } from './uplink.js';

const NOW = 1_700_000_000_000;

describe('mqtt-agent uplink', () => {
  it('reads epoch seconds, epoch ms and ISO strings as epoch ms', () => {
    assert.equal(toEpochMs(1_700_000_000), 1_700_000_000_000);
    assert.equal(toEpochMs(1_700_000_000.5), 1_700_000_000_500);
    assert.equal(toEpochMs(1_700_000_000_123), 1_700_000_000_123);
    assert.equal(toEpochMs('1700000000'), 1_700_000_000_000);
    assert.equal(toEpochMs('2024-01-02T03:04:05.678Z'), Date.parse('2024-01-02T03:04:05.678Z'));
    assert.equal(toEpochMs('2024-01-02T03:04:05+02:00'), Date.parse('2024-01-02T01:04:05Z'));
  });

  it('finds no timestamp in text, booleans, objects or absurd numbers', () => {
    for (const v of ['soon', '', true, null, {}, [], Number.NaN, Infinity, 1e300])
      assert.equal(toEpochMs(v), null, String(v));
  });

  it("builds dojot's device-data message, keeping the timestamp key in attrs", () => {
    const msg = toDeviceData(
      'admin',
      'a1b2c3',
      Buffer.from('{"temp":20,"timestamp":1700000001}'),
      1024,
      NOW,
    ) as DeviceDataMessage;
    assert.deepEqual(msg, {
      metadata: { deviceid: 'a1b2c3', tenant: 'admin', timestamp: 1_700_000_001_000 },
      attrs: { temp: 20, timestamp: 1700000001 },
    });
  });

  it('stamps the receive time when the payload has no usable timestamp', () => {
    const a = toDeviceData('admin', 'd', '{"x":1}', 1024, NOW) as DeviceDataMessage;
    const b = toDeviceData('admin', 'd', '{"x":1,"timestamp":"never"}', 1024, NOW) as DeviceDataMessage;
    assert.equal(a.metadata.timestamp, NOW);
    assert.equal(b.metadata.timestamp, NOW);
  });

  it('names why a payload is dropped', () => {
    assert.equal(toDeviceData('admin', 'd', 'nope', 1024, NOW), 'not_json');
    assert.equal(toDeviceData('admin', 'd', '', 1024, NOW), 'not_json');
    assert.equal(toDeviceData('admin', 'd', '[{"a":1}]', 1024, NOW), 'not_object');
    assert.equal(toDeviceData('admin', 'd', 'null', 1024, NOW), 'not_object');
    assert.equal(toDeviceData('admin', 'd', '3', 1024, NOW), 'not_object');
    assert.equal(
      toDeviceData('admin', 'd', JSON.stringify({ a: 'é'.repeat(600) }), 1024, NOW),
      'too_large',
      'the limit counts bytes, not characters',
    );
  });

  it('refuses a NUL or a lone surrogate in any string or key, rather than store a changed reading', () => {
    const big = 1024 * 1024;
    assert.equal(toDeviceData('admin', 'd', '{"temperature":"a\\u0000b"}', big, NOW), 'bad_text');
    assert.equal(toDeviceData('admin', 'd', '{"a":{"b":["x","y\\u0000"]}}', big, NOW), 'bad_text');
    assert.equal(toDeviceData('admin', 'd', '{"a\\u0000":1}', big, NOW), 'bad_text');
    assert.equal(toDeviceData('admin', 'd', '{"t":"\\ud800"}', big, NOW), 'bad_text');
    assert.equal(toDeviceData('admin', 'd', '{"t":"x\\udc00"}', big, NOW), 'bad_text');
    const ok = toDeviceData('admin', 'd', '{"t":"\\ud83d\\ude00 ok"}', big, NOW) as DeviceDataMessage;
    assert.equal(ok.attrs.t, '\u{1F600} ok', 'a surrogate pair (an emoji) is text');
  });

  it('refuses a payload nested deeper than the limit, however deep', () => {
    const big = 1024 * 1024;
    const nest = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    assert.equal(
      typeof toDeviceData('admin', 'd', nest(MAX_PAYLOAD_DEPTH), big, NOW),
      'object',
      'the limit itself is fine',
    );
    assert.equal(toDeviceData('admin', 'd', nest(MAX_PAYLOAD_DEPTH + 1), big, NOW), 'too_deep');
    assert.equal(toDeviceData('admin', 'd', `{"a":${'['.repeat(40_000)}${']'.repeat(40_000)}}`, big, NOW), 'too_deep');
  });

  it('refuses a payload with more keys and array items than the limit', () => {
    const big = 1024 * 1024;
    const keys = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
    assert.equal(typeof toDeviceData('admin', 'd', keys(MAX_PAYLOAD_KEYS), big, NOW), 'object');
    assert.equal(toDeviceData('admin', 'd', keys(MAX_PAYLOAD_KEYS + 1), big, NOW), 'too_many_keys');
    assert.equal(
      toDeviceData('admin', 'd', JSON.stringify({ a: Array.from({ length: MAX_PAYLOAD_KEYS }, () => 0) }), big, NOW),
      'too_many_keys',
    );
  });
});
