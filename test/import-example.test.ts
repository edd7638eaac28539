// `dojot-red import-example` against a running platform: an example goes in with one command,
// and its flow runs on the devices it made.
import assert from 'node:assert/strict';
import path from 'node:path';
import { projectRoot } from '../core-services/platform/paths.js';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const importExample = (args: string[]) =>
  run(process.execPath, [path.join(projectRoot(), 'dist', 'bin', 'dojot-red.js'), 'import-example', ...args], 60_000);

describe('dojot-red import-example', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let port: string;

  before(async () => {
    p = await startTestPlatform();
    port = String(new URL(p.httpUrl).port);
  });
  after(async () => p?.close());

  it('creates the templates, devices and flow of an example, and prints their ids', async () => {
    const res = await importExample(['kitchen-alarm', '--host', '127.0.0.1', '--port', port]);
    assert.equal(res.code, 0, res.stderr);
    const flowId = /imported kitchen-alarm: flow (\S+)/.exec(res.stdout)?.[1];
    const thermometer = /device thermometer-1: (\w+)/.exec(res.stdout)?.[1];
    const alarm = /device alarm: (\w+)/.exec(res.stdout)?.[1];
    assert.ok(flowId && thermometer && alarm, res.stdout);
    assert.match(res.stdout, /mosquitto_pub .* -u admin:<device> -t admin:<device>\/attrs/);
    const jwt = await p.login();
    assert.equal((await p.api(jwt, 'GET', `/flows/v1/flow/${flowId}`)).status, 200);
    // The imported flow runs: a hot reading sets the alarm.
    await eventually(
      async () => (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes?.[0]?.state,
      (s) => s === 'running',
      60_000,
    );
    const c = await connectDevice(p.mqttPort!, `admin:${thermometer}`);
    try {
      const alarmMessage = () => p.api(jwt, 'GET', `/history/device/${alarm}/history?lastN=1&attr=message`);
      await eventually(
        async () => {
          await c.publishAsync(`admin:${thermometer}/attrs`, JSON.stringify({ temperature: 45 }), { qos: 1 });
          return alarmMessage();
        },
        (r) => Array.isArray(r.body) && r.body[0]?.value === 'kitchen is on fire',
        30_000,
      );
    } finally {
      c.end(true);
    }
  });

  it("lists the examples when the name is unknown, and gives the platform's reason when a call is refused", async () => {
    const unknown = await importExample(['no-such-example', '--port', port]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no example "no-such-example"/);
    assert.match(unknown.stderr, /examples: geofenced-car, kitchen-alarm, rain-sum/);
    const wrong = await importExample(['rain-sum', '--host', '127.0.0.1', '--port', port, '--password', 'nope']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /POST \/auth answered 401: AuthenticationError: wrong username or password/);
    const none = await importExample([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name one example/);
  });
});
