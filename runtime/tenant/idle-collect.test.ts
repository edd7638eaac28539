import assert from 'node:assert/strict';
import { IdleCollector, takeCollector } from './idle-collect.js';

describe('idle runtime collection', () => {
  it('collects once a runtime has been quiet for the delay, once per quiet spell', () => {
    let collections = 0;
    const c = new IdleCollector(() => void (collections += 1), 10_000);
    assert.equal(c.tick(5, 0), false); // Node-RED's start: the first count
    assert.equal(c.tick(5, 9_999), false); // not quiet long enough
    assert.equal(c.tick(5, 10_000), true);
    assert.equal(c.tick(5, 60_000), false, 'collected again in the same quiet spell');
    assert.equal(c.tick(9, 61_000), false); // work: a new spell starts
    assert.equal(c.tick(9, 70_000), false);
    assert.equal(c.tick(9, 71_000), true);
    assert.equal(collections, 2);
  });

  it('never collects while messages keep coming', () => {
    let collections = 0;
    const c = new IdleCollector(() => void (collections += 1), 10_000);
    for (let t = 0, n = 0; t < 120_000; t += 1_000, n += 1) c.tick(n, t);
    assert.equal(collections, 0);
  });

  it('does nothing without V8 collection exposed', () => {
    const c = new IdleCollector(null, 10);
    c.tick(1, 0);
    assert.equal(c.tick(1, 100), false);
  });

  it('finds V8 collection when the runtime has it, and nothing otherwise', () => {
    const g = globalThis as { gc?: unknown };
    const collect = takeCollector();
    assert.equal(collect === null, typeof g.gc !== 'function');
  });
});
