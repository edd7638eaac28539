// The red team: a `user` of tenant "beta" deploys flows over REST whose function nodes do what a
// hostile tenant would. The sandbox assumes they escape Node's vm (they do, through every host
// object) and holds at the process: no command, no host file, nothing of the platform's data or
// environment, no signal to another process, no route to another runtime or an internal port, no
// memory beyond the cap. After each attempt tenant "alpha"'s flows must still answer.
// Each of these was seen to fail with its defence turned off (DOJOT_RUNTIME_SANDBOX_OFF, docs/sandbox.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

const RUNTIME_MS = 60_000;

/**
 * One function node runs whichever attack the request names, with what the attacker knows (pids,
 * ports and paths are guessable on a real host) in msg.payload. It answers what it got: each
 * attempt's value, or the error that stopped it.
 */
const ATTACKER = String.raw`
const a = msg.payload;
const hosts = { msg, Buffer, Date, console, setTimeout, RED, env: env.get, context, node, flow, global };
const proc = msg.constructor.constructor('return process')();
const fs = proc.getBuiltinModule('fs');
const out = {};
const tryIt = async (name, fn) => {
  try { out[name] = { done: true, value: String(await fn()).slice(0, 200) }; }
  catch (e) { out[name] = { done: false, error: String(e && (e.code || e.message)) }; }
};
const connect = (port, host) => new Promise((resolve, reject) => {
  const s = proc.getBuiltinModule('net').connect(port, host, () => { s.destroy(); resolve('connected'); });
  s.on('error', reject);
  s.setTimeout(3000, () => { s.destroy(); reject(new Error('timeout')); });
});
const request = (url) => new Promise((resolve, reject) => {
  const r = proc.getBuiltinModule('http').get(url, (res) => { res.resume(); resolve('HTTP ' + res.statusCode); });
  r.on('error', (e) => reject(e));
  r.setTimeout(3000, () => { r.destroy(new Error('timeout')); });
});
switch (a.attack) {
  case 'escape':
    for (const [k, v] of Object.entries(hosts)) {
      await tryIt(k, () => {
        const p = v.constructor.constructor('return process')();
        return p.getBuiltinModule('child_process').execSync('id').toString();
      });
    }
    await tryIt('spawn', () => proc.getBuiltinModule('child_process').spawnSync('id').stdout);
    await tryIt('binding', () => typeof proc.binding('spawn_sync').spawn);
    await tryIt('worker', () => new (proc.getBuiltinModule('worker_threads').Worker)('1', { eval: true }));
    await tryIt('addon', () => proc.dlopen({ exports: {} }, '/usr/lib/x86_64-linux-gnu/libc.so.6'));
    break;
  case 'host-files':
    await tryIt('passwd', () => fs.readFileSync('/etc/passwd', 'utf8'));
    await tryIt('write', () => fs.writeFileSync('/tmp/dojot-red-red-team', 'x'));
    await tryIt('proc-environ', () => fs.readFileSync('/proc/' + proc.ppid + '/environ', 'utf8'));
    await tryIt('own-env', () => Object.keys(proc.env).filter((k) => k.startsWith('DOJOT_')).join(',') || (() => { throw new Error('none'); })());
    break;
  case 'data-dir':
    await tryIt('list', () => fs.readdirSync(a.dataDir).join(','));
    await tryIt('store-dir', () => fs.readdirSync(a.dataDir + '/pglite').join(','));
    await tryIt('store-file', () => fs.readFileSync(a.dataDir + '/pglite/PG_VERSION', 'utf8'));
    await tryIt('other-tenant', () => fs.readdirSync(a.dataDir + '/flows/alpha').join(','));
    break;
  case 'signals':
    await tryIt('platform', () => proc.kill(proc.ppid, 'SIGKILL'));
    await tryIt('other-runtime', () => proc.kill(a.pid, 'SIGKILL'));
    break;
  case 'other-runtime-port':
    await tryIt('http', () => request('http://127.0.0.1:' + a.port + '/flows/api/alive'));
    break;
  case 'internal-ports':
    for (const [name, port] of Object.entries(a.ports)) await tryIt(name, () => connect(port, '127.0.0.1'));
    await tryIt('node-http', () => request('http://localhost:' + a.ports.http + '/health'));
    break;
  case 'memory': {
    const hog = [];
    for (let i = 0; i < 24; i++) { hog.push(Buffer.alloc(64 * 1024 * 1024, 1)); }
    out.held = { done: true, value: String(hog.length * 64) + ' MB' };
    break;
  }
}
msg.payload = out;
return msg;
`;

