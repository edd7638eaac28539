// http against a real local HTTP server, ftp against a real ftp-srv server, publish-ftp on the stub bus.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';

const require = createRequire(import.meta.url);
const httpLogic = require('../../nodes/http/logic.js') as typeof import('../../nodes/http/logic.js');
const httpConfig = require('../../nodes/http/config.js') as typeof import('../../nodes/http/config.js');
const ftpConfig = require('../../nodes/ftp/config.js') as typeof import('../../nodes/ftp/config.js');

/** Runs one message through a loaded node 'n' → helper 'h'; resolves with what came out and the errors. */
async function through(msg: Record<string, unknown>, ms = 1500): Promise<{ out: any[]; errors: string[] }> {
  const out: any[] = [];
  const errors: string[] = [];
  helper.getNode('h')?.on('input', (m: any) => out.push(m));
  helper.getNode('n').on('call:error', (c: any) => errors.push(String(c.args[0])));
  helper.getNode('n').receive(msg);
  const end = Date.now() + ms;
  while (out.length + errors.length === 0 && Date.now() < end) await tick(20);
  return { out, errors };
}

describe('the http node', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-test': 'yes' });
        res.end(JSON.stringify({ ok: true, got: body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  afterEach(async () => helper.unload());

  const flow = (def: Record<string, unknown>) => [
    { id: 'n', type: 'http', response: 'payload.res', wires: [['h']], ...def },
    { id: 'h', type: 'helper' },
  ];

  it("fills the URL from the message, sends the body's headers and payload, and parses a JSON answer", async () => {
    await load(
      ['http'],
      flow({ method: 'POST', url: `${base}/dev/{{payload.data.id}}`, body: 'payload.req', ret: 'obj' }),
      new StubServices(),
    );
    const { out } = await through({
      payload: { data: { id: 'abc' }, req: JSON.stringify({ headers: { 'X-Key': 'k' }, payload: { v: 1 } }) },
    });
    const res = out[0].payload.res;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.payload, { ok: true, got: '{"v":1}' });
    assert.equal(res.headers['x-test'], 'yes');
    assert.equal(res.responseUrl, `${base}/dev/abc`);
    const last = seen[seen.length - 1];
    assert.equal(last.headers['x-key'], 'k');
    assert.equal(last.headers['content-type'], 'application/json');
  });

  it('takes the method from msg.method, and returns text, a buffer, or an error status as a response', async () => {
    await load(['http'], flow({ method: 'use', url: `${base}/missing`, ret: 'bin' }), new StubServices());
    const { out } = await through({ method: 'DELETE', payload: {} });
    assert.equal(out[0].payload.res.statusCode, 404);
    assert.ok(Buffer.isBuffer(out[0].payload.res.payload));
    assert.equal(seen[seen.length - 1].method, 'DELETE');
  });

  it('reports a bad body, a bad method and an unreachable server, and the runtime goes on', async () => {
    await load(['http'], flow({ method: 'use', url: `${base}/x`, body: 'payload.req' }), new StubServices());
    assert.match(
      (await through({ method: 'POST', payload: { req: '{not json' } })).errors[0],
      /payload\.req must hold a JSON string/,
    );
    assert.match((await through({ method: 'FETCH', payload: {} })).errors[0], /msg\.method/);
    await helper.unload();
    await load(['http'], flow({ method: 'GET', url: 'http://127.0.0.1:1/' }), new StubServices());
    assert.equal((await through({ payload: {} }, 5000)).errors.length, 1);
  });

  it('renders placeholders and names the bad field of a config', () => {
    assert.equal(
      httpLogic.renderUrl('http://h/{{payload.a}}/{{{ msg.payload.b }}}/{{none}}', { payload: { a: 1, b: 'x' } }),
      'http://h/1/x/',
    );
    assert.throws(() => httpConfig.parse({ method: 'GET', response: 'r' }), /url: is required/);
    assert.throws(() => httpConfig.parse({ method: 'PATCHY', url: 'http://h', response: 'r' }), /method/);
    assert.throws(() => httpConfig.parse({ url: 'http://h', ret: 'xml', response: 'r' }), /ret/);
  });
});

describe('the ftp node', () => {
  let server: any;
  let port: number;
  let root: string;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ftp-'));
    const FtpSrv = require('ftp-srv');
    const bunyan = require('bunyan');
    // A free control port, found by a throw-away listener.
    port = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    server = new FtpSrv({
      url: `ftp://127.0.0.1:${port}`,
      pasv_url: '127.0.0.1',
      pasv_min: 40000,
      pasv_max: 41000,
      log: bunyan.createLogger({ name: 'ftp', level: 'fatal' }),
    });
    server.on('login', ({ username, password }: any, resolve: any, reject: any) =>
      username === 'dojot' && password === 'secret' ? resolve({ root }) : reject(new Error('bad login')),
    );
    await server.listen();
  });
  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });
  afterEach(async () => helper.unload());

  const flow = (def: Record<string, unknown>) => [
    {
      id: 'n',
      type: 'ftp',
      method: 'PUT',
      username: 'dojot',
      password: 'secret',
      filename: 'payload.name',
      filecontent: 'payload.content',
      response: 'payload.ftp',
      wires: [['h']],
      ...def,
    },
    { id: 'h', type: 'helper' },
  ];

  it('uploads a file decoded from base64 to a real FTP server', async () => {
    await load(['ftp'], flow({ url: `ftp://127.0.0.1:${port}`, fileencoding: 'base64' }), new StubServices());
    const { out, errors } = await through(
      { payload: { name: 'report.txt', content: Buffer.from('hello ftp').toString('base64') } },
      10_000,
    );
    assert.deepEqual(errors, []);
    assert.equal(out[0].payload.ftp.code, 226);
    assert.equal(readFileSync(path.join(root, 'report.txt'), 'utf8'), 'hello ftp');
  });

  it('reports a refused login, a missing content and a file name with folders', async () => {
    await load(['ftp'], flow({ url: `127.0.0.1:${port}`, password: 'wrong' }), new StubServices());
    assert.equal((await through({ payload: { name: 'a.txt', content: 'x' } }, 10_000)).errors.length, 1);
    assert.match((await through({ payload: { name: 'a.txt' } })).errors[0], /payload\.content/);
    assert.match((await through({ payload: { name: '../a.txt', content: 'x' } })).errors[0], /plain file name/);
  });

  it('names the bad field of a config', () => {
    assert.throws(() => ftpConfig.parse({ filename: 'a', filecontent: 'b' }), /url: is required/);
    assert.throws(() => ftpConfig.parse({ url: 'http://h', filename: 'a', filecontent: 'b' }), /url: must be an ftp/);
    assert.throws(
      () => ftpConfig.parse({ url: 'h', filename: 'a', filecontent: 'b', fileencoding: 'latin9' }),
      /fileencoding/,
    );
    assert.equal(ftpConfig.parse({ url: 'ftp://h:2121/in', filename: 'a', filecontent: 'b' }).dir, 'in');
  });
});

describe('the publish-ftp node', () => {
  afterEach(async () => helper.unload());

  it("publishes dojot's FTP message and reports a message without a file name", async () => {
    const s = new StubServices();
    await load(
      ['publish-ftp'],
      [
        {
          id: 'n',
          type: 'publish-ftp',
          filename: 'payload.name',
          filecontent: 'payload.content',
          encode: 'utf8',
          wires: [],
        },
      ],
      s,
    );
    const { errors } = await through({ payload: { content: 'x' } }, 200);
    assert.match(errors[0], /payload\.name/);
    helper.getNode('n').receive({ payload: { name: 'a.csv', content: Buffer.from('1,2') } });
    await tick(50);
    const [p] = s.published;
    assert.equal(p.subject, 'dojot.ftp');
    assert.deepEqual(p.value.data, { filename: 'a.csv', encoding: 'utf8', content: '1,2' });
    assert.equal(p.value.metadata.contentType, 'application/vnd.dojot.ftp+json');
    assert.equal(p.value.metadata.service, 'flowbroker');
  });
});
