import assert from 'node:assert/strict';
import { MemoryBus } from '../platform/bus/memory.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';
import { createLogger } from '../platform/log.js';
import { authorizePublish } from './authorize-publish.js';
import { Counters } from './counters.js';
import { Collector } from './testing.js';

// With the sessions in Redis, aedes on a live instance publishes the wills of clients whose
// instance died; it calls the hook with no client and the will as stored, id included.
describe('mqtt-agent: wills of clients whose instance is gone', () => {
  const log = createLogger('silent');
  const bus = new MemoryBus(log);
  const counters = new Counters();
  const hook = authorizePublish({ bus, counters, log, payloadLimitBytes: 1024 });
  type Will = Parameters<typeof hook>[1];
  const will = (clientId: string, topic: string) =>
    ({
      cmd: 'publish',
      topic,
      payload: Buffer.from('{"online":false}'),
      qos: 1,
      retain: true,
      dup: false,
      clientId,
      brokerId: 'gone',
    }) as unknown as Will;
  const verdict = (w: Will) => new Promise<Error | null>((resolve) => hook(null, w, (err) => resolve(err ?? null)));
  after(() => bus.close());

  it('puts the will on the bus as data of the device its stored session id names', async () => {
    const data = await Collector.on(bus, topicOf('acme', SUBJECTS.deviceData));
    assert.equal(await verdict(will('acme:a1b2c3/sensor-1', 'acme:a1b2c3/attrs')), null);
    assert.equal(await verdict(will('acme:d4e5f6', '/acme/d4e5f6/attrs')), null);
    const got = await data.waitFor(2);
    assert.deepEqual(
      got.map((m) => [m.key, (m.value as { attrs: unknown }).attrs]),
      [
        ['a1b2c3', { online: false }],
        ['d4e5f6', { online: false }],
      ],
    );
  });

  it("refuses a will on another device's topic, or whose stored id names no device", async () => {
    const before = counters.publishesRefused;
    assert.ok(await verdict(will('acme:a1b2c3/sensor-1', 'acme:d4e5f6/attrs')));
    assert.ok(await verdict(will('sensor-1', 'acme:a1b2c3/attrs')));
    assert.equal(counters.publishesRefused, before + 2);
  });
});