type Attempt = { done: boolean; value?: string; error?: string };

describe('tenant sandbox against a hostile tenant (red team)', function () {
  this.timeout(240_000);
  let p: TestPlatform;
  let operator: string;
  let alphaAdmin: string;
  let mallory: string;

  const runtimeOf = async (tenant: string) => {
    const r = await p.api(operator, 'GET', '/flows/v1/runtime');
    return (
      r.body.runtimes as {
        tenant: string;
        pid: number;
        port: number;
        state: string;
        lastExit: { reason: string } | null;
        restarts: number;
      }[]
    ).find((x) => x.tenant === tenant)!;
  };
  const attack = async (name: string, extra: Record<string, unknown> = {}): Promise<Record<string, Attempt>> => {
    const r = await p.api(mallory, 'POST', '/flows/api/attack', { attack: name, ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Record<string, Attempt>;
  };
  /** Every attempt failed; the message names what succeeded. */
  const allRefused = (out: Record<string, Attempt>) => {
    const through = Object.entries(out).filter(([, v]) => v.done);
    assert.deepEqual(through, [], `got through: ${JSON.stringify(through)}`);
  };
  const alphaStillAnswers = async () => {
    const r = await p.api(alphaAdmin, 'GET', '/flows/api/alive');
    assert.deepEqual([r.status, r.body], [200, 'alpha alive']);
  };

  before(async () => {
    // DOJOT_TEST_SANDBOX_OFF turns defences off, to see these tests fail without them.
    p = await startTestPlatform({
      DOJOT_RUNTIME_MAX_RSS_MB: '384',
      DOJOT_RUNTIME_SANDBOX_OFF: process.env.DOJOT_TEST_SANDBOX_OFF ?? '',
    });
    operator = await p.login();
    for (const [username, service, profile] of [
      ['alice', 'alpha', 'admin'],
      ['mallory', 'beta', 'user'],
    ]) {
      const r = await p.api(operator, 'POST', '/auth/user', {
        username,
        service,
        profile,
        email: `${username}@example.com`,
        name: username,
        passwd: `${username}-pass`,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    alphaAdmin = await p.login('alice', 'alice-pass');
    mallory = await p.login('mallory', 'mallory-pass');
    const alive = [
      { id: 'alive-in', type: 'http in', url: '/alive', method: 'get', wires: [['alive-fn']] },
      { id: 'alive-fn', type: 'function', func: 'msg.payload = "alpha alive"; return msg;', wires: [['alive-out']] },
      { id: 'alive-out', type: 'http response', wires: [] },
    ];
    assert.equal((await p.api(alphaAdmin, 'POST', '/flows/v1/flow', { name: 'alive', flow: alive })).status, 200);
    const hostile = [
      { id: 'atk-in', type: 'http in', url: '/attack', method: 'post', wires: [['atk-fn']] },
      { id: 'atk-fn', type: 'function', func: ATTACKER, wires: [['atk-out']] },
      { id: 'atk-out', type: 'http response', wires: [] },
    ];
    assert.equal((await p.api(mallory, 'POST', '/flows/v1/flow', { name: 'hostile', flow: hostile })).status, 200);
    await eventually(
      () => p.api(alphaAdmin, 'GET', '/flows/api/alive'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    await eventually(
      () => p.api(mallory, 'POST', '/flows/api/attack', { attack: 'none' }),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
  });
  after(async () => {
    await p?.close();
  });

  it('reports every sandbox defence on (root here: uids, permissions, cgroup or polled memory, CPU, kernel egress rules, proxy secret)', async () => {
    const r = await p.api(operator, 'GET', '/flows/v1/runtime');
    assert.equal(r.body.sandbox.isolated, true, JSON.stringify(r.body.sandbox));
    const health = await p.api(null, 'GET', '/health');
    assert.equal(health.body.details.sandbox.isolated, true);
    assert.equal(health.body.warnings, undefined);
  });

  it('escapes the vm through every host object, and still runs no command, spawns nothing, loads no addon', async () => {
    const out = await attack('escape');
    for (const host of [
      'msg',
      'Buffer',
      'Date',
      'console',
      'setTimeout',
      'RED',
      'env',
      'context',
      'node',
      'flow',
      'global',
    ]) {
      assert.ok(out[host], `no attempt through ${host}`);
    }
    allRefused(out);
    await alphaStillAnswers();
  });

  it("reads no host file, writes nowhere but its own folder, and sees none of the platform's environment", async () => {
    allRefused(await attack('host-files'));
    await alphaStillAnswers();
  });

  it("reads nothing of the platform's data directory (store files, other tenants' folders)", async () => {
    allRefused(await attack('data-dir', { dataDir: p.config.dataDir }));
    await alphaStillAnswers();
  });

  it('signals neither the platform nor another tenant’s runtime', async () => {
    const before = await runtimeOf('alpha');
    allRefused(await attack('signals', { pid: before.pid }));
    await alphaStillAnswers();
    const after = await runtimeOf('alpha');
    assert.deepEqual([after.pid, after.restarts], [before.pid, before.restarts]);
  });

  it("reaches neither another runtime's HTTP port nor the platform's internal ports", async () => {
    const alpha = await runtimeOf('alpha');
    allRefused(await attack('other-runtime-port', { port: alpha.port }));
    const ports: Record<string, number> = { http: p.httpPort };
    if (p.mqttPort) ports.mqtt = p.mqttPort;
    // The engines a services-mode platform uses, when they are on this host.
    for (const [name, url] of [
      ['postgres', p.config.postgresUrl],
      ['redis', p.config.redisUrl],
    ]) {
      if (url && /127\.0\.0\.1|localhost/.test(url))
        ports[name] = Number(new URL(url).port || (name === 'redis' ? 6379 : 5432));
    }
    allRefused(await attack('internal-ports', { ports }));
    await alphaStillAnswers();
  });

  it('runs at a lower CPU priority than the platform (nice, and a cgroup weight where there are cgroups)', async () => {
    const beta = await runtimeOf('beta');
    const stat = readFileSync(`/proc/${beta.pid}/stat`, 'utf8');
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    assert.equal(nice, 10);
    const groups = readFileSync(`/proc/${beta.pid}/cgroup`, 'utf8');
    const sandbox = (await p.api(operator, 'GET', '/flows/v1/runtime')).body.sandbox;
    if (/cgroup/.test(sandbox.defences.cpu.how)) assert.match(groups, /dojot-red-runtimes\/rt-/);
  });

  it("refuses a runtime uid's connections in the kernel, even with the runtime's own check undone", async () => {
    // What hostile code gets once it has replaced net.Socket#connect: a plain process of a runtime uid.
    const probe = `require('net').connect(${p.httpPort}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
    // The last uid of the platform's range: none of its tenants has it.
    const uid = p.config.runtimeUidRange[1];
    const r = spawnSync(process.execPath, ['-e', probe], { uid, gid: uid, encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.stdout.trim(), 'ECONNREFUSED', r.stderr);
  });

  it("answers a direct request to a runtime's port (past the platform's proxy) with nothing", async () => {
    const alpha = await runtimeOf('alpha');
    await assert.rejects(
      fetch(`http://127.0.0.1:${alpha.port}/flows/api/alive`),
      'a request without the proxy secret got an answer',
    );
    await alphaStillAnswers();
  });

  it('cannot hold Buffers past the resident memory cap: its runtime is killed for memory, and says so', async () => {
    const before = await runtimeOf('beta');
    const r = await p.api(mallory, 'POST', '/flows/api/attack', { attack: 'memory' });
    assert.notEqual(r.status, 200, 'the runtime held 1.5 GB of Buffers');
    const after = await eventually(
      () => runtimeOf('beta'),
      (x) => x.restarts > before.restarts || x.lastExit !== null,
      RUNTIME_MS,
    );
    assert.match(after.lastExit!.reason, /out of memory \(resident memory/);
    await alphaStillAnswers();
  });
});
