// Tenant isolation of the flow engine: each tenant's Node-RED runs in its own process, so an
// endless loop or a crash in one cannot hold up another; the supervisor brings a dead runtime
// back; and no token of one tenant reaches another tenant's flows, through any door.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually, sleep } from './helpers/mqtt.js';

const RUNTIME_MS = 60_000;
/** The bar of the issue: B's flows answer within a second while A misbehaves. */
const MAX_DELAY_MS = 1000;

const httpFlow = (name: string, endpoints: Record<string, string>) => ({
  name,
  flow: Object.entries(endpoints).flatMap(([path, func]) => [
    { id: `${name}-in-${path}`, type: 'http in', url: `/${path}`, method: 'get', wires: [[`${name}-fn-${path}`]] },
    { id: `${name}-fn-${path}`, type: 'function', func, wires: [[`${name}-out-${path}`]] },
    { id: `${name}-out-${path}`, type: 'http response', wires: [] },
  ]),
});

describe('flow engine isolation between tenants', function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: string;
  let b: string;
  let bFlowId: string;

  before(async () => {
    // Stands for the platform's secrets (DOJOT_POSTGRES_URL with its password...): the runtimes
    // are started after it is set, as they would be by a platform started with it.
    process.env.DOJOT_RUNTIME_ENV_PROBE = 'platform-secret';
    p = await startTestPlatform({
      // The supervisor stops a function node silent past 2 s + one heartbeat (~3 s); it kills at 5 s.
      DOJOT_RUNTIME_FUNCTION_TIMEOUT: '2',
      DOJOT_RUNTIME_HEARTBEAT_TIMEOUT_MS: '5000',
      DOJOT_RUNTIME_MAX_OLD_SPACE_MB: '96',
    });
    a = await p.login();
    const bob = await p.api(a, 'POST', '/auth/user', {
      username: 'bob',
      service: 'beta',
      email: 'bob@example.com',
      name: 'Bob',
      profile: 'user',
      passwd: 'bobpass',
    });
    assert.equal(bob.status, 200, JSON.stringify(bob.body));
    b = await p.login('bob', 'bobpass');
    const aFlow = httpFlow('a', {
      ping: 'msg.payload = "a"; return msg;',
      loop: 'while (true) {} return msg;',
      // The loop runs in a timer callback, where the function timeout cannot reach: only the heartbeat watchdog can.
      'timer-loop': 'setTimeout(() => { while (true) {} }, 0); msg.payload = "looping"; return msg;',
      crash: 'const hog = []; while (true) hog.push(new Array(100000).fill(Math.random())); return msg;',
    });
    assert.equal((await p.api(a, 'POST', '/flows/v1/flow', aFlow)).status, 200);
    const bFlow = await p.api(b, 'POST', '/flows/v1/flow', httpFlow('b', { ping: 'msg.payload = "b"; return msg;' }));
    bFlowId = bFlow.body.flow.id;
    await eventually(
      () => p.api(a, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    await eventually(
      () => p.api(b, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
  });
  after(async () => {
    delete process.env.DOJOT_RUNTIME_ENV_PROBE;
    await p?.close();
  });

  /** Pings B for `ms` and returns the slowest answer, ms. */
  async function slowestPingOfB(ms: number): Promise<number> {
    let worst = 0;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const t0 = Date.now();
      const r = await p.api(b, 'GET', '/flows/api/ping');
      assert.deepEqual([r.status, r.body], [200, 'b']);
      worst = Math.max(worst, Date.now() - t0);
      await sleep(100); // a ping every 100 ms during the whole time (a sampling rate, not a wait)
    }
    return worst;
  }

  const fire = (token: string, path: string) => {
    const ac = new AbortController();
    void fetch(`${p.httpUrl}/flows/api/${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    }).catch(() => {});
    return () => ac.abort();
  };

  const runtimeOf = async (tenant: string) =>
    (await p.api(a, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === tenant);

  it("an endless loop in tenant A's function node does not delay tenant B, and A recovers by the function timeout", async () => {
    const before = await runtimeOf('admin');
    const abort = fire(a, 'loop');
    const worst = await slowestPingOfB(2500);
    abort();
    assert.ok(worst < MAX_DELAY_MS, `B answered in ${worst} ms`);
    const back = await eventually(
      () => p.api(a, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      10_000,
    );
    assert.equal(back.body, 'a');
    // Stopped by the supervisor's SIGINT, in the same process: not restarted.
    const after = await runtimeOf('admin');
    assert.deepEqual(
      [after.pid, after.restarts, after.functionInterrupts],
      [before.pid, before.restarts, before.functionInterrupts + 1],
      JSON.stringify(after),
    );
  });

  it("an endless loop the function timeout cannot stop is killed by the watchdog, and A's flows run again", async () => {
    const before = (await runtimeOf('admin')).restarts;
    const abort = fire(a, 'timer-loop');
    const worst = await slowestPingOfB(4000);
    abort();
    assert.ok(worst < MAX_DELAY_MS, `B answered in ${worst} ms`);
    const rt = await eventually(
      () => runtimeOf('admin'),
      (r) => r.restarts > before && r.state === 'running',
      RUNTIME_MS,
    );
    assert.equal(rt.lastExit.reason.startsWith('no heartbeat'), true, JSON.stringify(rt.lastExit));
    const back = await eventually(
      () => p.api(a, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.equal(back.body, 'a');
  });

  it("a crash (memory blow-up) of A's runtime does not delay B, and the supervisor restarts A with its flows", async () => {
    const before = (await runtimeOf('admin')).restarts;
    const oldPid = (await runtimeOf('admin')).pid;
    const abort = fire(a, 'crash');
    const worst = await slowestPingOfB(3000);
    abort();
    assert.ok(worst < MAX_DELAY_MS, `B answered in ${worst} ms`);
    const rt = await eventually(
      () => runtimeOf('admin'),
      (r) => r.restarts > before && r.state === 'running',
      RUNTIME_MS,
    );
    assert.notEqual(rt.pid, oldPid);
    const back = await eventually(
      () => p.api(a, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.equal(back.body, 'a');
    assert.equal((await runtimeOf('beta')).restarts, 0);
  });

  it("tenant A's token can never load or change tenant B's flows", async () => {
    // The REST API: B's flow id is unknown to A.
    for (const [method, body] of [['GET'], ['PUT', { name: 'mine now' }], ['DELETE']] as const) {
      const r = await p.api(a, method, `/flows/v1/flow/${bFlowId}`, body);
      assert.equal(r.status, 404, `${method} ${JSON.stringify(r.body)}`);
    }
    assert.ok(!(await p.api(a, 'GET', '/flows/v1/flow')).body.flows.some((f: any) => f.id === bFlowId));
    // The editor's admin API: A's token reaches A's runtime only.
    const nr = await p.api(a, 'GET', '/flows/flows');
    assert.equal(nr.status, 200);
    assert.ok(!nr.body.some((n: any) => n.id === bFlowId));
    // A cookie of B does not outweigh A's own token, and without a token there is no runtime at all.
    const mixed = await fetch(`${p.httpUrl}/flows/flows`, {
      headers: { authorization: `Bearer ${a}`, cookie: `dojot_red_token=${b}` },
    });
    assert.ok(!((await mixed.json()) as any[]).some((n) => n.id === bFlowId));
    assert.equal((await p.api(null, 'GET', '/flows/flows')).status, 401);
    assert.equal((await p.api(`${a}x`, 'GET', '/flows/flows')).status, 401);
    // Straight at B's runtime's loopback port (past the gateway), nothing answers at all: only the
    // platform's proxy knows the secret of the runtime's start (docs/sandbox.md).
    const port = (await runtimeOf('beta')).port;
    await assert.rejects(fetch(`http://127.0.0.1:${port}/flows/flows`, { headers: { authorization: `Bearer ${a}` } }));
    await assert.rejects(
      fetch(`http://127.0.0.1:${port}/flows/flows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a}`, 'content-type': 'application/json' },
        body: '[]',
      }),
    );
    assert.equal((await p.api(b, 'GET', `/flows/v1/flow/${bFlowId}`)).body.flow.name, 'b');
  });

  it('reports the runtimes only to an admin profile', async () => {
    const r = await p.api(b, 'GET', '/flows/v1/runtime');
    assert.deepEqual([r.status, r.body.code], [403, 'FLOWS_ADMIN_ONLY']);
  });

  it("does not let a tenant's flows read the platform's environment", async () => {
    const flow = await p.api(b, 'POST', '/flows/v1/flow', {
      name: 'env reader',
      flow: [
        { id: 'env-h', type: 'http in', url: '/env', method: 'get', wires: [['env-f']] },
        {
          id: 'env-f',
          type: 'function',
          func: 'msg.payload = String(env.get("DOJOT_RUNTIME_ENV_PROBE")) + " " + typeof env.get("PATH"); return msg;',
          wires: [['env-r']],
        },
        { id: 'env-r', type: 'http response', wires: [] },
      ],
    });
    assert.equal(flow.status, 200);
    const read = await eventually(
      () => p.api(b, 'GET', '/flows/api/env'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.equal(read.body, 'undefined string', 'the platform variable is not there; PATH is');
  });

  it('does not offer the core nodes that reach the host, nor npm modules in function nodes', async () => {
    const res = await fetch(`${p.httpUrl}/flows/nodes`, {
      headers: { authorization: `Bearer ${b}`, accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    const types = ((await res.json()) as { types: string[] }[]).flatMap((s) => s.types);
    assert.ok(types.includes('function') && types.includes('dojot bus in'));
    for (const banned of ['exec', 'file', 'file in', 'watch', 'tcp in', 'tcp out', 'tcp request', 'udp in', 'udp out'])
      assert.ok(!types.includes(banned), banned);
    const settings = await p.api(b, 'GET', '/flows/settings');
    assert.equal(settings.body.functionExternalModules, false);
  });
});
