// Cron scenarios against the real platform: the REST API with dojot's shapes and error codes, a
// real HTTP target, the bus, re-arming at start, and one fire per fire time with two schedulers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { Scheduler } from '../core-services/cron/scheduler.js';
import { createLogger } from '../core-services/platform/log.js';
import type { BusMessage } from '../core-services/platform/bus/index.js';

interface Target {
  url: string;
  hits: { at: number; method: string; body: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const hits: Target['hits'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ at: Date.now(), method: req.method ?? '', body, headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise((r) => server.close(() => r())) };
}

const until = async (what: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('cron', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let target: Target;
  let token: string;

  before(async () => {
    target = await startTarget();
    p = await startTestPlatform({ DOJOT_CRON_HTTP_ALLOWED_BASE_URLS: `${target.url}/hook`, DOJOT_CRON_SYNC_MS: '200' });
    token = await p.login();
  });
  after(async () => {
    await p?.close();
    await target?.close();
  });
  afterEach(async () => {
    await p.api(token, 'DELETE', '/cron/v1/jobs');
    target.hits.length = 0;
  });

  it("creates, lists, gets, replaces and deletes jobs with dojot's shapes", async () => {
    const spec = {
      time: '0 0 1 1 *',
      timezone: 'America/Sao_Paulo',
      name: 'new year',
      broker: { subject: 'device-data', message: { attrs: {} } },
    };
    const created = await p.api(token, 'POST', '/cron/v1/jobs', spec);
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'success');
    assert.match(created.body.jobId, /^[0-9a-f-]{36}$/);
    const id = created.body.jobId as string;
    assert.deepEqual((await p.api(token, 'GET', '/cron/v1/jobs')).body, [{ jobId: id, spec }]);
    assert.deepEqual((await p.api(token, 'GET', `/cron/v1/jobs/${id}`)).body, { jobId: id, spec });
    const replaced = await p.api(token, 'PUT', `/cron/v1/jobs/${id}`, { ...spec, name: 'renamed' });
    assert.deepEqual([replaced.status, replaced.body], [200, { status: 'success', jobId: id }]);
    const put = await p.api(token, 'PUT', '/cron/v1/jobs/my-job', spec);
    assert.deepEqual([put.status, put.body], [201, { status: 'success', jobId: 'my-job' }]);
    assert.equal((await p.api(token, 'DELETE', `/cron/v1/jobs/${id}`)).status, 204);
    const gone = await p.api(token, 'GET', `/cron/v1/jobs/${id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body.errors, [{ error: 2, message: 'Resource not found.' }]);
    assert.equal((await p.api(token, 'DELETE', '/cron/v1/jobs')).status, 204);
    assert.deepEqual((await p.api(token, 'GET', '/cron/v1/jobs')).body, []);
  });

  it("refuses bad specs with dojot's error numbers", async () => {
    const broker = { subject: 'device-data', message: {} };
    const cases: [unknown, number][] = [
      [{ time: 'every day', broker }, 101],
      [{ time: '* * * * *', timezone: 'Mars/Olympus', broker }, 102],
      [{ time: '* * * * *', name: 'x'.repeat(129), broker }, 103],
      [{ time: '* * * * *', description: 7, broker }, 104],
      [{ time: '* * * * *' }, 105],
      [{ time: '* * * * *', http: { method: 'FETCH', url: `${target.url}/hook` } }, 111],
      [{ time: '* * * * *', http: { method: 'GET', url: `${target.url}/elsewhere` } }, 112],
      [{ time: '* * * * *', http: { method: 'GET', url: 'http://169.254.169.254/hook' } }, 112],
      [{ time: '* * * * *', broker: { subject: 'dojot.tenancy', message: {} } }, 121],
      [{ time: '* * * * *', broker: { subject: 'device-data', message: 'x'.repeat(8193) } }, 122],
      [{ time: '* * * * *', jscode: 'while(1){}' }, 131],
    ];
    for (const [spec, n] of cases) {
      const res = await p.api(token, 'POST', '/cron/v1/jobs', spec);
      assert.equal(res.status, 400, JSON.stringify(spec).slice(0, 80));
      assert.equal(res.body.status, 'error');
      assert.equal(res.body.errors[0].error, n, JSON.stringify(res.body));
      assert.equal(typeof res.body.error, 'string');
    }
    assert.deepEqual((await p.api(token, 'GET', '/cron/v1/jobs')).body, []);
  });

  it("sends an http job's request to an allowed target every second, with seconds in the expression", async () => {
    const res = await p.api(token, 'POST', '/cron/v1/jobs', {
      time: '* * * * * *',
      http: { method: 'POST', url: `${target.url}/hook/x`, headers: { 'x-job': 'yes' }, body: { hello: 'world' } },
    });
    assert.equal(res.status, 201);
    await until(() => target.hits.length >= 2, 5000);
    assert.equal(target.hits[0].method, 'POST');
    assert.equal(target.hits[0].headers['x-job'], 'yes');
    assert.deepEqual(JSON.parse(target.hits[0].body), { hello: 'world' });
    // dojot's job sends only the headers given: no token is added
    assert.equal(target.hits[0].headers.authorization, undefined);
  });

  it("publishes a broker job's message to the tenant's topic", async () => {
    const got: BusMessage[] = [];
    const sub = await p.bus.subscribe({
      topic: 'admin.device-data',
      group: 'cron-test',
      handler: async (b) => void got.push(...b),
    });
    try {
      const message = { metadata: { deviceid: 'ab12', tenant: 'admin' }, attrs: { temp: 1 } };
      await p.api(token, 'POST', '/cron/v1/jobs', { time: '* * * * * *', broker: { subject: 'device-data', message } });
      await until(() => got.length >= 1, 5000);
      assert.deepEqual(got[0].value, message);
      assert.equal(got[0].key, 'ab12');
    } finally {
      await sub.close();
    }
  });

  it('fires once per fire time, not once per instance, when two schedulers share the store', async () => {
    const second = new Scheduler(p.store, p.bus, createLogger('silent'), 200);
    try {
      await p.api(token, 'POST', '/cron/v1/jobs', {
        time: '* * * * * *',
        http: { method: 'GET', url: `${target.url}/hook` },
      });
      await second.start(); // arms the same job from the store
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 3500));
      const seconds = new Set(target.hits.map((h) => Math.floor(h.at / 1000)));
      assert.ok(target.hits.length >= 2, `only ${target.hits.length} fires`);
      assert.equal(target.hits.length, seconds.size, 'two fires in one second');
      assert.ok(target.hits.length <= Math.ceil((Date.now() - started) / 1000) + 1);
    } finally {
      second.close();
    }
  });

  it('re-arms stored jobs when the platform starts again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-cron-'));
    const env = { DOJOT_CRON_HTTP_ALLOWED_BASE_URLS: `${target.url}/hook` };
    try {
      const first = await startTestPlatform(env, { dataDir });
      await first.api(await first.login(), 'POST', '/cron/v1/jobs', {
        time: '* * * * * *',
        http: { method: 'GET', url: `${target.url}/hook/again` },
      });
      await first.close();
      const before = target.hits.length;
      const second = await startTestPlatform(env, { dataDir });
      try {
        await until(() => target.hits.slice(before).some((h) => h.at > 0), 5000);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('allows only the platform itself when no allow-list is configured', async () => {
    const q = await startTestPlatform();
    try {
      const t = await q.login();
      const own = await q.api(t, 'POST', '/cron/v1/jobs', {
        time: '0 0 * * *',
        http: { method: 'GET', url: `${q.httpUrl}/health` },
      });
      assert.equal(own.status, 201);
      const other = await q.api(t, 'POST', '/cron/v1/jobs', {
        time: '0 0 * * *',
        http: { method: 'GET', url: `${target.url}/hook` },
      });
      assert.equal(other.status, 400);
    } finally {
      await q.close();
    }
  });
});
