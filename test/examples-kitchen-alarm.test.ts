// flows-examples/kitchen-alarm imported into a fresh platform and driven by two real MQTT
// thermometers: the virtual alarm device's history shows "on fire" (severity 1) then "ok" (4).
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';
import { importExample, type ImportedExample } from './helpers/examples.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

describe('the kitchen alarm example', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  let ex: ImportedExample;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    ex = await importExample(p, jwt, 'kitchen-alarm');
  });
  after(async () => p?.close());

  const history = (attr: string) => p.api(jwt, 'GET', `/history/device/${ex.devices.alarm}/history?attr=${attr}`);

  it('sets the alarm to severity 1 "kitchen is on fire" above 40 degrees and back to 4 "kitchen is ok"', async () => {
    const t1 = await connectDevice(p.mqttPort!, `admin:${ex.devices['thermometer-1']}`);
    const t2 = await connectDevice(p.mqttPort!, `admin:${ex.devices['thermometer-2']}`);
    try {
      // The runtime starts with the flow: publish until the flow has seen a reading.
      const fire = await eventually(
        async () => {
          await t1.publishAsync(`admin:${ex.devices['thermometer-1']}/attrs`, JSON.stringify({ temperature: 45.5 }), {
            qos: 1,
          });
          await sleep(500);
          return history('message');
        },
        (r) => r.status === 200 && r.body.some((e: any) => e.value === 'kitchen is on fire'),
        RUNTIME_MS,
      );
      assert.equal(fire.body[0].value, 'kitchen is on fire');
      await sleep(20);
      await t2.publishAsync(`admin:${ex.devices['thermometer-2']}/attrs`, JSON.stringify({ temperature: 21 }), {
        qos: 1,
      });
      const ok = await eventually(
        () => history('message'),
        (r) => r.body[0]?.value === 'kitchen is ok',
        10_000,
      );
      assert.equal(ok.body[0].value, 'kitchen is ok');
      const severity = await eventually(
        () => history('severity'),
        (r) => r.body[0]?.value === 4,
        10_000,
      );
      const values = severity.body.map((e: any) => e.value);
      assert.equal(values[0], 4);
      assert.ok(values.includes(1), JSON.stringify(values));
    } finally {
      t1.end(true);
      t2.end(true);
    }
  });
});
