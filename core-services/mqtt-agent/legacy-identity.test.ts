import assert from 'node:assert/strict';
import type { MqttClient, Packet } from 'mqtt';
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';
import {
  closed,
  Collector,
  connackCode,
  connect,
  eventually,
  FakeDevices,
  sleep,
  startAgent,
  type RunningAgent,
} from './testing.js';

function suback(c: MqttClient, topic: string): Promise<number> {
  return new Promise((resolve) => {
    const onPacket = (p: Packet) => {
      if (p.cmd !== 'suback') return;
      c.off('packetreceive', onPacket);
      resolve(((p.granted ?? []) as number[])[0]);
    };
    c.on('packetreceive', onPacket);
    c.subscribe(topic, { qos: 1 }, () => {});
  });
}

describe("mqtt-agent: dojot's legacy identity from the topic", () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3').add('acme', 'd4e5f6');

  describe('by default (DOJOT_MQTT_LEGACY_TOPIC_IDENTITY unset)', () => {
    let run: RunningAgent;
    before(async () => (run = await startAgent(devices)));
    after(() => run.close());

    it('refuses a client named by neither username nor client id with CONNACK 4', async () => {
      assert.equal(await connackCode(run.port, { clientId: 'sensor-1' }), 4);
    });
  });

  describe('switched on', () => {
    let run: RunningAgent;
    let acme: Collector;
    before(async () => {
      run = await startAgent(devices, { env: { DOJOT_MQTT_LEGACY_TOPIC_IDENTITY: 'true' } });
      acme = await Collector.on(run.bus, 'acme.device-data');
    });
    after(() => run.close());
    beforeEach(() => (acme.messages.length = 0));

    it('takes the identity from /<tenant>/<device>/attrs and forwards what the client publishes', async () => {
      const c = await connect(run.port, { clientId: 'sensor-1' });
      await c.publishAsync('/acme/a1b2c3/attrs', JSON.stringify({ temperature: 10.6 }), { qos: 1 });
      const [msg] = await acme.waitFor(1);
      assert.equal(msg.key, 'a1b2c3');
      assert.deepEqual((msg.value as DeviceDataMessage).attrs, { temperature: 10.6 });
      await c.endAsync();
    });

    it('takes the identity from /<tenant>/<device>/config and delivers actuations there', async () => {
      const c = await connect(run.port, { clientId: 'sensor-2' });
      assert.equal(await suback(c, '/acme/d4e5f6/config'), 1);
      const got: string[] = [];
      c.on('message', (_t, p) => got.push(p.toString()));
      await run.bus.publish(topicOf('acme', SUBJECTS.deviceManager), 'd4e5f6', {
        event: 'configure',
        meta: { service: 'acme' },
        data: { id: 'd4e5f6', attrs: { fan: 100 } },
      });
      await eventually(() => assert.deepEqual(got, ['{"fan":100}']));
      await c.endAsync();
    });

    it("holds the client to the first device it named: another device's topics are refused", async () => {
      const c = await connect(run.port, { clientId: 'sensor-3' });
      await c.publishAsync('/acme/a1b2c3/attrs', JSON.stringify({ n: 1 }), { qos: 1 });
      assert.equal(await suback(c, '/acme/d4e5f6/config'), 128);
      assert.equal(await suback(c, 'acme:a1b2c3/config'), 1, 'its own device, in either form');
      const gone = closed(c);
      c.publish('/acme/d4e5f6/attrs', JSON.stringify({ n: 2 }), { qos: 1 });
      await gone;
      await sleep(50); // deliberately a fixed time: the refused message never reaches the bus
      assert.deepEqual(
        acme.messages.map((m) => m.key),
        ['a1b2c3'],
      );
    });

    it('refuses a first topic naming no existing device, and anything but a legacy topic', async () => {
      const c = await connect(run.port, { clientId: 'sensor-4' });
      assert.equal(await suback(c, '/acme/ffffff/config'), 128);
      assert.equal(await suback(c, '#'), 128);
      assert.equal(await suback(c, '/acme/a1b2c3/config'), 1, 'a later topic may still name an existing device');
      await c.endAsync();
      const d = await connect(run.port, { clientId: 'sensor-5' });
      const gone = closed(d);
      d.publish('/other/a1b2c3/attrs', '{}', { qos: 1 });
      await gone;
    });

    it('refuses such a client asking for a persistent session, and still refuses a malformed username', async () => {
      assert.equal(await connackCode(run.port, { clientId: 'sensor-6', clean: false }), 5);
      assert.equal(await connackCode(run.port, { clientId: 'sensor-7', username: 'acme' }), 4);
    });
  });
});
