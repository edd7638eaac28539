// Two agents sharing one bus and one Redis (DOJOT_REDIS_URL) act as two instances of one
// deployment: sessions, queued messages and routing are shared; a third agent with another key
// prefix is another deployment on the same Redis and sees none of it. Needs DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { requireService } from '../../test/helpers/services.js';
import { MemoryBus } from '../platform/bus/memory.js';
import type { Bus } from '../platform/bus/index.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';
import { createLogger } from '../platform/log.js';
import { createMqttAgent, type MqttAgent } from './index.js';
import { closed, Collector, eventually, FakeDevices, sleep, testContext } from './testing.js';

/** Long enough for a duplicate delivery to show up, ms. */
const QUIET_MS = 500;

interface Instance {
  agent: MqttAgent;
  port: number;
}

/** A client with its inbox attached before CONNECT, so messages sent right after CONNACK are kept. */
function device(
  port: number,
  opts: IClientOptions,
): Promise<{ c: MqttClient; got: string[]; sessionPresent: boolean }> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const c = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    c.on('message', (_t, p) => got.push(p.toString()));
    c.once('connect', (connack) => resolve({ c, got, sessionPresent: connack.sessionPresent }));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

const event = (event: string, tenant: string, id: string, attrs?: Record<string, unknown>) => ({
  event,
  meta: { service: tenant, timestamp: Date.now() },
  data: { id, ...(attrs ? { attrs } : {}) },
});

