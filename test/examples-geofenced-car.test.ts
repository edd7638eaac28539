// flows-examples/geofenced-car imported into a fresh platform and driven by a real MQTT car.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';
import { importExample, type ImportedExample } from './helpers/examples.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

describe('the geofenced car example', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  let ex: ImportedExample;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    ex = await importExample(p, jwt, 'geofenced-car');
  });
  after(async () => p?.close());

  const latest = () => p.api(jwt, 'GET', `/history/device/${ex.devices['car-status']}/history?attr=message&lastN=1`);

  it('says the car is inside the marked area, then out of it, and ignores a reading without a valid point', async () => {
    const car = await connectDevice(p.mqttPort!, `admin:${ex.devices.car}`);
    const publish = (position: unknown) =>
      car.publishAsync(`admin:${ex.devices.car}/attrs`, JSON.stringify({ position }), { qos: 1 });
    try {
      const inside = await eventually(
        async () => {
          await publish('-22.85, -47.05');
          await sleep(500);
          return latest();
        },
        (r) => r.status === 200 && r.body[0]?.value === 'Car is inside the marked area',
        RUNTIME_MS,
      );
      assert.equal(inside.body[0].value, 'Car is inside the marked area');
      await publish('-23.55,-46.63');
      const outside = await eventually(latest, (r) => r.body[0]?.value === 'Car is out of the marked area', 10_000);
      assert.equal(outside.body[0].value, 'Car is out of the marked area');
      await publish('not a point');
      await publish(42);
      await publish('-22.86, -47.04');
      const back = await eventually(latest, (r) => r.body[0]?.value === 'Car is inside the marked area', 10_000);
      assert.equal(back.body[0].value, 'Car is inside the marked area');
      const all = await p.api(jwt, 'GET', `/history/device/${ex.devices['car-status']}/history?attr=message`);
      assert.equal(all.body.length >= 3, true);
    } finally {
      car.end(true);
    }
  });
});
