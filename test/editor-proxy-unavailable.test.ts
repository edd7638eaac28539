// The editor proxy when a tenant's runtime says it runs but does not answer on its port (the stub
// driver's runtimes say ready on port 0, where nothing listens): an HTTP request gets a clear 503,
// a websocket upgrade is closed, and the platform goes on serving.
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('editor proxy: a runtime that does not answer', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform({ DOJOT_RUNTIME_DRIVER: 'stub' });
    admin = await p.login();
  });
  after(async () => p?.close());

  it('answers an editor request with 503 FLOWS_RUNTIME_UNAVAILABLE naming the tenant', async () => {
    const res = await p.api(admin, 'GET', '/flows/settings');
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.code, 'FLOWS_RUNTIME_UNAVAILABLE');
    assert.match(res.body.error, /tenant admin is not available \(not answering\)/);
  });

  it('closes a websocket upgrade it cannot carry, and keeps serving', async () => {
    const socket = net.connect(p.httpPort, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      [
        'GET /flows/comms HTTP/1.1',
        `Host: 127.0.0.1:${p.httpPort}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        `Authorization: Bearer ${admin}`,
        '',
        '',
      ].join('\r\n'),
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the upgrade was left hanging')), 15_000).unref(),
    );
    await Promise.race([closed, timeout]);
    assert.doesNotMatch(answer, /^HTTP\/1\.1 101/);
    // The platform is still up, and so is the runtime's entry in the supervisor.
    const runtimes = await p.api(admin, 'GET', '/flows/v1/runtime');
    assert.equal(runtimes.status, 200);
    assert.equal((await p.api(admin, 'GET', '/flows/settings')).status, 503);
  });
});
