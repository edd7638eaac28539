// GET /health asks the engines the platform depends on, so a load balancer or Docker stops
// sending work to an instance that cannot do it.
import assert from 'node:assert/strict';
import { eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('GET /health', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  before(async () => (p = await startTestPlatform({ DOJOT_HEALTH_CONSUMER_STUCK_MS: '1000' })));
  after(async () => p?.close());

  const health = async () => {
    const res = await fetch(`${p.httpUrl}/health`);
    return {
      status: res.status,
      body: (await res.json()) as {
        status: string;
        error?: string;
        checks: Record<string, { status: string; ms: number; error?: string }>;
      },
    };
  };

  it('answers 200 with each engine checked, without a token', async () => {
    const { status, body } = await health();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.checks).sort(), ['bus', 'cache', 'consumers', 'deadLetters', 'store']);
    for (const c of Object.values(body.checks)) assert.deepEqual([c.status, typeof c.ms], ['ok', 'number']);
  });

  it('answers 503 naming a bus consumer stuck on one batch, and 200 again once it moves on', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const topic = `probe${Date.now()}.health-probe`;
    const sub = await p.bus.subscribe({ topic, group: 'stuck-consumer', handler: () => held });
    try {
      await p.bus.publish(topic, 'k', { n: 1 });
      const stuck = await eventually(health, (h) => h.status === 503, 15_000);
      assert.equal(stuck.status, 503, JSON.stringify(stuck.body));
      assert.match(
        stuck.body.error ?? '',
        /^consumers: consumer stuck or lagging: stuck-consumer .* (has been on one batch for|is) \d+ s/,
      );
      release();
      const ok = await eventually(health, (h) => h.status === 200, 15_000);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    } finally {
      release();
      await sub.close();
    }
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
