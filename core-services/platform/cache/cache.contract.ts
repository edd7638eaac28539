// The behaviour every cache adapter must show (memory here, Redis in CI).
import assert from 'node:assert/strict';
import type { Cache } from './cache.js';

export interface CacheContractOptions {
  /** A cache whose keys no other test sees. */
  build: () => Promise<Cache>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** TTLs are short so the suite is quick, and far apart from the waits so it is not flaky, ms. */
const TTL_MS = 300;

export function cacheContract(opts: CacheContractOptions): void {
  let cache: Cache;
  beforeEach(async () => {
    cache = await opts.build();
  });
  afterEach(async () => {
    await cache.close();
  });

  it('answers a ping while open, and fails it once closed', async () => {
    await cache.ping();
    await cache.close();
    await assert.rejects(cache.ping());
  });

  it('counts from 1 and forgets the count TTL after the first increment, not the last', async () => {
    assert.equal(await cache.incr('c', TTL_MS), 1);
    assert.equal(await cache.incr('c', TTL_MS), 2);
    await sleep(TTL_MS / 2);
    assert.equal(await cache.incr('c', TTL_MS), 3); // a later increment does not extend the window
    await sleep(TTL_MS);
    assert.equal(await cache.incr('c', TTL_MS), 1);
  });

  it('counts concurrent increments exactly', async () => {
    const got = await Promise.all(Array.from({ length: 50 }, () => cache.incr('burst', 10_000)));
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('keeps a value until its TTL passes, and a new set replaces value and TTL', async () => {
    assert.equal(await cache.get('v'), null);
    await cache.set('v', 'one', TTL_MS);
    assert.equal(await cache.get('v'), 'one');
    await cache.set('v', 'two', 10 * TTL_MS);
    await sleep(TTL_MS * 2);
    assert.equal(await cache.get('v'), 'two');
    await cache.set('v', 'three', TTL_MS);
    await sleep(TTL_MS * 2);
    assert.equal(await cache.get('v'), null);
  });

  it('hands a value to one take only, even when takes race', async () => {
    await cache.set('ticket', 'abc', 10_000);
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.take('ticket')));
    assert.deepEqual(
      got.filter((v) => v !== null),
      ['abc'],
    );
    assert.equal(await cache.take('ticket'), null);
    assert.equal(await cache.get('ticket'), null);
  });

  it('takes nothing from an expired or missing key', async () => {
    assert.equal(await cache.take('never-set'), null);
    await cache.set('brief', 'x', TTL_MS);
    await sleep(TTL_MS * 2);
    assert.equal(await cache.take('brief'), null);
  });

  it('deletes a value and a counter; deleting a missing key is fine', async () => {
    await cache.set('d', 'x', 10_000);
    await cache.incr('dc', 10_000);
    await cache.del('d');
    await cache.del('dc');
    await cache.del('never-set');
    assert.equal(await cache.get('d'), null);
    assert.equal(await cache.incr('dc', 10_000), 1);
  });

  it('keeps values as given: empty, unicode, long', async () => {
    const long = 'x'.repeat(100_000);
    for (const v of ['', 'ação ✓ 🚀', long]) {
      await cache.set('s', v, 10_000);
      assert.equal(await cache.get('s'), v);
    }
  });
}
