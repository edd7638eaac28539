// Kafka2FTP without a platform: what a message must hold to name a file, the configuration API on
// a real Fastify app, and the consumer on the in-process bus and real PGlite uploading to a real
// FTP server (ftp-srv on a loopback port), retrying a server that is down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FtpSrv } from 'ftp-srv';
import { freePort } from '../../test/helpers/processes.js';
import { MemoryBus } from '../platform/bus/memory.js';
import { buildHttp } from '../platform/http.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Store } from '../platform/store/index.js';
import { FtpConsumer } from './consumer.js';
import { fileOf } from './message.js';
import { kafka2ftpRoutes } from './routes.js';
import { getTarget, listFailures, putTarget, type FtpTarget } from './store.js';
import { uploadWithRetries } from './uploader.js';
import { WaitingFiles } from './waiting-files.js';

const log = createLogger(process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent');
const quiet: any = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

async function until(what: () => boolean | Promise<boolean>, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const message = (filename: unknown, encoding: unknown, content: unknown) => ({
  metadata: { msgID: 'm1', ts: 0, service: 'flowbroker', contentType: 'application/vnd.dojot.ftp+json' },
  data: { filename, encoding, content },
});

describe('kafka2ftp: the file a message carries', () => {
  it('decodes the content in any Node Buffer encoding, from an object or its JSON text', () => {
    const cases: [string, string, string][] = [
      ['utf8', 'olá', 'olá'],
      ['base64', Buffer.from('binary\u0000data').toString('base64'), 'binary\u0000data'],
      ['hex', Buffer.from('hi').toString('hex'), 'hi'],
      ['latin1', 'caf\u00e9', 'caf\u00e9'],
    ];
    for (const [encoding, content, text] of cases) {
      const file = fileOf(message('a.txt', encoding, content));
      assert.ok(!('problem' in file), encoding);
      assert.equal(file.filename, 'a.txt');
      assert.equal(file.content.toString(encoding === 'latin1' ? 'latin1' : 'utf8'), text, encoding);
    }
    const fromText = fileOf(JSON.stringify(message('b.csv', 'utf8', 'x,y')));
    assert.deepEqual(fromText, { filename: 'b.csv', content: Buffer.from('x,y') });
  });

  it('keeps only the last segment of a path, so no message writes outside the directory', () => {
    for (const [name, kept] of [
      ['../../etc/passwd', 'passwd'],
      ['/abs/x.bin', 'x.bin'],
      ['dir\\sub\\y.txt', 'y.txt'],
      ['..\\..\\z', 'z'],
    ]) {
      const file = fileOf(message(name, 'utf8', ''));
      assert.equal('problem' in file ? file.problem : file.filename, kept, name);
    }
  });

  it('names what is wrong with a message that carries no file', () => {
    const problem = (v: unknown) => {
      const file = fileOf(v);
      assert.ok('problem' in file, `accepted ${JSON.stringify(v)}`);
      return file.problem;
    };
    assert.equal(problem('{not json'), 'the message is not JSON');
    assert.equal(problem(null), 'the message has no data object');
    assert.equal(problem({ metadata: {} }), 'the message has no data object');
    assert.equal(problem({ data: 'x' }), 'the message has no data object');
    assert.equal(problem(message(7, 'utf8', 'x')), 'data.filename must be a string');
    for (const name of ['', '.', '..', 'dir/', 'a/..', 'bad\nname', 'nul\u0000'])
      assert.match(problem(message(name, 'utf8', 'x')), /^data\.filename ".*" names no file$/s, JSON.stringify(name));
    assert.equal(problem(message('a', 'rot13', 'x')), 'data.encoding "rot13" is not a Node Buffer encoding');
    assert.equal(problem(message('a', undefined, 'x')), 'data.encoding "undefined" is not a Node Buffer encoding');
    assert.equal(problem(message('a', 'utf8', { x: 1 })), 'data.content must be a string');
  });
});

describe('kafka2ftp: the configuration API and the uploads', function () {
  this.timeout(30_000);
  let store: Store;
  let bus: MemoryBus;
  let app: FastifyInstance;
  let ftp: FtpSrv;
  let ftpPort: number;
  let root: string;
  let consumer: FtpConsumer;
  const policy = { retries: 2, baseMs: 50, maxMs: 200 };

  const target = (over: Partial<FtpTarget> = {}): FtpTarget => ({
    host: '127.0.0.1',
    port: ftpPort,
    username: 'flows',
    password: 's3cret',
    directory: '/',
    secure: false,
    ...over,
  });
  const call = (tenant: string, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, payload: payload as any, headers: { 'x-tenant': tenant } });

  before(async () => {
    store = await openPgliteStore();
    await migrate(store);
    bus = new MemoryBus(log);
    app = buildHttp({ log, bodyLimit: 1 << 20 });
    app.addHook('onRequest', async (req) => {
      req.identity = {
        tenant: String(req.headers['x-tenant']),
        username: 'tester',
        userid: 1,
        profile: 'admin',
        groups: [1],
      };
    });
    await app.register(kafka2ftpRoutes(store));
    await app.ready();
    root = mkdtempSync(path.join(os.tmpdir(), 'kafka2ftp-unit-'));
    ftpPort = await freePort();
    ftp = new FtpSrv({
      url: `ftp://127.0.0.1:${ftpPort}`,
      pasv_url: '127.0.0.1',
      pasv_min: 41000 + (ftpPort % 20000),
      pasv_max: 41100 + (ftpPort % 20000),
      anonymous: false,
      log: quiet,
    });
    ftp.on('login', ({ username, password }, resolve, reject) => {
      if (username === 'flows' && password === 's3cret') resolve({ root });
      else reject(new Error('bad login'));
    });
    await ftp.listen();
    consumer = new FtpConsumer(bus, store, policy, { files: 100, bytes: 16 * 1024 * 1024 }, log);
    await consumer.start();
  });

  after(async () => {
    await consumer?.close();
    await bus?.close();
    await app?.close();
    await ftp?.close();
    await store?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('keeps one server per tenant, never shows its password, and fills the defaults', async () => {
    assert.equal((await call('acme', 'GET', '/kafka2ftp/v1/config')).statusCode, 404);
    const put = await call('acme', 'PUT', '/kafka2ftp/v1/config', { host: 'ftp.example.org', password: 'p' });
    assert.equal(put.statusCode, 200);
    const shown = { host: 'ftp.example.org', port: 21, username: 'anonymous', directory: '/', secure: false };
    assert.deepEqual(put.json(), shown);
    assert.deepEqual((await call('acme', 'GET', '/kafka2ftp/v1/config')).json(), shown);
    assert.equal((await getTarget(store, 'acme'))?.password, 'p');
    assert.equal((await call('other', 'GET', '/kafka2ftp/v1/config')).statusCode, 404);
    assert.equal((await call('acme', 'DELETE', '/kafka2ftp/v1/config')).statusCode, 204);
    assert.equal((await call('acme', 'DELETE', '/kafka2ftp/v1/config')).statusCode, 404);
  });

  it('refuses a bad configuration, naming the field', async () => {
    const cases: [unknown, string][] = [
      [[], 'body'],
      [{ port: 21 }, 'host'],
      [{ host: 'bad host name' }, 'host'],
      [{ host: 'h', port: 0 }, 'port'],
      [{ host: 'h', port: 70000 }, 'port'],
      [{ host: 'h', port: '21' }, 'port'],
      [{ host: 'h', username: 5 }, 'username'],
      [{ host: 'h', password: 'p'.repeat(1025) }, 'password'],
      [{ host: 'h', directory: 'a\nb' }, 'directory'],
      [{ host: 'h', secure: 'yes' }, 'secure'],
    ];
    for (const [body, field] of cases) {
      const res = await call('acme', 'PUT', '/kafka2ftp/v1/config', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, 'KAFKA2FTP_INVALID_CONFIG');
      assert.match(res.json().error, new RegExp(`^${field}: `), JSON.stringify(body));
    }
    assert.equal(await getTarget(store, 'acme'), null);
  });

  it("uploads each tenant's files to its own server and directory, and records a message it cannot use", async () => {
    await putTarget(store, 'acme', target({ directory: '/in/acme' }));
    await bus.publish('acme.dojot.ftp', null, message('report.txt', 'utf8', 'hello ftp'));
    await bus.publish('acme.dojot.ftp', null, JSON.stringify(message('data.bin', 'base64', 'AAEC')));
    await bus.publish('acme.dojot.ftp', null, message('..', 'utf8', 'x'));
    const file = (name: string) => path.join(root, 'in', 'acme', name);
    // A file shows on the server as soon as its upload begins: wait for the whole of it.
    const whole = (name: string, bytes: number) => existsSync(file(name)) && statSync(file(name)).size === bytes;
    await until(() => whole('report.txt', 9) && whole('data.bin', 3), 15_000, 'the uploads');
    await until(async () => (await listFailures(store, 'acme', 10)).length === 1, 5_000, 'the failure record');
    assert.equal(readFileSync(file('report.txt'), 'utf8'), 'hello ftp');
    assert.deepEqual([...readFileSync(file('data.bin'))], [0, 1, 2]);
    const [failure] = await listFailures(store, 'acme', 10);
    assert.deepEqual(
      [failure.filename, failure.attempts, failure.final, failure.reason],
      ['', 0, true, 'data.filename ".." names no file'],
    );
  });

  it("retries a server that is down and gives up after the retries, while another tenant's files go on", async () => {
    const down = await freePort(); // nothing listens there
    await putTarget(store, 'down', target({ port: down }));
    await putTarget(store, 'up', target({ directory: '/in/up' }));
    await bus.publishMany([
      { topic: 'down.dojot.ftp', key: null, value: message('lost.txt', 'utf8', 'x') },
      { topic: 'up.dojot.ftp', key: null, value: message('fine.txt', 'utf8', 'y') },
    ]);
    await until(() => existsSync(path.join(root, 'in', 'up', 'fine.txt')), 15_000, "the other tenant's file");
    await until(async () => (await listFailures(store, 'down', 10)).some((f) => f.final), 15_000, 'the last attempt');
    const failures = (await listFailures(store, 'down', 10)).reverse();
    assert.deepEqual(
      failures.map((f) => [f.filename, f.attempts, f.final]),
      [
        ['lost.txt', 1, false],
        ['lost.txt', 2, false],
        ['lost.txt', 3, true],
      ],
    );
    for (const f of failures)
      assert.match(f.reason, new RegExp(`^upload to 127\\.0\\.0\\.1:${down} failed: ECONNREFUSED`));
  });

  it('reads the configuration again before each attempt, so a fix meanwhile is picked up', async () => {
    let current: FtpTarget | null = null;
    const reasons: string[] = [];
    const done = uploadWithRetries(
      'fix',
      { filename: 'late.txt', content: Buffer.from('z') },
      async () => current,
      { retries: 20, baseMs: 50, maxMs: 50 },
      async (f) => void reasons.push(f.reason),
      log,
      new AbortController().signal,
    );
    await until(() => reasons.length >= 2, 5_000, 'two failed attempts');
    current = target();
    assert.equal(await done, true);
    assert.match(reasons[0], /^no FTP server is configured for this tenant/);
    assert.equal(readFileSync(path.join(root, 'late.txt'), 'utf8'), 'z');
  });

  it('keeps the files waiting on a failing server through a crash: the next start uploads them', async () => {
    const waitingRows = async () =>
      Number(
        (await store.query<{ n: number }>("SELECT count(*)::int AS n FROM kafka2ftp_waiting WHERE tenant = 'crash'"))[0]
          .n,
      );
    const limits = { files: 100, bytes: 16 * 1024 * 1024 };
    // The instance that "crashes": its first attempt finds no server configured, then it waits an
    // hour to retry, and is never closed before the next one starts (as a killed process is not).
    const busA = new MemoryBus(log);
    const dying = new FtpConsumer(busA, store, { retries: 5, baseMs: 3_600_000, maxMs: 3_600_000 }, limits, log);
    await dying.start();
    const busB = new MemoryBus(log);
    const next = new FtpConsumer(busB, store, policy, limits, log);
    try {
      for (const n of [1, 2, 3])
        await busA.publish('crash.dojot.ftp', 'k', message(`kept-${n}.txt`, 'utf8', `file ${n}`));
      await until(async () => (await waitingRows()) === 3, 5_000, 'three files kept');
      await putTarget(store, 'crash', target({ directory: '/crash' }));
      // The next start of the platform (PGlite: the same store, this process's alone).
      await next.start();
      await until(async () => (await waitingRows()) === 0, 10_000, 'the kept files uploaded');
      const kept = (n: number) => path.join(root, 'crash', `kept-${n}.txt`);
      await until(
        () => [1, 2, 3].every((n) => existsSync(kept(n)) && statSync(kept(n)).size === 6),
        5_000,
        'whole files',
      );
      for (const n of [1, 2, 3])
        assert.equal(readFileSync(path.join(root, 'crash', `kept-${n}.txt`), 'utf8'), `file ${n}`);
    } finally {
      await next.close();
      await dying.close();
      await busA.close();
      await busB.close();
    }
  });

  it("leaves a running instance's files alone until its lease runs out, then another takes them over", async () => {
    const holder = new WaitingFiles(store, 300);
    const other = new WaitingFiles(store, 300);
    const m = {
      topic: 'lease.dojot.ftp',
      key: null,
      id: 'm-lease',
      timestamp: 1,
      value: message('l.txt', 'utf8', 'x'),
    };
    const id = await holder.add('lease', m);
    const room = () => 100;
    assert.deepEqual(await other.takeOver(false, room), [], 'taken while its lease runs');
    // A tenant whose queue is full takes nothing, lease or not.
    assert.deepEqual(await other.takeOver(true, () => 0), []);
    let taken: Awaited<ReturnType<WaitingFiles['takeOver']>> = [];
    const since = Date.now();
    await until(async () => (taken = await other.takeOver(false, room)).length > 0, 5_000, 'the lease to run out');
    assert.ok(Date.now() - since >= 200, 'taken over before the lease ran out');
    assert.deepEqual(taken, [{ id, tenant: 'lease', message: m }]);
    // The first holder, back (a pause, not a crash), renews nothing that is no longer its own.
    await holder.renew();
    assert.deepEqual(await holder.takeOver(false, room), []);
    await other.remove(id);
  });

  it('sets aside kept rows changed by other hands and still starts, uploading the rows it can read', async () => {
    const good = {
      topic: 'hand.dojot.ftp',
      key: null,
      id: 'm-good',
      timestamp: 1,
      value: message('good.txt', 'utf8', 'readable'),
    };
    const foreign = { ...good, id: 'm-foreign', topic: 'other.dojot.ftp' };
    // As if edited in the database: not JSON, JSON but no bus message, another tenant's topic. Their
    // lease runs for an hour, so only a start (PGlite: takes every row) takes them, not the
    // running consumer's periodic take-over.
    for (const text of ['{"topic": "hand.dojot.ftp", "val', 'null', JSON.stringify(foreign), JSON.stringify(good)])
      await store.query(
        "INSERT INTO kafka2ftp_waiting (tenant, message, owner, lease_until) VALUES ('hand', $1, 'gone', $2)",
        [text, Date.now() + 3_600_000],
      );
    await putTarget(store, 'hand', target({ directory: '/hand' }));
    const handBus = new MemoryBus(log);
    const letters: { reason: string; topic: string; value: unknown }[] = [];
    await handBus.subscribe({
      topic: /^(hand|other)\.dojot-red\.dead-letters$/,
      group: 'test-letters',
      handler: async (batch) => void letters.push(...batch.map((m) => m.value as (typeof letters)[number])),
    });
    const next = new FtpConsumer(handBus, store, policy, { files: 100, bytes: 16 * 1024 * 1024 }, log);
    try {
      await next.start();
      const kept = path.join(root, 'hand', 'good.txt');
      await until(() => existsSync(kept) && statSync(kept).size === 8, 10_000, 'the readable file uploaded');
      await until(() => letters.length === 3, 5_000, 'three dead letters');
      assert.deepEqual(
        letters.map((l) => [l.topic, l.reason]),
        [
          ['hand.dojot.ftp', 'kept file unreadable: its message is not JSON'],
          ['hand.dojot.ftp', 'kept file unreadable: its message is not a bus message'],
          ['hand.dojot.ftp', "kept file unreadable: its message's topic is not its tenant's"],
        ],
      );
      assert.equal(letters[0].value, '{"topic": "hand.dojot.ftp", "val');
      await until(
        async () => (await store.query("SELECT 1 FROM kafka2ftp_waiting WHERE tenant = 'hand'")).length === 0,
        5_000,
        'no row left',
      );
    } finally {
      await next.close();
      await handBus.close();
    }
  });

  it('gives back the space of the files it no longer keeps (PGlite runs no autovacuum)', async () => {
    const files = new WaitingFiles(store, 60_000);
    const size = async () =>
      Number((await store.query<{ s: string }>("SELECT pg_total_relation_size('kafka2ftp_waiting') AS s"))[0].s);
    await files.tidy();
    const before = await size();
    for (let i = 0; i < 20; i++) {
      // Incompressible content, as an uploaded file's often is.
      const content = randomBytes(100_000).toString('base64');
      const id = await files.add('tidy', {
        topic: 'tidy.dojot.ftp',
        key: null,
        id: `m-${i}`,
        timestamp: 1,
        value: message(`t${i}.bin`, 'base64', content),
      });
      await files.remove(id);
    }
    const grown = await size();
    assert.ok(grown > before + 1_000_000, `${before} → ${grown} bytes`);
    await files.tidy();
    assert.ok((await size()) < before + 200_000, `${before} → ${await size()} bytes after tidying`);
  });

  it('stops retrying when the platform stops, leaving the file where it waits', async () => {
    const stop = new AbortController();
    const attempts: number[] = [];
    const done = uploadWithRetries(
      'stop',
      { filename: 'x', content: Buffer.from('') },
      async () => null,
      { retries: 100, baseMs: 10_000, maxMs: 10_000 },
      async (f) => void attempts.push(f.attempts),
      log,
      stop.signal,
    );
    await until(() => attempts.length === 1, 5_000, 'the first attempt');
    stop.abort();
    await assert.rejects(done, /kafka2ftp is stopping/);
  });
});
