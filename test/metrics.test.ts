// GET /metrics: Prometheus' text format over real HTTP. After a device publishes over MQTT and a
// message is set aside as a dead letter, the counters show it; labels carry route patterns and
// subjects, never a device id or a raw URL. Who may read it: loopback clients, or whoever carries
// DOJOT_METRICS_TOKEN when it is set.
import assert from 'node:assert/strict';
import os from 'node:os';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

/** The sum of every sample of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
    found = true;
  }
  return found ? sum : NaN;
}

/** An address of this machine other than loopback, or null. */
function outsideAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  return null;
}

describe('/metrics', function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let admin: string;
  let device: string;

  const scrape = async (base = p.httpUrl, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  before(async () => {
    // Listening on every address, so that a client from outside loopback can be tried.
    p = await startTestPlatform({ DOJOT_HTTP_HOST: '0.0.0.0' });
    admin = await p.login();
    const t = await p.api(admin, 'POST', '/template', {
      label: 'metered',
      attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }],
    });
    const d = await p.api(admin, 'POST', '/device', { label: 'metered-1', templates: [t.body.template.id] });
    device = d.body.devices[0].id;
  });
  after(async () => p?.close());

  it('counts MQTT messages, bus traffic, dead letters and HTTP latency per route', async () => {
    const before = await scrape();
    assert.equal(before.status, 200, before.text);
    assert.match(before.type, /^text\/plain; version=0\.0\.4/);
    const inBefore = sample(before.text, 'dojot_mqtt_messages_in_total');
    const dataBefore = sample(before.text, 'dojot_bus_messages_published_total', { subject: 'device-data' }) || 0;
    const lettersBefore =
      sample(before.text, 'dojot_dead_letters_total', { tenant: 'admin', consumer: 'kafka2ftp' }) || 0;

    const c = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      for (const temperature of [20, 21, 22])
        await c.publishAsync(`admin:${device}/attrs`, JSON.stringify({ temperature }), { qos: 1 });
      // A connection is counted while it is open (MQTT workers report their counts every 250 ms).
      const open = await eventually(scrape, (r) => sample(r.text, 'dojot_mqtt_connections') >= 1);
      assert.ok(sample(open.text, 'dojot_mqtt_connections') >= 1, 'the connection is counted');
    } finally {
      await c.endAsync();
    }
    // A message no consumer can handle (a file in an encoding that does not exist): a dead letter.
    await p.bus.publish('admin.dojot.ftp', null, { data: { filename: 'x.txt', encoding: 'klingon', content: 'x' } });
    // History stores the readings (its consumer counts them) and the letter is kept.
    await eventually(
      async () => (await p.api(admin, 'GET', `/history/device/${device}/history?lastN=3&attr=temperature`)).body,
      (b: unknown) => Array.isArray(b) && b.length === 3,
      10_000,
    );
    const after = await eventually(
      () => scrape(),
      (s) =>
        sample(s.text, 'dojot_mqtt_messages_in_total') === inBefore + 3 &&
        (sample(s.text, 'dojot_dead_letters_total', { tenant: 'admin', consumer: 'kafka2ftp' }) || 0) > lettersBefore &&
        sample(s.text, 'dojot_dead_letters_stored', { tenant: 'admin', consumer: 'kafka2ftp' }) >= 1,
      10_000,
    );
    const text = after.text;
    assert.equal(sample(text, 'dojot_mqtt_messages_in_total'), inBefore + 3);
    assert.ok(sample(text, 'dojot_bus_messages_published_total', { subject: 'device-data' }) >= dataBefore + 3);
    assert.ok(sample(text, 'dojot_bus_messages_consumed_total', { subject: 'device-data', consumer: 'history' }) >= 3);
    assert.ok(sample(text, 'dojot_bus_batch_size_count', { consumer: 'history' }) >= 1);
    assert.ok(
      sample(text, 'dojot_dead_letters_total', { tenant: 'admin', consumer: 'kafka2ftp' }) >= lettersBefore + 1,
    );
    assert.ok(!Number.isNaN(sample(text, 'dojot_bus_consumer_lag_messages', { consumer: 'history' })));
    // HTTP latency under the route's pattern: the device id itself never becomes a label.
    assert.ok(
      sample(text, 'dojot_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/history/device/:id/history',
        status: '200',
      }) >= 1,
      text
        .split('\n')
        .filter((l) => l.startsWith('dojot_http_request_duration_seconds_count'))
        .join('\n'),
    );
    assert.ok(!text.includes(device), 'a device id appears in the metrics');
    // Runtimes by state (the admin tenant's runtime, whatever its state, is one of them).
    assert.ok(!Number.isNaN(sample(text, 'dojot_runtimes', { state: 'running' })));
    assert.ok(sample(text, 'dojot_process_resident_memory_bytes') > 0);
  });

  it("keeps names a tenant runtime chose out of the labels (a dead letter's consumer)", async () => {
    const evil = `evil-${Date.now().toString(36)}`;
    const before =
      sample((await scrape()).text, 'dojot_dead_letters_total', { tenant: 'admin', consumer: 'other' }) || 0;
    // What a tenant runtime on Kafka publishes: its own letter, naming any consumer it likes.
    await p.bus.publish('admin.dojot-red.dead-letters', null, { consumer: evil, reason: 'x', value: { a: 1 } });
    const after = await eventually(
      () => scrape(),
      (s) => (sample(s.text, 'dojot_dead_letters_total', { tenant: 'admin', consumer: 'other' }) || 0) > before,
      10_000,
    );
    assert.ok(!after.text.includes(evil), 'a name a runtime chose became a label');
    assert.ok(sample(after.text, 'dojot_dead_letters_stored', { tenant: 'admin', consumer: 'other' }) >= 1);
  });

  it('labels an unknown URL by no route, not by the URL', async () => {
    const res = await fetch(`${p.httpUrl}/nowhere-${'x'.repeat(20)}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(res.status, 404);
    const { text } = await scrape();
    assert.ok(!text.includes('nowhere-'), 'a raw URL became a label');
    assert.ok(sample(text, 'dojot_http_request_duration_seconds_count', { route: '(no route)', status: '404' }) >= 1);
  });

  it('answers only loopback clients when no scrape token is set', async function () {
    const address = outsideAddress();
    if (!address) throw new Error('this machine has no address outside loopback to try /metrics from');
    const res = await scrape(`http://${address}:${p.httpPort}`);
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(JSON.parse(res.text).code, 'METRICS_LOOPBACK_ONLY');
    // A forwarded header does not make a client local.
    const forwarded = await scrape(`http://${address}:${p.httpPort}`, { 'x-forwarded-for': '127.0.0.1' });
    assert.equal(forwarded.status, 403);
  });

  describe('with DOJOT_METRICS_TOKEN', () => {
    let q: TestPlatform;
    const token = 'scrape-token-0123456789abcdef';
    before(async () => {
      q = await startTestPlatform({ DOJOT_METRICS_TOKEN: token });
    });
    after(async () => q?.close());

    it('asks every client, loopback too, for the token', async () => {
      const none = await scrape(q.httpUrl);
      assert.equal(none.status, 401);
      assert.equal(JSON.parse(none.text).code, 'METRICS_TOKEN_REQUIRED');
      assert.equal((await scrape(q.httpUrl, { authorization: `Bearer ${token}x` })).status, 401);
      // A platform token is not the scrape token.
      assert.equal((await scrape(q.httpUrl, { authorization: `Bearer ${await q.login()}` })).status, 401);
      const ok = await scrape(q.httpUrl, { authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200);
      assert.ok(sample(ok.text, 'dojot_mqtt_connections') >= 0);
    });
  });
});
