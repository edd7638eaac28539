// Two platform instances sharing Kafka, PostgreSQL and Redis (issue 5): instance A runs in this
// process, instance B is a real `node dist/bin/dojot-red.js` process (so it can be killed). Their
// MQTT brokers share sessions and routing through Redis: a device may come back to either.
// Needs DOJOT_TEST_KAFKA_BROKERS, DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
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
/** Kafka gives a killed member's partitions to the others after its session timeout (kafkajs: 30 s), ms. */
const TAKEOVER_MS = 90_000;

describe('two platform instances on shared Kafka, PostgreSQL and Redis', function () {
  this.timeout(180_000);
  let deployment: ServiceDeployment | undefined;
  let a: TestPlatform;
  let b: PlatformProcess | undefined;
  let bHttp: number;
  let bMqtt: number;
  let bDataDir: string | undefined;
  let jwt: string;
  let templateId: number;
  const clients: MqttClient[] = [];

  /** fetch against instance B. */
  const apiB = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${bHttp}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${jwt}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const makeDevice = async (label: string) => {
    const res = await a.api(jwt, 'POST', '/device', { label, templates: [templateId] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.devices[0].id as string;
  };
  const device = async (port: number, id: string) => {
    const c = await connectDevice(port, `admin:${id}`);
    clients.push(c);
    return c;
  };
  /** A device whose inbox is attached before CONNECT: a queued message may follow the CONNACK at once. */
  const deviceWithInbox = (port: number, id: string, opts: IClientOptions) =>
    new Promise<{ c: MqttClient; got: string[]; sessionPresent: boolean }>((resolve, reject) => {
      const got: string[] = [];
      const c = mqtt.connect({
        host: '127.0.0.1',
        port,
        username: `admin:${id}`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...opts,
      });
      clients.push(c);
      c.on('message', (_t, p) => got.push(p.toString()));
      c.once('connect', (connack) => resolve({ c, got, sessionPresent: connack.sessionPresent }));
      c.once('error', reject);
    });
  /** The `n` values stored for the device, as seen through instance A. */
  const stored = async (id: string) => {
    const res = await a.api(jwt, 'GET', `/history/device/${id}/history?lastN=5000&attr=n`);
    return res.status === 200 ? (res.body as { value: number }[]).map((e) => e.value) : [];
  };

  before(async function () {
    this.timeout(120_000);
    for (const s of ['kafka', 'postgres', 'redis'] as const) await requireService.call(this, s);
    deployment = await createServiceDeployment();
    a = await startTestPlatform({ ...deployment.env, ...SINK_ALLOWED });
    jwt = await a.login();
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
        DOJOT_LOG_LEVEL: 'info',
      },
      60_000,
    );
    const t = await a.api(jwt, 'POST', '/template', {
      label: 'scale',
      attrs: [
        { label: 'n', type: 'dynamic', value_type: 'integer' },
        { label: 'fan', type: 'actuator', value_type: 'integer' },
      ],
    });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    templateId = t.body.template.id;
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await stopPlatform(b);
    await a?.close();
    await deployment?.drop();
    if (bDataDir) rmSync(bDataDir, { recursive: true, force: true });
  });

  it('accepts devices on either instance: one made through A is known to B and connects to both', async () => {
    const id = await makeDevice('either');
    const seen = await apiB('GET', `/device/${id}`);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.id, id);
    await device(a.mqttPort!, id);
    await device(bMqtt, id + '-not-a-device').then(
      () => assert.fail('an unknown device was accepted by B'),
      () => {},
    );
    await device(bMqtt, id);
  });

  it('applies a permission change made through A to requests on B at once (issue 13)', async () => {
    const user = await a.api(jwt, 'POST', '/auth/user', {
      username: 'scale_reader',
      service: 'admin',
      email: 'scale_reader@x.io',
      name: 'R',
      profile: 'user',
      passwd: 'readerpw',
    });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    const reader = await a.login('scale_reader', 'readerpw');
    const onB = async () =>
      (await fetch(`http://127.0.0.1:${bHttp}/device`, { headers: { authorization: `Bearer ${reader}` } })).status;
    assert.equal(await onB(), 200, 'group user reads devices, and B has cached it');
    const deny = await a.api(jwt, 'POST', '/auth/pap/permission', {
      name: 'scale_no_devices',
      path: '/device/(.*)',
      method: '(.*)',
      permission: 'deny',
    });
    assert.equal((await a.api(jwt, 'POST', `/auth/pap/userpermissions/scale_reader/${deny.body.id}`)).status, 200);
    assert.equal(
      await eventually(onB, (s) => s === 403, 10_000),
      403,
      'B drops its cached rights when told through the bus',
    );
  });

  it('writes the history of devices on both instances exactly once', async () => {
    const onA = await makeDevice('on-a');
    const onB = await makeDevice('on-b');
    const [ca, cb] = [await device(a.mqttPort!, onA), await device(bMqtt, onB)];
    const N = 50;
    await Promise.all([
      Promise.all(
        Array.from({ length: N }, (_, n) => ca.publishAsync(`admin:${onA}/attrs`, JSON.stringify({ n }), { qos: 1 })),
      ),
      Promise.all(
        Array.from({ length: N }, (_, n) => cb.publishAsync(`admin:${onB}/attrs`, JSON.stringify({ n }), { qos: 1 })),
      ),
    ]);
    for (const id of [onA, onB]) {
      await eventually(
        () => stored(id),
        (v) => v.length >= N,
        30_000,
      );
      await sleep(2_000); // a second write would land by now
      const values = await stored(id);
      assert.equal(values.length, N, `device ${id}: ${values.length} rows for ${N} messages`);
      assert.deepEqual(
        [...values].sort((x, y) => x - y),
        Array.from({ length: N }, (_, n) => n),
      );
    }
  });

  it('delivers an actuation requested through B to a device connected to A, once', async () => {
    const id = await makeDevice('actuated');
    const { c, got } = await deviceWithInbox(a.mqttPort!, id, {});
    await c.subscribeAsync(`admin:${id}/config`, { qos: 1 });
    const res = await apiB('PUT', `/device/${id}/actuate`, { attrs: { fan: 7 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await eventually(
      async () => got.length,
      (k) => k > 0,
      20_000,
    );
    await sleep(2_000); // a second delivery (one per instance) would land by now
    assert.deepEqual(
      got.map((p) => JSON.parse(p)),
      [{ fan: 7 }],
    );
  });

  it('queues an actuation for a device away from A and delivers it when the device comes back through B', async () => {
    const id = await makeDevice('comes-back');
    const session = { clientId: `admin:${id}`, clean: false };
    const first = await deviceWithInbox(a.mqttPort!, id, session);
    await first.c.subscribeAsync(`admin:${id}/config`, { qos: 1 });
    await first.c.endAsync();
    const res = await apiB('PUT', `/device/${id}/actuate`, { attrs: { fan: 2 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await sleep(2_000); // the actuation is queued in Redis by now (or delivery below would race it)
    const back = await deviceWithInbox(bMqtt, id, session);
    assert.equal(back.sessionPresent, true, 'B knows the session the device made on A');
    await eventually(
      async () => back.got.length,
      (k) => k > 0,
      20_000,
    );
    await sleep(1_000);
    assert.deepEqual(
      back.got.map((p) => JSON.parse(p)),
      [{ fan: 2 }],
    );
  });

  it('closes the connection on A when the same client id connects to B', async () => {
    const id = await makeDevice('moved');
    const onA = await deviceWithInbox(a.mqttPort!, id, { clientId: `admin:${id}` });
    const gone = new Promise<void>((resolve) => onA.c.once('close', () => resolve()));
    const onB = await deviceWithInbox(bMqtt, id, { clientId: `admin:${id}` });
    const closed = await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]);
    assert.ok(closed, 'the connection on A is still open');
    await sleep(1_000);
    assert.equal(onB.c.connected, true, 'the new connection on B stays up');
  });

  it("runs a tenant's flow once per device message, not once per instance", async () => {
    const hits: number[] = [];
    const sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          const m = JSON.parse(body);
          if (m?.metadata?.deviceid === flowDevice) hits.push(m.attrs.n);
        } catch {
          /* not ours */
        }
        res.end('ok');
      });
    });
    await new Promise<void>((r) => sink.listen(0, SINK_HOST, r));
    let flowDevice = '';
    try {
      flowDevice = await makeDevice('flow-fed');
      const port = (sink.address() as AddressInfo).port;
      const flow = await apiB('POST', '/flows/v1/flow', {
        name: 'forward each reading',
        flow: [
          { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['req']] },
          {
            id: 'req',
            type: 'http request',
            method: 'POST',
            url: `http://${SINK_HOST}:${port}/hit`,
            ret: 'txt',
            wires: [],
          },
        ],
      });
      assert.equal(flow.status, 200, JSON.stringify(flow.body));
      // Both instances run the tenant's runtime (A learns of the new flow from B's announcement).
      const running = async (get: () => Promise<{ body: any }>) =>
        eventually(
          async () => (await get()).body?.runtimes?.find((r: any) => r.tenant === 'admin')?.state,
          (s) => s === 'running',
          RUNTIME_MS,
        );
      assert.equal(await running(() => apiB('GET', '/flows/v1/runtime')), 'running');
      assert.equal(await running(() => a.api(jwt, 'GET', '/flows/v1/runtime')), 'running');
      const c = await device(bMqtt, flowDevice);
      const N = 20;
      for (let n = 0; n < N; n++) await c.publishAsync(`admin:${flowDevice}/attrs`, JSON.stringify({ n }), { qos: 1 });
      await eventually(
        async () => hits.length,
        (k) => k >= N,
        30_000,
      );
      await sleep(2_000); // a second run would land by now
      assert.deepEqual(
        [...hits].sort((x, y) => x - y),
        Array.from({ length: N }, (_, n) => n),
      );
    } finally {
      sink.close();
    }
  });

  it('loses no acknowledged QoS 1 message when an instance is killed mid-stream', async () => {
    // Several devices, so that some hash to partitions B's history consumer holds.
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => makeDevice(`killed-mid-stream-${i}`)));
    const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
    let stop = false;
    // Each device keeps four publishes in flight; a resolved publishAsync is a PUBACK.
    const lanes = ids.map(async (id) => {
      const c = await device(bMqtt, id);
      c.on('error', () => {}); // the broker goes away mid-stream
      let n = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (!stop) {
            const mine = n++;
            try {
              await c.publishAsync(`admin:${id}/attrs`, JSON.stringify({ n: mine }), { qos: 1 });
              acked.get(id)!.push(mine);
            } catch {
              return;
            }
          }
        }),
      );
    });
    const total = () => [...acked.values()].reduce((k, v) => k + v.length, 0);
    await eventually(
      async () => total(),
      (k) => k >= 600,
      30_000,
    );
    b!.child.kill('SIGKILL');
    stop = true;
    for (const c of clients) c.end(true);
    await Promise.race([Promise.all(lanes), sleep(5_000)]);
    assert.ok(total() >= 600, `only ${total()} messages were acknowledged before the kill`);
    // A takes over B's partitions of the history group once B's session has timed out.
    for (const id of ids) {
      const mine = acked.get(id)!;
      const values = await eventually(
        () => stored(id),
        (v) => mine.every((k) => v.includes(k)),
        TAKEOVER_MS,
      );
      const missing = mine.filter((k) => !values.includes(k));
      assert.deepEqual(
        missing,
        [],
        `device ${id}: ${missing.length} of ${mine.length} acknowledged messages were lost`,
      );
      assert.equal(new Set(values).size, values.length, `device ${id}: a message was stored twice`);
    }
  });
});
