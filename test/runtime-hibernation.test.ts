// Hibernation with real Node-RED (DOJOT_RUNTIME_IDLE_SECONDS): an idle tenant runtime stops its
// process; a real MQTT device's messages wake it and are all processed (none lost while it
// starts), and a visit of the editor (its admin API) wakes it and waits for it. On Kafka
// (services mode) the setting is ignored and the runtime stays up.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servicesMode, startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually } from './helpers/mqtt.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;
const IDLE_SECONDS = 2;

describe('tenant runtime hibernation', function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let jwt: string;
  let device: string;

  const runtime = async () =>
    (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');
  /** What the flow keeps in the store, read without going through the runtime (which would wake it). */
  const kept = async () =>
    (
      await p.store.query<{ value: any }>(
        "SELECT value FROM flow_context WHERE tenant = 'admin' AND scope = 'global' AND key = 'seen'",
      )
    )[0]?.value ?? null;

  before(async () => {
    p = await startTestPlatform({ DOJOT_RUNTIME_IDLE_SECONDS: String(IDLE_SECONDS) });
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    device = (await p.api(jwt, 'POST', '/device', { label: 'counter', templates: [t.body.template.id] })).body
      .devices[0].id;
    const flow = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'count readings',
      flow: [
        { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['keep']] },
        {
          id: 'keep',
          type: 'function',
          func: [
            'const seen = global.get("seen", "persistent") || { ns: [] };',
            'seen.ns.push(msg.payload.attrs.n);',
            'global.set("seen", seen, "persistent");',
            'return null;',
          ].join('\n'),
          wires: [],
        },
      ],
    });
    assert.equal(flow.status, 200);
  });
  after(async () => p?.close());

  if (servicesMode()) {
    it('does not hibernate on Kafka, where the runtime reads its topics itself', async () => {
      await eventually(runtime, (r) => r?.state === 'running', RUNTIME_MS);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 3_000));
      const r = await runtime();
      assert.equal(r.state, 'running');
      assert.equal(r.hibernations, 0);
    });
    return;
  }

  it('stops an idle runtime and reports it hibernating', async () => {
    const r = await eventually(runtime, (rt) => rt?.state === 'hibernating', RUNTIME_MS);
    assert.equal(r.state, 'hibernating', JSON.stringify(r));
    assert.equal(r.pid, null);
    assert.equal(r.lastExit.reason, 'hibernated');
    assert.equal(r.hibernations, 1);
    assert.equal(r.restarts, 0);
  });

  it('wakes on a device message and processes it and those that follow while it starts', async () => {
    const client = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      for (const n of [1, 2, 3]) await client.publishAsync(`admin:${device}/attrs`, JSON.stringify({ n }), { qos: 1 });
      const seen = await eventually(kept, (v) => v?.ns?.length === 3, RUNTIME_MS);
      assert.deepEqual(seen.ns, [1, 2, 3]);
    } finally {
      client.end(true);
    }
    const r = await runtime();
    assert.equal(r.lastWake.reason, 'device message');
    assert.equal(typeof r.lastWake.startMs, 'number');
    assert.equal(typeof r.lastWake.firstMessageMs, 'number');
    assert.ok(r.lastWake.firstMessageMs >= r.lastWake.startMs - 1, 'the first message waited for the start');
  });

  it('wakes for a visit of the editor, which waits for the runtime', async () => {
    await eventually(runtime, (rt) => rt?.state === 'hibernating' && rt.hibernations === 2, RUNTIME_MS);
    const nr = await p.api(jwt, 'GET', '/flows/flows');
    assert.equal(nr.status, 200);
    assert.ok(
      nr.body.some((n: any) => n.type === 'dojot bus in'),
      'the editor gets the flows of the woken runtime',
    );
    const r = await runtime();
    assert.equal(r.state, 'running');
    assert.equal(r.lastWake.reason, 'editor');
    assert.equal(r.lastWake.firstMessageMs, null);
  });
});

// At the platform's start, a tenant whose stored flows only answer device messages is left
// hibernating (no process) until its first message; one with a timer starts as before.
describe('tenant runtimes asleep from the platform start', function () {
  this.timeout(240_000);
  let dataDir: string;
  let p: TestPlatform | undefined;
  const env = { DOJOT_RUNTIME_IDLE_SECONDS: '600' };
  const runtime = async (jwt: string) =>
    (await p!.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');
  const countFlow = {
    name: 'count readings',
    flow: [
      { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['keep']] },
      {
        id: 'keep',
        type: 'function',
        func: [
          'const seen = global.get("seen", "persistent") || { ns: [] };',
          'seen.ns.push(msg.payload.attrs.n);',
          'global.set("seen", seen, "persistent");',
          'return null;',
        ].join('\n'),
        wires: [],
      },
    ],
  };
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-boot-asleep-'));
  });
  after(async () => {
    await p?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves a tenant whose flows only answer device messages asleep, and its first message wakes it', async () => {
    p = await startTestPlatform(env, { dataDir });
    let jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    const device = (await p.api(jwt, 'POST', '/device', { label: 'counter', templates: [t.body.template.id] })).body
      .devices[0].id;
    assert.equal((await p.api(jwt, 'POST', '/flows/v1/flow', countFlow)).status, 200);
    await p.close();

    p = await startTestPlatform(env, { dataDir });
    jwt = await p.login();
    if (servicesMode()) {
      // On Kafka there is no hibernation: the runtime starts with the platform.
      const r = await eventually(
        () => runtime(jwt),
        (rt) => rt?.state === 'running',
        45_000,
      );
      assert.equal(r.hibernations, 0);
      return;
    }
    const r = await runtime(jwt);
    assert.equal(r.state, 'hibernating', JSON.stringify(r));
    assert.equal(r.pid, null);
    assert.equal(r.hibernations, 0);
    const client = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      for (const n of [1, 2, 3]) await client.publishAsync(`admin:${device}/attrs`, JSON.stringify({ n }), { qos: 1 });
      const kept = async () =>
        (
          await p!.store.query<{ value: any }>(
            "SELECT value FROM flow_context WHERE tenant = 'admin' AND scope = 'global' AND key = 'seen'",
          )
        )[0]?.value ?? null;
      const seen = await eventually(kept, (v) => v?.ns?.length === 3, 45_000);
      assert.deepEqual(seen.ns, [1, 2, 3]);
    } finally {
      client.end(true);
    }
    const woke = await runtime(jwt);
    assert.equal(woke.state, 'running');
    assert.equal(woke.lastWake.reason, 'device message');
  });

  it('starts with the platform a tenant whose flows have a timer', async () => {
    let jwt = await p!.login();
    const timed = {
      name: 'every minute',
      flow: [{ id: 'tick', type: 'inject', repeat: '60', crontab: '', once: false, wires: [[]] }],
    };
    assert.equal((await p!.api(jwt, 'POST', '/flows/v1/flow', timed)).status, 200);
    await p!.close();
    p = await startTestPlatform(env, { dataDir });
    jwt = await p.login();
    const r = await eventually(
      () => runtime(jwt),
      (rt) => rt?.state === 'running',
      45_000,
    );
    assert.equal(r.hibernations, 0);
    assert.equal(r.lastWake, null, 'started with the platform, not woken');
  });
});
