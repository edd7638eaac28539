// A tenant's flows on two platform instances (issue 5: "flows of one tenant running once, not
// twice"): both instances run them, but an inject node's interval fires only on the instance
// that holds the tenant's timer lease (when it stops, the other takes over), and an editor on
// either instance shows the debug messages of both.
// Instance A runs in this process, B is a real `node dist/bin/dojot-red.js` process.
// Needs DOJOT_TEST_KAFKA_BROKERS, DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { requireService } from './helpers/services.js';
import {
  createServiceDeployment,
  startTestPlatform,
  type ServiceDeployment,
  type TestPlatform,
} from './helpers/start-platform.js';
import { freePort, spawnPlatform, stopPlatform, type PlatformProcess } from './helpers/processes.js';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';

/**
 * Where the test's HTTP sink listens: a loopback address of its own, which the platforms let the
 * flows reach (runtimes may not reach this host's addresses otherwise: docs/sandbox.md).
 */
const SINK_HOST = '127.0.0.2';
const SINK_ALLOWED = { DOJOT_RUNTIME_EGRESS_ALLOW: SINK_HOST };

/** Longest wait for a tenant runtime (a Node-RED process) to serve, ms. */
const RUNTIME_MS = 60_000;
/** The inject node's interval, s. */
const EVERY_S = 0.5;
/** How long the fires are counted, ms: about 10 fires from one instance, 20 from two. */
const WINDOW_MS = 5_000;

describe("a tenant's flows on two platform instances: timers and debug", function () {
  this.timeout(180_000);
  let deployment: ServiceDeployment | undefined;
  let a: TestPlatform | undefined;
  let b: PlatformProcess | undefined;
  let bHttp: number;
  let bMqtt: number;
  let devices: string[];
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
    await new Promise<void>((r) => sink.listen(0, SINK_HOST, r));
    deployment = await createServiceDeployment();
    a = await startTestPlatform({ ...deployment.env, ...SINK_ALLOWED });
    jwt = await a.login();
    const t = await a.api(jwt, 'POST', '/template', {
      label: 'debugged',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    // Several devices (keys), so that both instances' runtimes get some of the partitions' messages.
    const made = await a.api(jwt, 'POST', '/device?count=12', { label: 'debugged', templates: [t.body.template.id] });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    devices = made.body.devices.map((d: { id: string }) => d.id);
    const flow = await a.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'tick',
      flow: [
        {
          id: 'tick',
          type: 'inject',
          repeat: String(EVERY_S),
          crontab: '',
          once: false,
          onceDelay: 0.1,
          topic: '',
          payload: '',
          payloadType: 'date',
          props: [{ p: 'payload' }],
          wires: [['post']],
        },
        {
          id: 'post',
          type: 'http request',
          method: 'POST',
          url: `http://${SINK_HOST}:${(sink.address() as AddressInfo).port}/tick`,
          ret: 'txt',
          wires: [],
        },
        // No timer: it fires only when its button is pressed in the editor.
        {
          id: 'button',
          type: 'inject',
          repeat: '',
          crontab: '',
          once: false,
          topic: '',
          payload: '',
          payloadType: 'date',
          props: [{ p: 'payload' }],
          wires: [['press']],
        },
        {
          id: 'press',
          type: 'http request',
          method: 'POST',
          url: `http://${SINK_HOST}:${(sink.address() as AddressInfo).port}/button`,
          ret: 'txt',
          wires: [],
        },
        // Device data to the debug sidebar.
        { id: 'data', type: 'dojot bus in', subject: 'device-data', wires: [['dbg']] },
        { id: 'dbg', type: 'debug', active: true, tosidebar: true, console: false, complete: 'payload', wires: [] },
      ],
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    await eventually(onA, (r) => r?.state === 'running' && r.timersOwner === true, RUNTIME_MS);
    [bHttp, bMqtt] = [await freePort(), await freePort()];
    bDataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-scale-'));
    b = await spawnPlatform(
      {
        ...deployment.env,
        ...SINK_ALLOWED,
        DOJOT_HTTP_PORT: String(bHttp),
        DOJOT_HTTP_HOST: '127.0.0.1',
        DOJOT_MQTT_PORT: String(bMqtt),
        DOJOT_MQTT_HOST: '127.0.0.1',
        DOJOT_DATA_DIR: bDataDir,
      },
      60_000,
    );
  });

  after(async () => {
    await stopPlatform(b);
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
    assert.ok(
      n >= once * 0.6 && n <= once * 1.4,
      `${n} fires in ${WINDOW_MS} ms: once per ${EVERY_S} s is ${once}, twice would be ${2 * once}`,
    );
  });

  it('fires an inject node when its button is pressed in the editor of the instance that does not run the timers', async () => {
    assert.equal((await onB()).timersOwner, false);
    const res = await fetch(`http://127.0.0.1:${bHttp}/flows/inject/button`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}` },
    });
    assert.equal(res.status, 200, await res.text());
    await eventually(
      async () => presses,
      (n) => n === 1,
      10_000,
    );
  });

  it("shows an editor on one instance the debug messages of the tenant's flows on every instance", async () => {
    await eventually(onB, (r) => r?.state === 'running', RUNTIME_MS);
    // The editor's comms websocket, through instance A's gateway, as the browser opens it.
    const seen = new Set<number>();
    const ws = new WebSocket(`ws://127.0.0.1:${new URL(a!.httpUrl).port}/flows/comms?access_token=${jwt}`);
    // Node-RED's comms: the auth packet first, and only once it is accepted, the subscription.
    ws.on('message', (raw) => {
      const got = JSON.parse(String(raw)) as { auth?: string } | { topic: string; data: { msg?: string } }[];
      if (!Array.isArray(got)) {
        if (got.auth === 'ok') ws.send(JSON.stringify({ subscribe: 'debug' }));
        return;
      }
      for (const m of got) {
        if (m.topic !== 'debug') continue;
        const n = (JSON.parse(m.data.msg ?? '{}') as { attrs?: { n?: number } }).attrs?.n;
        if (typeof n === 'number') seen.add(n);
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify({ auth: jwt }));
        resolve();
      });
    });
    await sleep(500); // the subscription is in place
    try {
      const before = { a: (await onA()).messages.busIn, b: (await onB()).messages.busIn };
      const N = 48;
      for (const [i, id] of devices.entries()) {
        const c = await connectDevice(i % 2 ? bMqtt : a!.mqttPort!, `admin:${id}`);
        for (let n = i; n < N; n += devices.length)
          await c.publishAsync(`admin:${id}/attrs`, JSON.stringify({ n }), { qos: 1 });
        c.end(true);
      }
      await eventually(
        async () => seen.size,
        (k) => k === N,
        30_000,
      ).catch(() => {});
      assert.deepEqual(
        [...seen].sort((x, y) => x - y),
        Array.from({ length: N }, (_, n) => n),
        'every message, wherever it ran',
      );
      // Both runtimes ran some of them (else this proves nothing): their heartbeats count what they read.
      const after = await eventually(
        async () => ({ a: (await onA()).messages.busIn, b: (await onB()).messages.busIn }),
        (c) => c.a + c.b - before.a - before.b >= N,
        10_000,
      );
      assert.ok(
        after.a > before.a && after.b > before.b,
        `runtime A read ${after.a - before.a}, B ${after.b - before.b}`,
      );
    } finally {
      ws.close();
    }
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
