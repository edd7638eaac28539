// Redis cache (ioredis): shared by every instance, so a rate limit or a single-use ticket holds
// across them. Needs Redis ≥ 6.2 (GETDEL).
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Cache } from './cache.js';

export interface RedisCacheOptions {
  /** redis[s]://[user:password@]host:port[/db] */
  url: string;
  /** Put before every key, so several deployments or test runs can share one Redis. @default 'dojot:' */
  keyPrefix?: string;
  log?: Logger;
}

// INCR and PEXPIRE in one atomic step: the window starts at the first increment and later ones
// do not move it (a MULTI would need PEXPIRE ... NX, which is Redis 7 only).
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

type ScriptedRedis = Redis & { incrWithTtl(key: string, ttlMs: number): Promise<number> };

/** Redis wants a positive whole number of milliseconds. */
const ms = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

export class RedisCache implements Cache {
  readonly kind = 'redis';

  private constructor(private readonly redis: ScriptedRedis) {}

  static async open(opts: RedisCacheOptions): Promise<RedisCache> {
    const redis = new Redis(opts.url, { keyPrefix: opts.keyPrefix ?? 'dojot:', lazyConnect: true }) as ScriptedRedis;
    let lastError: Error | undefined;
    // ioredis reconnects by itself; without a listener it would print each failure to the console.
    redis.on('error', (err: Error) => {
      lastError = err;
      opts.log?.warn({ err }, 'redis: connection error');
    });
    redis.defineCommand('incrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      // The URL may hold a password: name the host only.
      throw new Error(`Redis at ${new URL(opts.url).host} is not reachable: ${(lastError ?? (err as Error)).message}`, {
        cause: err,
      });
    }
    return new RedisCache(redis);
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.incrWithTtl(key, ms(ttlMs)));
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', ms(ttlMs));
  }

  take(key: string): Promise<string | null> {
    return this.redis.getdel(key);
  }

  async del(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    await this.redis.quit();
  }
}

export const openRedisCache = (opts: RedisCacheOptions): Promise<RedisCache> => RedisCache.open(opts);
