import type { Config } from '../config.js';
import type { Cache } from './cache.js';
import { MemoryCache } from './memory.js';

export type { Cache } from './cache.js';

type CacheFactory = (config: Readonly<Config>) => Promise<Cache>;

const CACHE_ADAPTERS: Record<string, CacheFactory> = {
  memory: async () => new MemoryCache(),
  // Loaded only when configured, so the embedded mode never loads ioredis.
  redis: async (config) =>
    (await import('./redis.js')).openRedisCache({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix }),
};

export function cacheKind(config: Readonly<Config>): string {
  return config.redisUrl ? 'redis' : 'memory';
}

export async function createCache(config: Readonly<Config>): Promise<Cache> {
  const kind = cacheKind(config);
  const factory = CACHE_ADAPTERS[kind];
  if (!factory) throw new Error(`cache adapter "${kind}" is not available in this build`);
  return factory(config);
}
