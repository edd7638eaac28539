// The scheduler behind /cron/v1/jobs without a platform: real PGlite with the real migrations, the
// in-process bus, and a real HTTP target on a loopback port. Jobs that fire every second show the
// timers, the one-fire-per-time claim shared by two schedulers, and what each action sends.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusMessage } from '../platform/bus/index.js';
import { MemoryBus } from '../platform/bus/memory.js';
import { PlatformError } from '../platform/errors.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Store } from '../platform/store/index.js';
import { runHttp } from './actions.js';
import { Scheduler } from './scheduler.js';
import { CronService } from './service.js';

const log = createLogger(process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent');

async function until(what: () => boolean, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Hit {
  method: string;
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

describe('cron: the scheduler and its jobs', function () {
  this.timeout(30_000);
  let store: Store;
  let bus: MemoryBus;
  let a: Scheduler;
  let b: Scheduler;
  let service: CronService;
  let server: http.Server;
  let base: string;
  const hits: Hit[] = [];
  let answer = { status: 200, body: 'ok' };
  const published: BusMessage[] = [];

  before(async () => {
    store = await openPgliteStore();
    await migrate(store);
    bus = new MemoryBus(log);
    await bus.subscribe({
      topic: /^acme\./,
      group: 'test',
      handler: async (batch) => void published.push(...batch),
    });
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
        if (req.url?.startsWith('/hook/redirect')) res.writeHead(302, { location: '/elsewhere' }).end();
        else res.writeHead(answer.status).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // Two schedulers on one store stand for two platform instances.
    a = new Scheduler(store, bus, log, 100);
    b = new Scheduler(store, bus, log, 100);
    service = new CronService(store, a, { allowedBaseUrls: () => [base] });
    await a.start();
    await b.start();
  });

  after(async () => {
    a?.close();
    b?.close();
    await bus?.close();
    await store?.close();
    server?.close();
  });

  afterEach(async () => {
    await service.removeAll('acme');
    await service.removeAll('other');
    hits.length = 0;
    published.length = 0;
    answer = { status: 200, body: 'ok' };
  });

  it('publishes a broker job on the tenant topic once per fire, though both instances arm it', async () => {
    const message = { data: { id: 'a1b2c3', attrs: { on: true } } };
    const jobId = await service.createJob('acme', { time: '* * * * * *', broker: { subject: 'device-data', message } });
    await b.sync(); // the second instance learns of the job
    await until(() => published.length >= 3, 10_000, 'three fires');
    await service.removeJob('acme', jobId);
    await b.sync();
    const settled = published.length;
    for (const m of published) {
      assert.equal(m.topic, 'acme.device-data');
      assert.equal(m.key, 'a1b2c3'); // keyed by the device, so it keeps order with its other messages
      assert.deepEqual(m.value, message);
    }
    // One message per second of fire time: two instances never both run one fire.
    const seconds = published.map((m) => Math.floor(m.timestamp / 1000));
    assert.equal(new Set(seconds).size, seconds.length, `two messages in one second: ${seconds.join(', ')}`);
    // Removed: nothing more fires (the claim needs the job's row).
    await new Promise((r) => setTimeout(r, 1_500)); // deliberately a fixed wait: checks that nothing happens
    assert.ok(published.length <= settled + 1, `fired after removal: ${published.length - settled}`);
  });

  it('publishes a JSON string as the object it holds and any other string as it is', async () => {
    await service.createJob('acme', {
      time: '* * * * * *',
      broker: { subject: 'dojot.device-manager.device', message: '{"metadata":{"deviceid":"d9"}}' },
    });
    await service.createJob('acme', { time: '* * * * * *', broker: { subject: 'device-data', message: 'hello' } });
    await until(
      () => published.some((m) => m.key === 'd9') && published.some((m) => m.value === 'hello'),
      10_000,
      'both jobs',
    );
    const parsed = published.find((m) => m.key === 'd9')!;
    assert.equal(parsed.topic, 'acme.dojot.device-manager.device');
    assert.deepEqual(parsed.value, { metadata: { deviceid: 'd9' } });
    assert.equal(published.find((m) => m.value === 'hello')!.key, null);
  });

  it('fires a changed job with its new spec only', async () => {
    await service.putJob('acme', { time: '* * * * * *', broker: { subject: 'device-data', message: 'old' } }, 'j1');
    await until(() => published.some((m) => m.value === 'old'), 10_000, 'the first spec');
    const { created } = await service.putJob(
      'acme',
      { time: '* * * * * *', broker: { subject: 'device-data', message: 'new' } },
      'j1',
    );
    assert.equal(created, false);
    await b.sync();
    published.length = 0;
    await until(() => published.filter((m) => m.value === 'new').length >= 2, 10_000, 'the new spec');
    // A fire of the old revision may be in flight at the swap; after it, only the new one.
    assert.ok(published.filter((m) => m.value === 'old').length <= 1);
  });

  it('sends an http job with its headers and a JSON body, and follows no redirect', async () => {
    await service.createJob('acme', {
      time: '* * * * * *',
      http: { method: 'PUT', url: `${base}/lamp?x=1`, headers: { 'x-key': 'k' }, body: { on: true } },
    });
    await until(() => hits.length >= 1, 10_000, 'a request');
    await service.removeAll('acme');
    const [hit] = hits;
    assert.deepEqual([hit.method, hit.url, hit.body], ['PUT', '/hook/lamp?x=1', '{"on":true}']);
    assert.equal(hit.headers['x-key'], 'k');
    assert.equal(hit.headers['content-type'], 'application/json');

    hits.length = 0;
    await runHttp({ method: 'GET', url: `${base}/redirect`, body: 'ignored' }, log);
    assert.deepEqual(
      hits.map((h) => [h.method, h.url, h.body]),
      [['GET', '/hook/redirect', '']],
    );
    // A text body keeps the content type the job names.
    hits.length = 0;
    await runHttp({ method: 'POST', url: base, headers: { 'Content-Type': 'text/plain' }, body: 'hi' }, log);
    assert.deepEqual([hits[0].body, hits[0].headers['content-type']], ['hi', 'text/plain']);
  });

  it('refuses a bad job id, and a bad spec before it stores anything', async () => {
    for (const id of ['', 'a b', 'x'.repeat(65), '../x']) {
      await assert.rejects(
        service.putJob('acme', { time: '* * * * *', broker: { subject: 'device-data', message: 1 } }, id),
        (err: PlatformError) => err.code === 'CRON_INVALID_JOB_ID',
        id,
      );
    }
    await assert.rejects(
      service.putJob('acme', { time: '* * * * *', http: { method: 'GET', url: 'http://127.0.0.1:1/x' } }, 'j'),
      (err: PlatformError) => err.code === 'CRON_INVALID_HTTP' && err.message.startsWith('http.url:'),
    );
    assert.deepEqual(await service.listJobs('acme'), []);
  });

  it("keeps each tenant's jobs apart", async () => {
    const spec = { time: '0 0 1 1 *', broker: { subject: 'device-data', message: 1 } };
    await service.putJob('acme', spec, 'same');
    await service.putJob('other', { ...spec, name: 'theirs' }, 'same');
    assert.equal((await service.getJob('acme', 'same'))?.spec.name, undefined);
    assert.equal((await service.getJob('other', 'same'))?.spec.name, 'theirs');
    assert.equal(await service.removeJob('acme', 'same'), true);
    assert.equal(await service.removeJob('acme', 'same'), false);
    assert.equal((await service.listJobs('other')).length, 1);
  });

  it('replaces every job of a tenant in the order given, or none, naming the bad item', async () => {
    const spec = (name: string) => ({ time: '0 0 1 1 *', name, broker: { subject: 'device-data', message: 1 } });
    await service.putJob('acme', spec('old'), 'old');
    await service.replaceJobs('acme', [
      { jobId: 'z', spec: spec('first') },
      { jobId: 'a', spec: spec('second') },
    ]);
    assert.deepEqual(
      (await service.listJobs('acme')).map((j) => [j.jobId, j.spec.name]),
      [
        ['z', 'first'],
        ['a', 'second'],
      ],
    );
    assert.throws(
      () =>
        service.prepareReplace('acme', [
          { spec: spec('ok') },
          { jobId: 'b', spec: { ...spec('x'), timezone: 'Nowhere/X' } },
        ]),
      (err: PlatformError) =>
        err.code === 'CRON_INVALID_TIMEZONE' &&
        err.extra.path === '[1].spec.timezone' &&
        err.message === '[1].spec.timezone: timezone: unknown time zone "Nowhere/X"',
    );
    assert.throws(
      () => service.prepareReplace('acme', [{ jobId: 'bad id', spec: spec('x') }]),
      (err: PlatformError) => err.code === 'CRON_INVALID_JOB_ID' && err.extra.path === '[0].jobId',
    );
    assert.throws(
      () => service.prepareReplace('acme', [null]),
      (err: PlatformError) => err.code === 'CRON_INVALID_SPEC' && err.extra.path === '[0].spec',
    );
    // The failed imports left the jobs as they were.
    assert.deepEqual(
      (await service.listJobs('acme')).map((j) => j.jobId),
      ['z', 'a'],
    );
  });

  it('does not arm a stored job whose schedule no longer parses, and arms the rest', async () => {
    await store.query(
      "INSERT INTO cron_jobs (tenant, job_id, spec, revision, created) VALUES ('acme', 'broken', $1::jsonb, 'r1', 0)",
      [JSON.stringify({ time: 'not cron', broker: { subject: 'device-data', message: 'x' } })],
    );
    await service.createJob('acme', { time: '* * * * * *', broker: { subject: 'device-data', message: 'fine' } });
    await a.sync();
    await until(() => published.some((m) => m.value === 'fine'), 10_000, 'the good job');
    assert.ok(!published.some((m) => m.value === 'x'));
  });
});
