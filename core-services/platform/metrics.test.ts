import assert from 'node:assert/strict';
import { MemoryBus } from './bus/memory.js';
import { Metrics } from './metrics.js';

/** The value of one series in Prometheus' text format, or undefined. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('metrics: bus traffic', () => {
  it('counts single and batch publishes and what consumers handled, by subject, with no series per topic', async () => {
    const metrics = new Metrics();
    const memory = new MemoryBus();
    const bus = metrics.instrumentBus(memory);
    try {
      let handled = 0;
      await bus.subscribe({
        topic: /\.device-data$/,
        group: 'history',
        handler: async (batch) => void (handled += batch.length),
      });
      await bus.publish('acme.device-data', 'd1', { n: 1 });
      await bus.publishMany([
        { topic: 'acme.device-data', key: 'd1', value: { n: 2 } },
        { topic: 'other-tenant.device-data', key: 'd2', value: { n: 3 } },
      ]);
      // Topics a tenant could make up: one series for all of them.
      for (let i = 0; i < 500; i++) await bus.publish(`acme.made-up-${i}`, null, {});
      await memory.drained();
      assert.equal(handled, 3);
      const text = await metrics.registry.metrics();
      assert.equal(series(text, 'dojot_bus_messages_published_total', 'subject="device-data"'), 3);
      assert.equal(series(text, 'dojot_bus_messages_published_total', 'subject="other"'), 500);
      assert.equal(series(text, 'dojot_bus_messages_consumed_total', 'subject="device-data",consumer="history"'), 3);
      assert.equal(text.split('\n').filter((l) => l.startsWith('dojot_bus_messages_published_total{')).length, 2);
    } finally {
      await bus.close();
    }
  });
});
