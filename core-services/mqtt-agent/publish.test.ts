import assert from 'node:assert/strict';
import net from 'node:net';
import type { Bus } from '../platform/bus/index.js';
import { MemoryBus } from '../platform/bus/memory.js';
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import {
  closed,
  Collector,
  connect,
  eventually,
  FakeDevices,
  sleep,
  startAgent,
  type RunningAgent,
} from './testing.js';

const data = (c: Collector) => c.messages.map((m) => m.value as DeviceDataMessage);

describe('mqtt-agent: PUBLISH (uplink)', () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3').add('acme', 'd4e5f6').add('other', 'cafe01');
  let run: RunningAgent;
  let acme: Collector;
  let other: Collector;
  before(async () => {
    run = await startAgent(devices, { env: { DOJOT_MQTT_PAYLOAD_LIMIT: '1024' } });
    acme = await Collector.on(run.bus, 'acme.device-data');
    other = await Collector.on(run.bus, 'other.device-data');
  });
  after(() => run.close());
  beforeEach(() => {
    acme.messages.length = 0;
    other.messages.length = 0;
  });

  it("publishes a device's JSON object on <tenant>.device-data, keyed by the device id", async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    const before = Date.now();
    await c.publishAsync(
      'acme:a1b2c3/attrs',
      JSON.stringify({ temperature: 21.5, on: true, label: 'x', pos: { lat: 1 } }),
      { qos: 1 },
    );
    const [msg] = await acme.waitFor(1);
    assert.equal(msg.key, 'a1b2c3');
    const v = msg.value as DeviceDataMessage;
    assert.deepEqual(v.attrs, { temperature: 21.5, on: true, label: 'x', pos: { lat: 1 } });
    assert.equal(v.metadata.deviceid, 'a1b2c3');
    assert.equal(v.metadata.tenant, 'acme');
    assert.ok(v.metadata.timestamp >= before && v.metadata.timestamp <= Date.now(), 'receive time in ms');
    assert.equal(other.messages.length, 0);
    await c.endAsync();
  });

  it('accepts the legacy /<tenant>/<device>/attrs topic', async () => {
    const c = await connect(run.port, { clientId: 'acme:d4e5f6' });
    await c.publishAsync('/acme/d4e5f6/attrs', '{"humidity":40}', { qos: 1 });
    const [msg] = await acme.waitFor(1);
    assert.deepEqual((msg.value as DeviceDataMessage).attrs, { humidity: 40 });
    assert.equal((msg.value as DeviceDataMessage).metadata.deviceid, 'd4e5f6');
    await c.endAsync();
  });

  it('turns a payload timestamp (epoch s, epoch ms, ISO) into metadata.timestamp in ms and keeps it in attrs', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    await c.publishAsync('acme:a1b2c3/attrs', '{"t":1,"timestamp":1700000000}', { qos: 1 });
    await c.publishAsync('acme:a1b2c3/attrs', '{"t":2,"timestamp":1700000000123}', { qos: 1 });
    await c.publishAsync('acme:a1b2c3/attrs', '{"t":3,"timestamp":"2024-01-02T03:04:05.678Z"}', { qos: 1 });
    await acme.waitFor(3);
    assert.deepEqual(
      data(acme).map((d) => d.metadata.timestamp),
      [1700000000000, 1700000000123, Date.parse('2024-01-02T03:04:05.678Z')],
    );
    assert.equal(data(acme)[0].attrs.timestamp, 1700000000);
    await c.endAsync();
  });

  it('uses the receive time when the payload timestamp is unusable', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    const before = Date.now();
    await c.publishAsync('acme:a1b2c3/attrs', '{"t":1,"timestamp":"yesterday-ish"}', { qos: 1 });
    await c.publishAsync('acme:a1b2c3/attrs', '{"t":2,"timestamp":true}', { qos: 1 });
    await acme.waitFor(2);
    for (const d of data(acme)) assert.ok(d.metadata.timestamp >= before && d.metadata.timestamp <= Date.now());
    await c.endAsync();
  });

  it("keeps one device's messages in the order it published them", async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        c.publishAsync('acme:a1b2c3/attrs', JSON.stringify({ seq: i }), { qos: (i % 2) as 0 | 1 }),
      ),
    );
    await acme.waitFor(200);
    assert.deepEqual(
      data(acme).map((d) => d.attrs.seq),
      Array.from({ length: 200 }, (_, i) => i),
    );
    await c.endAsync();
  });

  it("closes the connection of a device publishing to another device's topic, and counts it", async () => {
    const before = run.agent.counters().publishesRefused;
    for (const topic of [
      'acme:d4e5f6/attrs',
      '/acme/d4e5f6/attrs',
      'other:cafe01/attrs',
      'acme:a1b2c3/config',
      'acme:a1b2c3/attrs/x',
      '$SYS/x',
    ]) {
      const c = await connect(run.port, { username: 'acme:a1b2c3' });
      const gone = closed(c);
      c.publish(topic, '{"stolen":1}', { qos: 1 });
      await gone;
    }
    await sleep(20); // deliberately a fixed time: none of them reaches the bus
    assert.equal(acme.messages.length + other.messages.length, 0);
    assert.equal(run.agent.counters().publishesRefused, before + 6);
  });

  it('drops and counts payloads that are not JSON, JSON arrays or scalars, or too large, and keeps serving', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    const counters0 = run.agent.counters();
    for (const payload of [
      'not json',
      '{"a":',
      '[1,2]',
      '42',
      'null',
      '"text"',
      JSON.stringify({ big: 'x'.repeat(2000) }),
      Buffer.from([0xff, 0xfe, 0x00]),
    ]) {
      await c.publishAsync('acme:a1b2c3/attrs', payload, { qos: 1 }); // acknowledged all the same
    }
    await c.publishAsync('acme:a1b2c3/attrs', '{"ok":1}', { qos: 1 });
    const [msg] = await acme.waitFor(1);
    assert.deepEqual((msg.value as DeviceDataMessage).attrs, { ok: 1 });
    await sleep(20); // deliberately a fixed time: the dropped ones never follow
    assert.equal(acme.messages.length, 1);
    const n = run.agent.counters();
    assert.equal(n.dropped.not_json - counters0.dropped.not_json, 3);
    assert.equal(n.dropped.not_object - counters0.dropped.not_object, 4);
    assert.equal(n.dropped.too_large - counters0.dropped.too_large, 1);
    assert.equal(n.droppedByDevice.acme.a1b2c3 - (counters0.droppedByDevice.acme?.a1b2c3 ?? 0), 8);
    assert.equal(c.connected, true);
    await c.endAsync();
  });
  it('closes a connection that announces a packet far over the payload limit, before reading it', async () => {
    // A raw client: CONNECT as acme:a1b2c3, then a PUBLISH whose header announces 50 MB.
    const str = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
    const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x82, 0, 60]), str('huge-announcer'), str('acme:a1b2c3')]);
    const varint = (n: number) => {
      const out: number[] = [];
      do {
        let b = n % 128;
        n = Math.floor(n / 128);
        if (n > 0) b |= 0x80;
        out.push(b);
      } while (n > 0);
      return Buffer.from(out);
    };
    const socket = net.connect(run.port, '127.0.0.1');
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.concat([Buffer.from([0x10]), varint(body.length), body]));
    await new Promise<void>((resolve) => socket.once('data', () => resolve())); // CONNACK
    const before = run.agent.counters().packetsTooLarge;
    socket.write(
      Buffer.concat([
        Buffer.from([0x30]),
        varint(50 * 1024 * 1024),
        str('acme:a1b2c3/attrs'),
        Buffer.alloc(1024, 0x20),
      ]),
    );
    await Promise.race([ended, sleep(3_000).then(() => assert.fail('the connection stayed open'))]);
    assert.equal(run.agent.counters().packetsTooLarge, before + 1);
    // The broker goes on serving.
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    await c.publishAsync('acme:a1b2c3/attrs', '{"after":1}', { qos: 1 });
    await acme.waitFor(1);
    await c.endAsync();
  });

  it("forwards a last will sent to the device's own attrs topic and drops one aimed elsewhere", async () => {
    const own = await connect(run.port, {
      username: 'acme:a1b2c3',
      will: { topic: 'acme:a1b2c3/attrs', payload: Buffer.from('{"online":false}'), qos: 1, retain: false },
    });
    const stray = await connect(run.port, {
      username: 'acme:d4e5f6',
      will: { topic: 'other:cafe01/attrs', payload: Buffer.from('{"online":false}'), qos: 1, retain: false },
    });
    own.stream.destroy(); // an abnormal disconnection publishes the will [MQTT-3.1.2-8]
    stray.stream.destroy();
    const [msg] = await acme.waitFor(1);
    assert.deepEqual((msg.value as DeviceDataMessage).attrs, { online: false });
    await sleep(50); // deliberately a fixed time: the stray will never lands
    assert.equal(acme.messages.length + other.messages.length, 1);
    own.end(true);
    stray.end(true);
  });
});

