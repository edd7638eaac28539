// Kafka2FTP through the real platform against a real FTP server (ftp-srv) started by the test:
// files published on <tenant>.dojot.ftp arrive in the tenant's configured directory, in any Node
// Buffer encoding; a server that is down is retried with back-off until it comes back; failures
// are logged with their reason.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { freePort } from './helpers/processes.js';
import { eventually } from './helpers/mqtt.js';

const quiet: any = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

async function startFtp(port: number, root: string): Promise<FtpSrv> {
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    pasv_url: '127.0.0.1',
    pasv_min: 40000 + (port % 20000),
    pasv_max: 40100 + (port % 20000),
    anonymous: false,
    log: quiet,
  });
  server.on('login', ({ username, password }, resolve, reject) => {
    if (username === 'flows' && password === 's3cret') resolve({ root });
    else reject(new Error('bad login'));
  });
  await server.listen();
  return server;
}

const ftpMessage = (filename: string, encoding: string, content: string) => ({
  metadata: {
    msgID: '6f1c2b7e-0000-4000-8000-000000000001',
    ts: Date.now(),
    service: 'flowbroker',
    contentType: 'application/vnd.dojot.ftp+json',
  },
  data: { filename, encoding, content },
});

describe('kafka2ftp', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let jwt: string;
  let root: string;
  let port: number;
  let ftp: FtpSrv | undefined;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-ftp-'));
    port = await freePort();
    p = await startTestPlatform({
      DOJOT_KAFKA2FTP_RETRIES: '40',
      DOJOT_KAFKA2FTP_RETRY_BASE_MS: '100',
      DOJOT_KAFKA2FTP_RETRY_MAX_MS: '300',
    });
    jwt = await p.login();
  });
  after(async () => {
    await p?.close();
    await ftp?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** True once the file is there with this content (the server creates it before the data is in). */
  const arrived = (name: string, content: Buffer | string) =>
    eventually(
      async () =>
        existsSync(path.join(root, 'out', name)) &&
        readFileSync(path.join(root, 'out', name)).equals(Buffer.from(content)),
      (ok) => ok,
      15_000,
    );

  it("keeps each tenant's FTP server, never showing its password", async () => {
    assert.equal((await p.api(jwt, 'GET', '/kafka2ftp/v1/config')).status, 404);
    const bad = await p.api(jwt, 'PUT', '/kafka2ftp/v1/config', { host: '127.0.0.1', port: 70000 });
    assert.deepEqual([bad.status, bad.body.code], [400, 'KAFKA2FTP_INVALID_CONFIG']);
    const put = await p.api(jwt, 'PUT', '/kafka2ftp/v1/config', {
      host: '127.0.0.1',
      port,
      username: 'flows',
      password: 's3cret',
      directory: 'out',
    });
    assert.equal(put.status, 200);
    const got = await p.api(jwt, 'GET', '/kafka2ftp/v1/config');
    assert.deepEqual(got.body, { host: '127.0.0.1', port, username: 'flows', directory: 'out', secure: false });
  });

  it('retries a server that is down and uploads once it is back, logging why each attempt failed', async () => {
    await p.bus.publish('admin.dojot.ftp', null, ftpMessage('early.txt', 'utf8', 'sent while down'));
    const failures = await eventually(
      async () => (await p.api(jwt, 'GET', '/kafka2ftp/v1/failures')).body.failures,
      (f: any[]) => f.length >= 2,
      10_000,
    );
    assert.equal(failures[0].filename, 'early.txt');
    assert.equal(failures[0].final, false);
    assert.match(failures[0].reason, /127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
    ftp = await startFtp(port, root);
    assert.ok(await arrived('early.txt', 'sent while down'), 'the file never arrived');
  });

  it('uploads files in any Node Buffer encoding', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await p.bus.publishMany([
      { topic: 'admin.dojot.ftp', key: null, value: ftpMessage('a.bin', 'base64', bytes.toString('base64')) },
      { topic: 'admin.dojot.ftp', key: null, value: ftpMessage('b.bin', 'hex', bytes.toString('hex')) },
      { topic: 'admin.dojot.ftp', key: null, value: JSON.stringify(ftpMessage('c.txt', 'utf16le', 'olá')) },
    ]);
    assert.ok(await arrived('a.bin', bytes), 'a.bin (base64) never arrived whole');
    assert.ok(await arrived('b.bin', bytes), 'b.bin (hex) never arrived whole');
    assert.ok(await arrived('c.txt', Buffer.from('olá', 'utf16le')), 'c.txt (utf16le) never arrived whole');
  });

  it('writes a file only inside the configured directory, whatever its name says', async () => {
    await p.bus.publish('admin.dojot.ftp', null, ftpMessage('../../escape.txt', 'utf8', 'x'));
    assert.ok(await arrived('escape.txt', 'x'));
    assert.ok(!existsSync(path.join(root, 'escape.txt')));
  });

  it('logs why a malformed message was dropped', async () => {
    await p.bus.publish('admin.dojot.ftp', null, ftpMessage('d.txt', 'klingon', 'x'));
    const failures = await eventually(
      async () => (await p.api(jwt, 'GET', '/kafka2ftp/v1/failures')).body.failures,
      (f: any[]) => f[0]?.reason.includes('klingon'),
      5000,
    );
    assert.equal(failures[0].final, true);
    assert.match(failures[0].reason, /data\.encoding "klingon" is not a Node Buffer encoding/);
  });
});