describe('mqtt-agent: instances sharing sessions and routing through Redis', function () {
  this.timeout(20_000);
  const run = Math.random().toString(36).slice(2, 8);
  const prefix = `dojot-test:mqtt-${run}:`;
  const otherPrefix = `dojot-test:mqtt-${run}-other:`;
  const devices = new FakeDevices();
  let url: string;
  let bus: Bus;
  let otherBus: Bus;
  let a: Instance;
  let b: Instance;
  let other: Instance;
  const clients: MqttClient[] = [];
  let n = 0;
  /** A fresh device id for each test: sessions outlive connections. */
  const fresh = () => {
    const id = `d${run}${n++}`;
    devices.add('acme', id);
    return id;
  };
  const connectTo = async (i: Instance, opts: IClientOptions) => {
    const d = await device(i.port, opts);
    clients.push(d.c);
    return d;
  };

  async function start(b: Bus, keyPrefix: string): Promise<Instance> {
    const ctx = testContext({ bus: b, env: { DOJOT_REDIS_URL: url, DOJOT_REDIS_KEY_PREFIX: keyPrefix } });
    const agent = createMqttAgent(ctx, { devices });
    await agent.start!();
    return { agent, port: agent.address()!.port };
  }

  before(async function () {
    url = await requireService.call(this, 'redis');
    const log = createLogger('silent');
    [bus, otherBus] = [new MemoryBus(log), new MemoryBus(log)];
    a = await start(bus, prefix);
    b = await start(bus, prefix);
    other = await start(otherBus, otherPrefix);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    for (const i of [a, b, other]) await i?.agent.close!();
    await bus?.close();
    await otherBus?.close();
    if (!url) return;
    const r = new Redis(url);
    try {
      for (const p of [prefix, otherPrefix]) {
        const keys = await r.keys(`${p}*`);
        if (keys.length) await r.del(...keys);
      }
    } finally {
      r.disconnect();
    }
  });

  it('delivers an actuation queued while a device was away when it comes back through the other instance', async () => {
    const id = fresh();
    const opts = { username: `acme:${id}`, clientId: 'persistent', clean: false };
    const first = await connectTo(a, opts);
    await first.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
    await first.c.endAsync();
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('configure', 'acme', id, { fan: 3 }));
    await sleep(QUIET_MS); // queued by then
    const back = await connectTo(b, opts);
    assert.equal(back.sessionPresent, true, 'B found the session A made');
    await eventually(() => assert.deepEqual(back.got, ['{"fan":3}']), 5_000);
    await sleep(QUIET_MS);
    assert.deepEqual(back.got, ['{"fan":3}'], 'delivered once');
  });

  it('delivers an actuation once to a device on either instance, not once per instance', async () => {
    const [onA, onB] = [fresh(), fresh()];
    const da = await connectTo(a, { username: `acme:${onA}` });
    const db = await connectTo(b, { username: `acme:${onB}` });
    await da.c.subscribeAsync(`acme:${onA}/config`, { qos: 1 });
    await db.c.subscribeAsync(`/acme/${onB}/config`, { qos: 1 });
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), onA, event('configure', 'acme', onA, { led: 1 }));
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), onB, event('configure', 'acme', onB, { led: 2 }));
    await eventually(() => assert.ok(da.got.length >= 1 && db.got.length >= 1), 5_000);
    await sleep(QUIET_MS);
    assert.deepEqual(da.got, ['{"led":1}']);
    assert.deepEqual(db.got, ['{"led":2}']);
  });

  it('puts each device message on the bus once, whichever instance the device is connected to', async () => {
    const data = await Collector.on(bus, topicOf('acme', SUBJECTS.deviceData));
    const [onA, onB] = [fresh(), fresh()];
    const da = await connectTo(a, { username: `acme:${onA}` });
    const db = await connectTo(b, { username: `acme:${onB}` });
    const forwarded = () => a.agent.counters().messagesForwarded + b.agent.counters().messagesForwarded;
    const before = forwarded();
    for (let k = 0; k < 5; k++) {
      await da.c.publishAsync(`acme:${onA}/attrs`, JSON.stringify({ k }), { qos: 1 });
      await db.c.publishAsync(`/acme/${onB}/attrs`, JSON.stringify({ k }), { qos: 0 });
    }
    await data.waitFor(10);
    await sleep(QUIET_MS);
    const ks = (dev: string) =>
      data.messages.filter((m) => m.key === dev).map((m) => (m.value as { attrs: { k: number } }).attrs.k);
    assert.deepEqual(ks(onA), [0, 1, 2, 3, 4]);
    assert.deepEqual(ks(onB), [0, 1, 2, 3, 4]);
    assert.equal(forwarded() - before, 10);
  });

  it('keeps device data out of Redis: no one on the broker may subscribe to it', async () => {
    const watcher = new Redis(url);
    const seen: string[] = [];
    try {
      watcher.on('pmessage', (_p: string, channel: string) => seen.push(channel));
      await watcher.psubscribe(`${prefix}mqtt/*`);
      const id = fresh();
      const d = await connectTo(a, { username: `acme:${id}` });
      await d.c.publishAsync(`acme:${id}/attrs`, '{"k":1}', { qos: 1 });
      await d.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
      await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('configure', 'acme', id, { k: 2 }));
      await eventually(() => assert.deepEqual(d.got, ['{"k":2}']), 5_000);
      assert.ok(seen.includes(`${prefix}mqtt/acme:${id}/config`), `the actuation crossed Redis: ${seen.join(', ')}`);
      assert.deepEqual(
        seen.filter((c) => c.endsWith('/attrs')),
        [],
      );
    } finally {
      watcher.disconnect();
    }
  });

  it('closes the connection on one instance when the same client id connects to the other', async () => {
    const id = fresh();
    const opts = { username: `acme:${id}`, clientId: 'same', clean: false };
    const onA = await connectTo(a, opts);
    await onA.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
    const onAlone = a.agent.counters().connected;
    const gone = closed(onA.c);
    const onB = await connectTo(b, opts);
    await Promise.race([gone, sleep(5_000).then(() => assert.fail('the connection on A stayed open'))]);
    await eventually(() => assert.equal(a.agent.counters().connected, onAlone - 1));
    // The session went along: B's client, which never subscribed, gets the next actuation.
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('configure', 'acme', id, { taken: true }));
    await eventually(() => assert.deepEqual(onB.got, ['{"taken":true}']), 5_000);
    assert.equal(onB.c.connected, true);
  });

  it('closes the connections of a removed device on every instance', async () => {
    const id = fresh();
    const onA = await connectTo(a, { username: `acme:${id}`, clientId: 'one' });
    const onB = await connectTo(b, { username: `acme:${id}`, clientId: 'two' });
    const gone = Promise.all([closed(onA.c), closed(onB.c)]);
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('remove', 'acme', id));
    await Promise.race([gone, sleep(5_000).then(() => assert.fail('a connection of the removed device stayed open'))]);
  });

  it("forgets a removed device's persistent sessions: nothing is queued for them any more", async () => {
    const id = fresh();
    const opts = { username: `acme:${id}`, clientId: `keeps-${id}`, clean: false };
    const first = await connectTo(a, opts);
    await first.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
    await first.c.endAsync();
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('remove', 'acme', id));
    await sleep(QUIET_MS); // handled by then
    // The device is made again with the same id; an actuation for it finds no old session to queue in.
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('configure', 'acme', id, { stale: true }));
    await sleep(QUIET_MS);
    const back = await connectTo(b, opts);
    await sleep(QUIET_MS);
    assert.deepEqual(back.got, [], 'nothing was queued for the removed device');
  });

  it('keeps a deployment with another key prefix apart: no session, takeover or actuation crosses', async () => {
    const id = fresh();
    const opts = { username: `acme:${id}`, clientId: 'apart', clean: false };
    const mine = await connectTo(a, opts);
    await mine.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
    const theirs = await connectTo(other, opts);
    assert.equal(theirs.sessionPresent, false, "the other deployment does not know this deployment's session");
    await theirs.c.subscribeAsync(`acme:${id}/config`, { qos: 1 });
    await bus.publish(topicOf('acme', SUBJECTS.deviceManager), id, event('configure', 'acme', id, { mine: true }));
    await otherBus.publish(
      topicOf('acme', SUBJECTS.deviceManager),
      id,
      event('configure', 'acme', id, { theirs: true }),
    );
    await eventually(() => assert.ok(mine.got.length >= 1 && theirs.got.length >= 1), 5_000);
    await sleep(QUIET_MS);
    assert.deepEqual(mine.got, ['{"mine":true}']);
    assert.deepEqual(theirs.got, ['{"theirs":true}']);
    assert.ok(mine.c.connected && theirs.c.connected, 'the same client id in another deployment took nothing over');
  });

  it('frees its Redis connections when it closes', async () => {
    const r = new Redis(url);
    try {
      const named = async () =>
        ((await r.client('LIST')) as string).split('\n').filter((l) => l.includes(` name=${otherPrefix}`)).length;
      assert.equal(await named(), 3, 'emitter subscriber and publisher, persistence');
      await other.agent.close!();
      await eventually(async () => assert.equal(await named(), 0));
    } finally {
      r.disconnect();
    }
  });
});
