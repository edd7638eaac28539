// Wrong input gets a clear 4xx with {"error"}, nothing stored is lost or half-written, and the
// platform keeps serving — over REST and over MQTT.
import assert from 'node:assert/strict';
import net from 'node:net';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('bad input', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let jwt: string;
  let templateId: number;
  let device: string;

  before(async () => {
    p = await startTestPlatform({ DOJOT_HTTP_BODY_LIMIT: '4096', DOJOT_MQTT_PAYLOAD_LIMIT: '1024' });
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }],
    });
    templateId = t.body.template.id;
    device = (await p.api(jwt, 'POST', '/device', { label: 'd', templates: [templateId] })).body.devices[0].id;
  });
  after(async () => p?.close());

  const deviceCount = async () =>
    (await p.api(jwt, 'GET', '/device?idsOnly=true&page_size=1000')).body.length as number;

  it('answers wrong bodies with a 4xx JSON error naming the problem', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/template', '{"label": "x", ', 400, /JSON/],
      ['POST', '/template', { attrs: [] }, 400, /label/],
      ['POST', '/template', { label: 'x', attrs: 'temperature' }, 400, /attrs/],
      [
        'POST',
        '/template',
        { label: 'x', attrs: [{ label: 'bad label!', type: 'dynamic', value_type: 'float' }] },
        400,
        /label/,
      ],
      ['POST', '/device', { label: 'x', templates: [999999] }, 404, /999999/],
      ['POST', '/device', { label: 'x', templates: 'nope' }, 400, /templates/],
      ['POST', '/device', { label: 42, templates: [] }, 400, /label/],
      ['POST', '/device?count=abc', { label: 'x', templates: [] }, 400, /count/],
      ['GET', '/device?page_size=0', undefined, 400, /entry per page/],
      ['GET', '/device?page_num=0', undefined, 400, /greater than 1/],
      ['GET', '/device/zzzzzz', undefined, 404, /zzzzzz/],
      ['PUT', `/device/${'x'}/actuate`, { attrs: { fan: 1 } }, 404, /x/],
      ['GET', `/history/device/${'DEVICE'}/history?lastN=abc&attr=temperature`, undefined, 400, /lastN/],
      [
        'GET',
        `/history/device/${'DEVICE'}/history?dateFrom=yesterday-ish&attr=temperature`,
        undefined,
        400,
        /dateFrom/,
      ],
      ['GET', `/history/device/${'DEVICE'}/history?lastN=1&attr=nosuchattr`, undefined, 404, /Attr not found|No data/],
    ];
    for (const [method, rawUrl, body, status, msg] of cases) {
      const url = rawUrl.replace('DEVICE', device);
      const res = await p.api(jwt, method, url, body);
      assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string', `${method} ${url} has {"error"}`);
      assert.match(JSON.stringify(res.body), msg, `${method} ${url}`);
    }
  });

  it('refuses an oversized body with 413', async () => {
    const res = await p.api(jwt, 'POST', '/template', { label: 'x'.repeat(10_000), attrs: [] });
    assert.equal(res.status, 413);
    assert.ok(res.body.error);
  });

  it('creates nothing when one of several devices cannot be created', async () => {
    const before = await deviceCount();
    const res = await p.api(jwt, 'POST', '/device?count=3', { label: 'many', templates: [templateId, 424242] });
    assert.equal(res.status, 404);
    assert.equal(await deviceCount(), before);
  });

  it('refuses to delete a template in use and keeps it', async () => {
    const res = await p.api(jwt, 'DELETE', `/template/${templateId}`);
    assert.equal(res.status, 400);
    assert.ok(res.body.error);
    assert.equal((await p.api(jwt, 'GET', `/template/${templateId}`)).status, 200);
  });

  it('drops bad MQTT payloads without harm and keeps serving the device', async () => {
    const c = await connectDevice(p.mqttPort!, `admin:${device}`);
    for (const payload of [
      'not json',
      '[1,2,3]',
      '"a string"',
      '42',
      'null',
      JSON.stringify({ temperature: 'x'.repeat(2000) }),
    ]) {
      await c.publishAsync(`admin:${device}/attrs`, payload, { qos: 1 });
    }
    await c.publishAsync(`admin:${device}/attrs`, JSON.stringify({ temperature: 7 }), { qos: 1 });
    await c.endAsync();
    const hist = await eventually(
      () => p.api(jwt, 'GET', `/history/device/${device}/history?attr=temperature`),
      (r) => r.status === 200,
    );
    assert.deepEqual(
      hist.body.map((e: any) => e.value),
      [7],
    );
  });

  it('survives garbage on the MQTT port and still accepts devices', async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect(p.mqttPort!, '127.0.0.1', () => {
        s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03]));
        s.write('GET / HTTP/1.1\r\n\r\n');
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000);
    });
    const c = await connectDevice(p.mqttPort!, `admin:${device}`);
    await c.endAsync();
    assert.equal((await p.api(jwt, 'GET', '/device')).status, 200);
  });
});
