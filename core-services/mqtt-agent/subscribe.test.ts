import assert from 'node:assert/strict';
import type { MqttClient, Packet } from 'mqtt';
import { topicOf, SUBJECTS } from '../platform/contracts/topics.js';
import { closed, connect, eventually, FakeDevices, sleep, startAgent, type RunningAgent } from './testing.js';

/** Messages a client receives, as [topic, payload text]. */
function inbox(c: MqttClient): [string, string][] {
  const got: [string, string][] = [];
  c.on('message', (t, p) => got.push([t, p.toString()]));
  return got;
}

/** The SUBACK return codes (mqtt.js turns a 128 into an error, hiding the others). */
function suback(c: MqttClient, topics: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: Packet) => {
      if (p.cmd !== 'suback') return;
      c.off('packetreceive', onPacket);
      resolve((p.granted ?? []) as number[]);
    };
    c.on('packetreceive', onPacket);
    c.subscribe(topics, { qos: 1 }, () => {});
  });
}

const configure = (tenant: string, id: string, attrs: Record<string, unknown>) => ({
  event: 'configure',
  meta: { service: tenant, timestamp: Date.now() },
  data: { id, attrs },
});

describe('mqtt-agent: SUBSCRIBE and downlink', () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3').add('acme', 'd4e5f6').add('other', 'cafe01');
  let run: RunningAgent;
  before(async () => (run = await startAgent(devices)));
  after(() => run.close());

  it('grants a device its own config topic in both forms and refuses any other with 128', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    const before = run.agent.counters().subscriptionsRefused;
    assert.deepEqual(await suback(c, ['acme:a1b2c3/config', '/acme/a1b2c3/config']), [1, 1]);
    const others = [
      'acme:d4e5f6/config',
      '/acme/d4e5f6/config',
      'other:cafe01/config',
      'acme:a1b2c3/attrs',
      '#',
      '+/attrs',
      '$SYS/#',
    ];
    assert.deepEqual(await suback(c, ['acme:a1b2c3/config', ...others]), [1, 128, 128, 128, 128, 128, 128, 128]);
    assert.equal(run.agent.counters().subscriptionsRefused, before + 7);
    assert.equal(c.connected, true, 'a refused subscription leaves the connection up');
    await c.endAsync();
  });

  it("delivers a configure event's attrs on both config topic forms with QoS 1", async () => {
    const modern = await connect(run.port, { username: 'acme:a1b2c3' });
    const legacy = await connect(run.port, { clientId: 'acme:a1b2c3' });
    const gotModern = inbox(modern);
    const gotLegacy = inbox(legacy);
    await modern.subscribeAsync('acme:a1b2c3/config', { qos: 1 });
    await legacy.subscribeAsync('/acme/a1b2c3/config', { qos: 1 });
    await run.bus.publish(
      topicOf('acme', SUBJECTS.deviceManager),
      'a1b2c3',
      configure('acme', 'a1b2c3', { led: true, level: 3 }),
    );
    await eventually(() => {
      assert.deepEqual(gotModern, [['acme:a1b2c3/config', '{"led":true,"level":3}']]);
      assert.deepEqual(gotLegacy, [['/acme/a1b2c3/config', '{"led":true,"level":3}']]);
    });
    await Promise.all([modern.endAsync(), legacy.endAsync()]);
  });

  it("never delivers one device's data or configuration to another device", async () => {
    const a = await connect(run.port, { username: 'acme:a1b2c3' });
    const b = await connect(run.port, { username: 'acme:d4e5f6' });
    const x = await connect(run.port, { username: 'other:cafe01' });
    const gotB = inbox(b);
    const gotX = inbox(x);
    assert.deepEqual(await suback(b, ['acme:d4e5f6/config', '#', 'acme:a1b2c3/attrs']), [1, 128, 128]);
    assert.deepEqual(await suback(x, ['other:cafe01/config', '#']), [1, 128]);
    await a.publishAsync('acme:a1b2c3/attrs', '{"secret":1}', { qos: 1 });
    // Same device id in another tenant: the event's topic names the tenant, so only acme's device gets it.
    await run.bus.publish(
      topicOf('acme', SUBJECTS.deviceManager),
      'a1b2c3',
      configure('acme', 'a1b2c3', { led: false }),
    );
    await run.bus.publish(
      topicOf('acme', SUBJECTS.deviceManager),
      'cafe01',
      configure('other', 'cafe01', { spoofed: true }),
    );
    await sleep(100); // deliberately a fixed time: nothing reaches b or x meanwhile
    assert.deepEqual(gotB, []);
    assert.deepEqual(gotX, []);
    await Promise.all([a.endAsync(), b.endAsync(), x.endAsync()]);
  });

  it('ignores device events other than configure and remove', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    const got = inbox(c);
    await c.subscribeAsync('acme:a1b2c3/config', { qos: 1 });
    for (const event of ['create', 'update']) {
      await run.bus.publish(topicOf('acme', SUBJECTS.deviceManager), 'a1b2c3', {
        event,
        meta: { service: 'acme' },
        data: { id: 'a1b2c3', attrs: {} },
      });
    }
    await run.bus.publish(topicOf('acme', SUBJECTS.deviceManager), null, 'garbage');
    await sleep(50); // deliberately a fixed time: nothing is delivered meanwhile
    assert.deepEqual(got, []);
    assert.equal(c.connected, true);
    await c.endAsync();
  });

  it('closes every connection of a removed device and no other', async () => {
    const a1 = await connect(run.port, { username: 'acme:a1b2c3', clientId: 'one' });
    const a2 = await connect(run.port, { clientId: 'acme:a1b2c3' });
    const b = await connect(run.port, { username: 'acme:d4e5f6' });
    await run.bus.publish(topicOf('acme', SUBJECTS.deviceManager), 'a1b2c3', {
      event: 'remove',
      meta: { service: 'acme' },
      data: { id: 'a1b2c3' },
    });
    await Promise.all([closed(a1), closed(a2)]);
    await sleep(20); // deliberately a fixed time: b stays connected meanwhile
    assert.equal(b.connected, true);
    await b.endAsync();
    a1.end(true);
    a2.end(true);
  });
});
