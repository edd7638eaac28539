// A flow that kills its runtime as soon as it starts: the supervisor restarts it with back-off,
// and after a crash loop starts it in safe mode (editor up, flows stopped) instead of forever.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

describe('flow runtime crash loop', function () {
  this.timeout(150_000);
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform({ DOJOT_RUNTIME_MAX_OLD_SPACE_MB: '64' });
    admin = await p.login();
  });
  after(async () => p?.close());

  const runtime = async () =>
    (await p.api(admin, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'admin');

  it('restarts a crashing runtime with back-off, then runs it in safe mode with the editor still served', async () => {
    const res = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'memory hog at start',
      flow: [
        { id: 'go', type: 'inject', once: true, onceDelay: 0.1, repeat: '', wires: [['hog']] },
        {
          id: 'hog',
          type: 'function',
          func: 'const a = []; while (true) a.push(new Array(100000).fill(1)); return msg;',
          wires: [],
        },
      ],
    });
    assert.equal(res.status, 200);
    const rt = await eventually(runtime, (r) => r?.safeMode === true && r.state === 'running', 120_000);
    assert.ok(rt.restarts >= 5, `restarts: ${rt.restarts}`);
    // The hog dies of its heap cap, or (on a loaded machine) of the watchdog first.
    assert.match(
      rt.lastExit.reason,
      /^(out of memory \(heap capped at \d+ MB|no heartbeat for)/,
      JSON.stringify(rt.lastExit),
    );
    // Safe mode: the runtime serves its admin API (the editor), its flows do not run.
    const nr = await p.api(admin, 'GET', '/flows/flows');
    assert.equal(nr.status, 200);
    assert.ok(nr.body.some((n: any) => n.id === 'hog'));
    // Fixing the flow over REST starts the flows again.
    await p.api(admin, 'PUT', `/flows/v1/flow/${res.body.flow.id}`, {
      flow: [
        { id: 'h', type: 'http in', url: '/fixed', method: 'get', wires: [['r']] },
        { id: 'r', type: 'http response', wires: [] },
      ],
    });
    assert.equal(
      (
        await eventually(
          () => p.api(admin, 'GET', '/flows/api/fixed'),
          (r) => r.status === 200,
          20_000,
        )
      ).status,
      200,
    );
    assert.equal((await runtime()).safeMode, false);
  });
});
