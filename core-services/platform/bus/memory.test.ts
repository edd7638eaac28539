import { busContract } from './bus.contract.js';
import { MemoryBus } from './memory.js';

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
});
