// flows-examples/rain-sum imported into a fresh platform and driven by a real MQTT weather
// station: 40 + 40 mm stay under 100; the runtime is killed and restarted (the window lives in
// the persistent context); 30 mm more raise a notification, read back from history.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { importExample, type ImportedExample } from './helpers/examples.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

describe('the rain sum example', function () {
  this.timeout(150_000);
  let p: TestPlatform;
  let jwt: string;
  let ex: ImportedExample;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    ex = await importExample(p, jwt, 'rain-sum');
  });
  after(async () => p?.close());

  const runtime = async () =>
    (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');
  const notifications = (query = '') => p.api(jwt, 'GET', `/history/notifications/history${query}`);

  it('notifies once the rain of the last hour passes 100 mm, across a restart of the runtime', async () => {
    const first = await eventually(runtime, (r) => r?.state === 'running', RUNTIME_MS);
    const station = await connectDevice(p.mqttPort!, `admin:${ex.devices.station}`);
    const rain = (mm: number) =>
      station.publishAsync(`admin:${ex.devices.station}/attrs`, JSON.stringify({ rain: mm }), { qos: 1 });
    try {
      await rain(40);
      await rain(40);
      // The window is written to the store within 200 ms; wait for it before killing the runtime.
      await eventually(
        () =>
          p.store.query<{ value: any }>(
            "SELECT value FROM flow_context WHERE tenant = 'admin' AND key = 'cumulativeSum'",
          ),
        (rows) => rows[0]?.value?.sum === 80,
        10_000,
      );
      assert.deepEqual((await notifications()).body, { notifications: [] });
      process.kill(first.pid, 'SIGKILL');
      await eventually(runtime, (r) => r?.restarts === first.restarts + 1 && r.state === 'running', RUNTIME_MS);
      await rain(30);
      // Messages that arrive while the runtime restarts are held for it; on a busy machine the
      // restarted (sandboxed, nice 10) runtime may take a while to take them.
      const got = await eventually(
        () => notifications('?level="alert"'),
        (r) => r.body.notifications?.length === 1,
        30_000,
      );
      const n = got.body.notifications[0];
      assert.equal(n.message, 'Heavy rain in campinas: 110 mm in the last hour');
      assert.equal(n.subject, 'user_notification');
      assert.deepEqual(n.metaAttrsFilter, {
        level: 'alert',
        kind: 'rain',
        device: ex.devices.station,
        shouldPersist: true,
      });
      assert.equal(typeof n.msgID, 'string');
      assert.match(
        n.ts,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
        'an ISO string with microseconds, as dojot answered',
      );
      assert.deepEqual((await notifications('?level="info"')).body, { notifications: [] });
      assert.equal((await notifications('?subject="user_notification"')).body.notifications.length, 1);
    } finally {
      station.end(true);
    }
  });
});
