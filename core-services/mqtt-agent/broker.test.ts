import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { MemoryBus } from '../platform/bus/memory.js';
import { createLogger } from '../platform/log.js';
import { openBackends } from './backends.js';
import { createBroker, type Broker } from './broker.js';
import { Refusals } from './certificate-identity.js';
import { Counters } from './counters.js';
import { Collector, connect, FakeDevices, testContext } from './testing.js';

describe('mqtt-agent: the broker after an accepted PUBLISH', () => {
  const log = createLogger('silent');
  let bus: MemoryBus;
  let broker: Broker;
  let server: net.Server;
  let port: number;
  /** Topics aedes itself published (its 'publish' event: after its emitter and offline queues). */
  const delivered: string[] = [];

  before(async () => {
    bus = new MemoryBus(log);
    const config = testContext().config;
    broker = await createBroker({
      bus,
      devices: new FakeDevices().add('acme', 'a1b2c3'),
      counters: new Counters(),
      log,
      payloadLimitBytes: 1024,
      refusals: new Refusals(),
      backends: await openBackends(config, log),
    });
    broker.aedes.on('publish', (packet) => delivered.push(packet.topic));
    server = net.createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    await broker.close();
    await bus.close();
  });

  it('puts device data on the bus and not through the broker, where no one may receive it', async () => {
    const data = await Collector.on(bus, 'acme.device-data');
    const device = await connect(port, { username: 'acme:a1b2c3' });
    try {
      await device.publishAsync('acme:a1b2c3/attrs', '{"t":1}', { qos: 1 });
      await device.publishAsync('acme:a1b2c3/attrs', '{"t":2}', { qos: 0 });
      await data.waitFor(2);
      // The broker still delivers what devices may receive: an actuation on the config topic.
      await new Promise<void>((resolve, reject) =>
        broker.aedes.publish(
          {
            cmd: 'publish',
            topic: 'acme:a1b2c3/config',
            payload: Buffer.from('{}'),
            qos: 0,
            retain: false,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      assert.ok(delivered.includes('acme:a1b2c3/config'), `delivered: ${delivered.join(', ')}`);
      assert.deepEqual(
        delivered.filter((t) => t.endsWith('/attrs')),
        [],
      );
    } finally {
      await device.endAsync();
    }
  });
});
