import assert from 'node:assert/strict';
import { busContract } from './bus.contract.js';
import { HIGH_WATER_MESSAGES, MemoryBus, RETAINED_PER_TOPIC } from './memory.js';

let n = 0;
describe('memory bus', () => {
  busContract({
    build: async (deadLetters) => new MemoryBus(undefined, deadLetters),
    settle: async (bus) => {
      // The retry back-off is 50 ms: give a failed batch time to come round again.
      await (bus as MemoryBus).drained();
      await new Promise((r) => setTimeout(r, 80));
      await (bus as MemoryBus).drained();
    },
    tenant: () => `t${++n}`,
  });

  it('starts a new group from the beginning with exactly the last messages each topic retains, in order', async () => {
    const bus = new MemoryBus();
    try {
      const topic = 'retained.device-data';
      const total = 2 * RETAINED_PER_TOPIC + 345;
      for (let i = 0; i < total; i += 100)
        await bus.publishMany(
          Array.from({ length: Math.min(100, total - i) }, (_, k) => ({ topic, key: 'k', value: i + k })),
        );
      const got: number[] = [];
      await bus.subscribe({
        topic,
        group: 'late',
        fromBeginning: true,
        handler: async (batch) => void got.push(...batch.map((m) => m.value as number)),
      });
      await bus.drained();
      assert.deepEqual(
        got,
        Array.from({ length: RETAINED_PER_TOPIC }, (_, k) => total - RETAINED_PER_TOPIC + k),
      );
    } finally {
      await bus.close();
    }
  });

  it('makes publishers wait while a group is past its high water, and lets them go once it drains', async () => {
    const bus = new MemoryBus();
    try {
      const topic = 'slow.device-data';
      let release!: () => void;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      let handled = 0;
      await bus.subscribe({
        topic,
        group: 'slow',
        maxBatch: 10_000,
        handler: async (batch) => {
          await blocked;
          handled += batch.length;
        },
      });
      // Below the high water every publish is taken at once.
      for (let i = 0; i < HIGH_WATER_MESSAGES - 1; i++) await bus.publish(topic, 'k', i);
      const settled = (p: Promise<void>) =>
        Promise.race([p.then(() => true), new Promise((r) => setTimeout(r, 50, false))]);
      const one = bus.publish(topic, 'k', 'the one that fills it');
      const many = bus.publishMany([{ topic, key: 'k', value: 'and one more' }]);
      assert.equal(await settled(one), false, 'a single publish waits');
      assert.equal(await settled(many), false, 'a batch waits');
      release();
      assert.equal(await settled(one), true);
      assert.equal(await settled(many), true);
      await bus.drained();
      assert.equal(handled, HIGH_WATER_MESSAGES + 1);
    } finally {
      await bus.close();
    }
  });
});
