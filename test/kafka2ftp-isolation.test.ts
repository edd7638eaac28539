// Kafka2FTP keeps tenants apart: each tenant's files wait in a queue of their own, so a tenant whose
// FTP server takes the connection and never answers (or refuses it) does not delay another
// tenant's uploads; a file given up after its retries is set aside as a dead letter.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { freePort } from './helpers/processes.js';
import { eventually } from './helpers/mqtt.js';

const quiet: any = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

const ftpMessage = (filename: string, content: string) => ({
  metadata: {
    msgID: `m-${filename}`,
    ts: Date.now(),
    service: 'flowbroker',
    contentType: 'application/vnd.dojot.ftp+json',
  },
  data: { filename, encoding: 'utf8', content },
});

describe('kafka2ftp: one tenant per lane', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let admin: string;
  let root: string;
  let ftp: FtpSrv;
  let ftpPort: number;
  /** A server that takes FTP connections and never says a word (basic-ftp waits 15 s for its greeting). */
  let hung: net.Server;
  const hungSockets = new Set<net.Socket>();
  let hungConnections = 0;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-ftp-lanes-'));
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
    hung = net.createServer((s) => {
      hungConnections++;
      hungSockets.add(s);
      s.on('close', () => hungSockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    p = await startTestPlatform({
      DOJOT_KAFKA2FTP_RETRIES: '1',
      DOJOT_KAFKA2FTP_RETRY_BASE_MS: '100',
      DOJOT_KAFKA2FTP_RETRY_MAX_MS: '100',
      DOJOT_KAFKA2FTP_QUEUE_FILES: '2',
    });
    admin = await p.login();
  });
  after(async () => {
    await p?.close();
    await ftp?.close();
    for (const s of hungSockets) s.destroy();
    hung?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** A new tenant with an admin user; its token. */
  const newTenant = async (name: string): Promise<string> => {
    const username = `${name}${Date.now().toString(36)}`;
    const res = await p.api(admin, 'POST', '/auth/user', {
      username,
      service: username,
      email: `${username}@x.io`,
      name: username,
      profile: 'admin',
      passwd: 'secret1',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return p.login(username, 'secret1');
  };
  const tenantOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).service;
  const configure = async (jwt: string, port: number, directory: string) => {
    const put = await p.api(jwt, 'PUT', '/kafka2ftp/v1/config', {
      host: '127.0.0.1',
      port,
      username: 'flows',
      password: 's3cret',
      directory,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  };
  const arrived = (dir: string, name: string, content: string, ms: number) =>
    eventually(
      async () =>
        existsSync(path.join(root, dir, name)) && readFileSync(path.join(root, dir, name), 'utf8') === content,
      (ok) => ok,
      ms,
    );

  it("uploads a tenant's file promptly while another tenant's server hangs", async () => {
    const stuck = await newTenant('hung');
    const fine = await newTenant('fine');
    await configure(stuck, (hung.address() as net.AddressInfo).port, 'stuck');
    await configure(fine, ftpPort, 'fine');
    // The stuck tenant's file first, alone: kafka2ftp is inside its upload (connected, waiting for a
    // greeting that never comes) before the other tenant's file is even published.
    await p.bus.publish(`${tenantOf(stuck)}.dojot.ftp`, null, ftpMessage('stuck.txt', 'never'));
    assert.ok(
      await eventually(
        async () => hungConnections,
        (n) => n > 0,
        10_000,
      ),
      'kafka2ftp never connected to the hung server',
    );
    const sent = Date.now();
    await p.bus.publish(`${tenantOf(fine)}.dojot.ftp`, null, ftpMessage('fine.txt', 'on time'));
    // The hung server holds an upload 15 s before it times out, twice (one retry): well past this.
    assert.ok(await arrived('fine', 'fine.txt', 'on time', 10_000), "the other tenant's file waited");
    assert.ok(Date.now() - sent < 10_000);
    assert.ok(!existsSync(path.join(root, 'stuck', 'stuck.txt')));
    // The stuck tenant's queue is bounded (2 files here): the third waiting file is set aside at once.
    for (const n of [2, 3]) await p.bus.publish(`${tenantOf(stuck)}.dojot.ftp`, null, ftpMessage(`stuck${n}.txt`, 'x'));
    const letters = await eventually(
      async () => (await p.api(stuck, 'GET', '/dead-letters/v1/letters')).body,
      (b: any) => b?.letters?.length > 0,
      5_000,
    );
    assert.equal(letters.letters[0].value.data.filename, 'stuck3.txt', JSON.stringify(letters));
    assert.match(letters.letters[0].reason, /queue is full \(2 files/);
  });

  it('sets a file aside as a dead letter once its retries are spent (a server that refuses)', async () => {
    const dead = await newTenant('dead');
    await configure(dead, await freePort(), 'dead');
    await p.bus.publish(`${tenantOf(dead)}.dojot.ftp`, 'k1', ftpMessage('lost.txt', 'nobody home'));
    const letters = await eventually(
      async () => (await p.api(dead, 'GET', '/dead-letters/v1/letters')).body,
      (b: any) => b?.letters?.length > 0,
      15_000,
    );
    const [l] = letters.letters;
    assert.equal(l.consumer, 'kafka2ftp', JSON.stringify(l));
    assert.equal(l.topic, `${tenantOf(dead)}.dojot.ftp`);
    assert.match(l.reason, /lost\.txt given up after its retries/);
    assert.equal(l.value.data.filename, 'lost.txt');
    // The tenant's failures say why each try failed.
    const failures = (await p.api(dead, 'GET', '/kafka2ftp/v1/failures')).body.failures;
    assert.match(failures[0].reason, /ECONNREFUSED/);
  });

  it('sets a malformed message aside as a dead letter', async () => {
    const t = await newTenant('bad');
    await p.bus.publish(`${tenantOf(t)}.dojot.ftp`, null, {
      data: { filename: 'x.txt', encoding: 'klingon', content: 'x' },
    });
    const letters = await eventually(
      async () => (await p.api(t, 'GET', '/dead-letters/v1/letters')).body,
      (b: any) => b?.letters?.length > 0,
      10_000,
    );
    assert.match(letters.letters[0].reason, /klingon/);
  });
});
