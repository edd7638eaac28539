import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireService } from '../../../test/helpers/services.js';
import { loadConfig } from '../config.js';
import { cacheContract } from './cache.contract.js';
import { createCache } from './index.js';
import { openRedisCache } from './redis.js';

// Every key of this run starts with RUN; the after hook removes them.
const RUN = `dojot-test:${randomUUID().slice(0, 8)}:`;

describe('Redis cache', function () {
  let url = '';
  let n = 0;

  before(async function () {
    url = await requireService.call(this, 'redis');
  });

  after(async function () {
    if (!url) return;
    const redis = new Redis(url);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
  });

  cacheContract({ build: () => openRedisCache({ url, keyPrefix: `${RUN}${++n}:` }) });

  it('keeps two prefixes apart and stores keys under its prefix', async () => {
    const a = await openRedisCache({ url, keyPrefix: `${RUN}a:` });
    const b = await openRedisCache({ url, keyPrefix: `${RUN}b:` });
    const raw = new Redis(url);
    try {
      await a.set('k', 'from a', 10_000);
      assert.equal(await b.get('k'), null);
      assert.equal(await raw.get(`${RUN}a:k`), 'from a');
      assert.ok((await raw.pttl(`${RUN}a:k`)) > 9_000);
      await a.incr('n', 10_000);
      assert.ok((await raw.pttl(`${RUN}a:n`)) > 9_000);
    } finally {
      await Promise.all([a.close(), b.close(), raw.quit()]);
    }
  });

  it('is chosen by DOJOT_REDIS_URL', async () => {
    const cache = await createCache(loadConfig({ DOJOT_REDIS_URL: url }));
    try {
      assert.equal(cache.kind, 'redis');
    } finally {
      await cache.close();
    }
  });

  it('fails to open, naming the cause, when nothing listens at the URL', async () => {
    await assert.rejects(
      openRedisCache({ url: 'redis://127.0.0.1:1' }),
      /Redis at 127\.0\.0\.1:1 is not reachable: .*ECONNREFUSED/,
    );
  });
});
