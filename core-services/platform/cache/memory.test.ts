import { cacheContract } from './cache.contract.js';
import { MemoryCache } from './memory.js';

describe('memory cache', () => {
  cacheContract({ build: async () => new MemoryCache() });
});
