// A user of one tenant can never read, change or learn of another tenant's resources, over REST
// or MQTT (404, not 403, for another tenant's ids).
import assert from 'node:assert/strict';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('tenant isolation', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let admin: string;
  let beta: string;
  let aTemplate: number;
  let aDevice: string;
  let bDevice: string;

  const makeDevice = async (token: string, label: string) => {
    const t = await p.api(token, 'POST', '/template', {
      label: `${label}-t`,
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'integer' },
      ],
    });
    const d = await p.api(token, 'POST', '/device', { label, templates: [t.body.template.id] });
    return { template: t.body.template.id as number, device: d.body.devices[0].id as string };
  };

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
    const created = await p.api(admin, 'POST', '/auth/user', {
      username: 'bea',
      service: 'beta',
      email: 'bea@beta.io',
      name: 'Bea',
      profile: 'admin',
      passwd: 'beapass',
    });
    assert.equal(created.status, 200);
    beta = await p.login('bea', 'beapass');
    ({ template: aTemplate, device: aDevice } = await makeDevice(admin, 'a-dev'));
    ({ device: bDevice } = await makeDevice(beta, 'b-dev'));
  });
  after(async () => p?.close());

  it("answers 404 to every REST call on another tenant's device or template", async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', `/device/${aDevice}`],
      ['PUT', `/device/${aDevice}`, { label: 'x', templates: [] }],
      ['DELETE', `/device/${aDevice}`],
      ['PUT', `/device/${aDevice}/actuate`, { attrs: { fan: 1 } }],
      ['GET', `/history/device/${aDevice}/history?lastN=1&attr=temperature`],
      ['GET', `/device/${aDevice}/latest`],
      ['GET', `/template/${aTemplate}`],
      ['PUT', `/template/${aTemplate}`, { label: 'x', attrs: [] }],
      ['DELETE', `/template/${aTemplate}`],
      ['GET', `/device/template/${aTemplate}`],
    ];
    for (const [method, url, body] of calls) {
      const res = await p.api(beta, method, url, body);
      assert.equal(res.status, 404, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error, `${method} ${url} has an error message`);
    }
    assert.equal((await p.api(admin, 'GET', `/device/${aDevice}`)).status, 200, "A's device is untouched");
  });

  it("never lists another tenant's devices or templates", async () => {
    const devices = await p.api(beta, 'GET', '/device');
    assert.deepEqual(
      devices.body.devices.map((d: any) => d.id),
      [bDevice],
    );
    const templates = await p.api(beta, 'GET', '/template');
    assert.ok(!templates.body.templates.some((t: any) => t.id === aTemplate));
  });

  it("refuses an MQTT connection that names another tenant's device", async () => {
    await assert.rejects(connectDevice(p.mqttPort!, `beta:${aDevice}`));
    await assert.rejects(connectDevice(p.mqttPort!, `admin:${bDevice}`));
    await assert.rejects(connectDevice(p.mqttPort!, `admin:ffffff`));
    await assert.rejects(connectDevice(p.mqttPort!, 'no-colon'));
  });

  it('keeps a device from publishing as another device', async () => {
    const b = await connectDevice(p.mqttPort!, `beta:${bDevice}`);
    const closed = new Promise<void>((resolve) => b.once('close', () => resolve()));
    b.publish(`admin:${aDevice}/attrs`, JSON.stringify({ temperature: 666 }), { qos: 1 });
    await Promise.race([closed, sleep(2000)]);
    b.end(true);
    await sleep(200); // deliberately a fixed time: the refused reading never reaches the history
    const hist = await p.api(admin, 'GET', `/history/device/${aDevice}/history?attr=temperature`);
    assert.equal(hist.status, 404, JSON.stringify(hist.body));
  });

  it("keeps a device from reading another device's configuration", async () => {
    const b = await connectDevice(p.mqttPort!, `beta:${bDevice}`);
    // A refused subscription comes back in the SUBACK as 128 (failure), which mqtt.js rejects.
    for (const topic of [`admin:${aDevice}/config`, '#', `beta:${bDevice}/#`]) {
      await assert.rejects(b.subscribeAsync(topic, { qos: 1 }), /Subscribe error/, topic);
    }
    let leaked = false;
    b.on('message', () => (leaked = true));
    assert.equal((await p.api(admin, 'PUT', `/device/${aDevice}/actuate`, { attrs: { fan: 1 } })).status, 200);
    await sleep(300); // deliberately a fixed time: nothing leaks to b meanwhile
    assert.equal(leaked, false);
    await b.endAsync();
  });

  it("stores a device's own data under its own tenant only", async () => {
    const b = await connectDevice(p.mqttPort!, `beta:${bDevice}`);
    await b.publishAsync(`beta:${bDevice}/attrs`, JSON.stringify({ temperature: 5 }), { qos: 1 });
    await b.endAsync();
    const mine = await eventually(
      () => p.api(beta, 'GET', `/history/device/${bDevice}/history?attr=temperature`),
      (r) => r.status === 200,
    );
    assert.deepEqual(
      mine.body.map((e: any) => e.value),
      [5],
    );
    assert.equal((await p.api(admin, 'GET', `/history/device/${bDevice}/history?attr=temperature`)).status, 404);
  });
});
