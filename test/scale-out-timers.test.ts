// Timers across two platform instances (issue 5: "flows of one tenant running once, not twice"):
// both instances run the tenant's flows, but an inject node's interval fires only on the
// instance that holds the tenant's timer lease; when that instance stops, the other takes over.
// Instance A runs in this process, B is a real `node dist/bin/dojot-red.js` process.
// Needs DOJOT_TEST_KAFKA_BROKERS, DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requireService } from './helpers/services.js';
import { createServiceDeployment, startTestPlatform, type ServiceDeployment, type TestPlatform } from './helpers/start-platform.js';
import { freePort, spawnPlatform, type PlatformProcess } from './helpers/processes.js';
import { eventually, sleep } from './helpers/mqtt.js';

/** Longest wait for a tenant runtime (a Node-RED process) to serve, ms. */
const RUNTIME_MS = 60_000;
/** The inject node's interval, s. */
const EVERY_S = 0.5;
/** How long the fires are counted, ms: about 10 fires from one instance, 20 from two. */
const WINDOW_MS = 5_000;

describe('timers of a tenant on two platform instances', function () {
  this.timeout(180_000);
  let deployment: ServiceDeployment | undefined;
  let a: TestPlatform | undefined;
  let b: PlatformProcess | undefined;
  let bHttp: number;
  let bDataDir: string | undefined;
  let jwt: string;
  let sink: http.Server;
  let fires = 0;
  let presses = 0;

  const apiB = async (method: string, url: string) => {
    const res = await fetch(`http://127.0.0.1:${bHttp}${url}`, { method, headers: { authorization: `Bearer ${jwt}` } });
    return { status: res.status, body: await res.json() };
  };
  const runtimeOf = (body: any) => body?.runtimes?.find((r: { tenant: string }) => r.tenant === 'admin');
  const onA = async () => runtimeOf((await a!.api(jwt, 'GET', '/flows/v1/runtime')).body);
  const onB = async () => runtimeOf((await apiB('GET', '/flows/v1/runtime')).body);
  const firesIn = async (ms: number) => {
    const start = fires;
    await sleep(ms);
    return fires - start;
  };

  before(async function () {
    this.timeout(150_000);
    for (const s of ['kafka', 'postgres', 'redis'] as const) await requireService.call(this, s);
    sink = http.createServer((req, res) => {
      req.resume().on('end', () => {
        if (req.url === '/button') presses += 1;
        else fires += 1;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    deployment = await createServiceDeployment();
    a = await startTestPlatform(deployment.env);
    jwt = await a.login();
    const flow = await a.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'tick',
      flow: [
        { id: 'tick', type: 'inject', repeat: String(EVERY_S), crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', props: [{ p: 'payload' }], wires: [['post']] },
        { id: 'post', type: 'http request', method: 'POST', url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/tick`, ret: 'txt', wires: [] },
        // No timer: it fires only when its button is pressed in the editor.
        { id: 'button', type: 'inject', repeat: '', crontab: '', once: false, topic: '', payload: '', payloadType: 'date', props: [{ p: 'payload' }], wires: [['press']] },
        { id: 'press', type: 'http request', method: 'POST', url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/button`, ret: 'txt', wires: [] },
      ],
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    await eventually(onA, (r) => r?.state === 'running' && r.timersOwner === true, RUNTIME_MS);
    bHttp = await freePort();
    bDataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-scale-'));
    b = await spawnPlatform(
      { ...deployment.env, DOJOT_HTTP_PORT: String(bHttp), DOJOT_HTTP_HOST: '127.0.0.1', DOJOT_MQTT_PORT: String(await freePort()), DOJOT_MQTT_HOST: '127.0.0.1', DOJOT_DATA_DIR: bDataDir },
      60_000,
    );
  });

  after(async () => {
    if (b && b.child.exitCode === null && b.child.signalCode === null) {
      b.child.kill('SIGTERM');
      await Promise.race([b.exited, sleep(15_000)]);
      if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
    }
    await a?.close();
    await deployment?.drop();
    sink?.close();
    if (bDataDir) rmSync(bDataDir, { recursive: true, force: true });
  });

  it("fires an inject node's interval on one instance only, while both run the tenant's flows", async () => {
    const standby = await eventually(onB, (r) => r?.state === 'running' && r.timersOwner !== null, RUNTIME_MS);
    assert.equal(standby.timersOwner, false, 'B runs the flows but not their timers');
    assert.equal((await onA()).timersOwner, true);
    await sleep(1_000); // B's flows have started: a second timer would fire from now on
    const n = await firesIn(WINDOW_MS);
    const once = WINDOW_MS / 1000 / EVERY_S;
    assert.ok(n >= once * 0.6 && n <= once * 1.4, `${n} fires in ${WINDOW_MS} ms: once per ${EVERY_S} s is ${once}, twice would be ${2 * once}`);
  });

  it("fires an inject node when its button is pressed in the editor of the instance that does not run the timers", async () => {
    assert.equal((await onB()).timersOwner, false);
    const res = await fetch(`http://127.0.0.1:${bHttp}/flows/inject/button`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(res.status, 200, await res.text());
    await eventually(async () => presses, (n) => n === 1, 10_000);
  });

  it('moves the timers to the other instance when the one running them stops', async () => {
    await a!.close();
    a = undefined;
    const taken = await eventually(onB, (r) => r?.timersOwner === true, 30_000);
    assert.equal(taken.state, 'running');
    await sleep(1_000);
    const n = await firesIn(WINDOW_MS);
    const once = WINDOW_MS / 1000 / EVERY_S;
    assert.ok(n >= once * 0.6 && n <= once * 1.4, `${n} fires in ${WINDOW_MS} ms on B alone (expected about ${once})`);
  });
});