describe('mqtt-agent: PUBACK and the bus', () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3');

  /** A bus whose publish waits for a gate, or fails. */
  class GatedBus extends MemoryBus {
    gate: Promise<void> = Promise.resolve();
    fail = false;
    override async publish(topic: string, key: string | null, value: unknown): Promise<void> {
      await this.gate;
      if (this.fail) throw new Error('bus down');
      return super.publish(topic, key, value);
    }
  }

  it('sends the QoS 1 PUBACK only once the bus holds the message', async () => {
    const bus = new GatedBus();
    const run = await startAgent(devices, { bus: bus as Bus });
    try {
      let open!: () => void;
      bus.gate = new Promise((r) => (open = r));
      const c = await connect(run.port, { username: 'acme:a1b2c3' });
      let acked = false;
      const pub = c.publishAsync('acme:a1b2c3/attrs', '{"x":1}', { qos: 1 }).then(() => (acked = true));
      await sleep(100); // deliberately a fixed time: no PUBACK comes meanwhile
      assert.equal(acked, false, 'no PUBACK while the bus has not taken the message');
      open();
      await pub;
      assert.equal(acked, true);
      await c.endAsync();
    } finally {
      await run.close();
    }
  });

  it('closes the connection without PUBACK when the bus refuses the message', async () => {
    const bus = new GatedBus();
    const run = await startAgent(devices, { bus: bus as Bus });
    try {
      bus.fail = true;
      const c = await connect(run.port, { username: 'acme:a1b2c3' });
      let acked = false;
      c.publish('acme:a1b2c3/attrs', '{"x":1}', { qos: 1 }, (err) => (acked = !err));
      await closed(c);
      assert.equal(acked, false);
      await eventually(() => assert.equal(run.agent.counters().busFailures, 1));
      c.end(true);
    } finally {
      await run.close();
    }
  });
});
