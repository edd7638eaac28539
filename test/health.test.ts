// GET /health asks the engines the platform depends on, so a load balancer or Docker stops
// sending work to an instance that cannot do it.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('GET /health', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  before(async () => (p = await startTestPlatform()));
  after(async () => p?.close());

  const health = async () => {
    const res = await fetch(`${p.httpUrl}/health`);
    return { status: res.status, body: (await res.json()) as { status: string; error?: string; checks: Record<string, { status: string; ms: number; error?: string }> } };
  };

  it('answers 200 with each engine checked, without a token', async () => {
    const { status, body } = await health();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.checks).sort(), ['bus', 'cache', 'store']);
    for (const c of Object.values(body.checks)) assert.deepEqual([c.status, typeof c.ms], ['ok', 'number']);
  });

  it('answers 503 naming the engine that fails, and keeps serving', async () => {
    await p.store.close();
    const { status, body } = await health();
    assert.equal(status, 503, JSON.stringify(body));
    assert.equal(body.status, 'error');
    assert.match(body.error ?? '', /^store: /);
    assert.equal(body.checks.store.status, 'error');
    assert.equal(body.checks.bus.status, 'ok');
    assert.equal((await health()).status, 503);
  });
});
