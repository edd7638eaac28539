// The kernel's websocket upgrades (app.upgrade): the one 'upgrade' listener of the platform's
// server, over real TCP connections.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildHttp, refuseUpgrade } from './http.js';
import { createLogger } from './log.js';

/** Sends a websocket upgrade request for `path`; resolves to what the server wrote before closing. */
function upgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('websocket upgrades (kernel)', () => {
  const app = buildHttp({ log: createLogger('silent'), bodyLimit: 1024 });
  let port = 0;

  before(async () => {
    app.upgrade('/svc/', (_req, socket) => refuseUpgrade(socket, '418 I am a teapot', { owner: 'svc' }));
    app.upgrade('/svc/inner/', (_req, socket) => refuseUpgrade(socket, '418 I am a teapot', { owner: 'inner' }));
    app.upgrade('/broken/', () => {
      throw new Error('a handler that fails');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  it('hands an upgrade to the owner of the longest prefix of its path', async () => {
    assert.match(await upgrade(port, '/svc/x?q=1'), /^HTTP\/1.1 418[^]*\{"owner":"svc"\}$/);
    assert.match(await upgrade(port, '/svc/inner/x'), /\{"owner":"inner"\}$/);
  });

  it('answers a path no service took with 404 and a coded JSON body, in one place', async () => {
    const answer = await upgrade(port, '/nobody/here?ticket=1');
    assert.match(answer, /^HTTP\/1.1 404 Not Found\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.code, 'HTTP_NOT_FOUND');
    assert.match(body.error, /\/nobody\/here/);
  });

  it('closes the socket of a handler that throws, and keeps serving', async () => {
    assert.equal(await upgrade(port, '/broken/x'), '');
    assert.match(await upgrade(port, '/svc/x'), /^HTTP\/1.1 418/);
  });

  it('refuses a second owner for a prefix, and a prefix not of the form /…/', () => {
    assert.throws(() => app.upgrade('/svc/', () => {}), /already have an owner/);
    assert.throws(() => app.upgrade('/svc', () => {}), /starts and ends with/);
  });
});
