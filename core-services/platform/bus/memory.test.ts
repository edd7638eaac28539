import assert from 'node:assert/strict';
import { busContract } from './bus.contract.js';
import { MemoryBus, RETAINED_PER_TOPIC } from './memory.js';

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
});
