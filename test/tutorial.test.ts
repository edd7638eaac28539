// dojot's own walkthrough ("Using API interface" of its docs), with curl's calls made by fetch and
// the device played by the real mosquitto_pub / mosquitto_sub clients. The README's own
// walk-through runs as written in readme-walkthrough.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe("dojot's API walkthrough", function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let jwt: string;
  let templateId: number;
  let device: string;

  before(async () => {
    p = await startTestPlatform();
  });
  after(async () => p?.close());

  it('1. POST /auth returns {jwt}', async () => {
    const res = await p.api(null, 'POST', '/auth', { username: 'admin', passwd: 'admin' });
    assert.equal(res.status, 200);
    jwt = res.body.jwt;
    assert.ok(jwt);
  });

  it('2. POST /template returns {result:"ok", template} with attrs, data_attrs and config_attrs', async () => {
    const res = await p.api(jwt, 'POST', '/template', {
      label: 'Thermometer Template',
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'float' },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result, 'ok');
    const t = res.body.template;
    assert.equal(t.label, 'Thermometer Template');
    assert.deepEqual(
      t.attrs.map((a: any) => a.label),
      ['temperature', 'fan'],
    );
    assert.equal(t.data_attrs.length, 2);
    assert.deepEqual(t.config_attrs, []);
    templateId = t.id;
  });

  it('3. POST /device returns {message, devices:[{id, label}]}', async () => {
    const res = await p.api(jwt, 'POST', '/device', { templates: [String(templateId)], label: 'device' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'devices created');
    assert.equal(res.body.devices.length, 1);
    assert.deepEqual(Object.keys(res.body.devices[0]).sort(), ['id', 'label']);
    device = res.body.devices[0].id;
    assert.match(device, /^[0-9a-f]{5,6}$/);
  });

  it('4. GET /device lists it with pagination', async () => {
    const res = await p.api(jwt, 'GET', '/device');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.pagination, { page: 1, total: 1, has_next: false, next_page: null });
    assert.equal(res.body.devices[0].id, device);
    assert.deepEqual(res.body.devices[0].templates, [templateId]);
  });

  it('5–6. mosquitto_pub of {"temperature": 10.6} shows in GET /history, newest first', async () => {
    for (const value of [10.6, 11.2, 12.9]) {
      const pub = await run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(p.mqttPort),
        '-u',
        `admin:${device}`,
        '-t',
        `admin:${device}/attrs`,
        '-m',
        JSON.stringify({ temperature: value }),
        '-q',
        '1',
      ]);
      assert.equal(pub.code, 0, pub.stderr);
    }
    let res: { status: number; body: any } | undefined;
    for (let i = 0; i < 100; i++) {
      res = await p.api(jwt, 'GET', `/history/device/${device}/history?lastN=3&attr=temperature`);
      if (res.status === 200 && res.body.length === 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(res!.status, 200, JSON.stringify(res!.body));
    assert.deepEqual(
      res!.body.map((e: any) => e.value),
      [12.9, 11.2, 10.6],
    );
    for (const e of res!.body) {
      assert.equal(e.device_id, device);
      assert.equal(e.attr, 'temperature');
      assert.match(e.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'microseconds, as dojot wrote them');
    }
  });

  it('7. mosquitto_sub on the config topic receives {"fan":100} after PUT /device/:id/actuate', async () => {
    const sub = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(p.mqttPort),
      '-u',
      `admin:${device}`,
      '-t',
      `admin:${device}/config`,
      '-C',
      '1',
      '-W',
      '20',
      '-d',
    ]);
    let out = '';
    let debug = '';
    sub.stdout.on('data', (d) => (out += d));
    sub.stderr.on('data', (d) => (debug += d));
    // -d prints the SUBACK: actuate only once the subscription is in place.
    for (let i = 0; i < 200 && !/SUBACK/.test(out + debug); i++) await new Promise((r) => setTimeout(r, 10));
    const exited = new Promise<number | null>((resolve) => sub.once('exit', resolve));
    const res = await p.api(jwt, 'PUT', `/device/${device}/actuate`, { attrs: { fan: 100 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { ' status': 'configuration sent to device' });
    assert.equal(await exited, 0, debug);
    const payload = out.split('\n').find((l) => l.startsWith('{'));
    assert.deepEqual(JSON.parse(payload!), { fan: 100 });
  });
});
