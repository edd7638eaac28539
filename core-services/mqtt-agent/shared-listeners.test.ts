import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { acceptHeadroom, connectionsWithinFileLimit, SharedListeners, type ListenerKind } from './shared-listeners.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

async function listening(): Promise<net.Server> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const until = async (ok: () => boolean) => {
  const end = Date.now() + 5_000;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), 'condition not met within 5 s');
};

describe('mqtt-agent shared listeners (a worker accepting on the platform port)', () => {
  const clients: net.Socket[] = [];
  const taken: net.Socket[] = [];
  afterEach(() => {
    for (const s of [...clients.splice(0), ...taken.splice(0)]) s.destroy();
  });

  it('reads the connections a worker may hold from its soft open-file limit, less what it needs beside them', () => {
    assert.equal(connectionsWithinFileLimit(LIMITS), 19_500);
    assert.equal(connectionsWithinFileLimit(LIMITS.replace('20000                20000', '256 1024')), 100);
    assert.equal(connectionsWithinFileLimit(LIMITS.replace(/20000/g, 'unlimited')), Infinity);
    assert.equal(connectionsWithinFileLimit('nothing of the kind'), Infinity);
  });

  it('stops accepting at its maximum and asks for the listener again once under 90 % of it', async () => {
    const asked: ListenerKind[] = [];
    const shared = new SharedListeners({
      max: 2,
      take: (_kind, socket) => void taken.push(socket),
      askAgain: (kind) => void asked.push(kind),
      onError: (err) => assert.fail(err),
    });
    const server = await listening();
    const port = (server.address() as net.AddressInfo).port;
    shared.adopt('mqtt', server);
    assert.deepEqual(shared.listening(), ['mqtt']);

    for (let i = 0; i < 2; i++) clients.push(net.connect(port, '127.0.0.1'));
    await until(() => taken.length === 2);
    assert.equal(shared.accepted, 2);
    // At its maximum: its listener is closed (here no other process listens, so the port is too).
    assert.deepEqual(shared.listening(), []);
    await until(() => !server.listening);
    assert.deepEqual(asked, []);

    // One closes: 1 < 0.9 × 2, so it asks for the listener again, once.
    taken[0].destroy();
    await until(() => asked.length === 1);
    assert.deepEqual(asked, ['mqtt']);
    const again = await listening();
    shared.adopt('mqtt', again);
    assert.deepEqual(shared.listening(), ['mqtt']);
    clients.push(net.connect((again.address() as net.AddressInfo).port, '127.0.0.1'));
    await until(() => taken.length === 3);
    shared.close();
    assert.deepEqual(shared.listening(), []);
  });

  it('stops accepting by itself a little short of its maximum, keeping that room for hand-overs', async () => {
    assert.deepEqual([2, 199, 200, 19_500].map(acceptHeadroom), [0, 1, 2, 100]);
    const shared = new SharedListeners({
      max: 200,
      take: (_kind, socket) => void taken.push(socket),
      askAgain: () => undefined,
      onError: (err) => assert.fail(err),
    });
    const server = await listening();
    const port = (server.address() as net.AddressInfo).port;
    shared.adopt('mqtt', server);
    for (let i = 0; i < 198; i++) clients.push(net.connect(port, '127.0.0.1'));
    await until(() => taken.length === 198);
    // Its listener is closed at max less the headroom, and it is not full: the platform process
    // may still hand it two (a connection in flight when it stopped is served, not closed).
    assert.deepEqual(shared.listening(), []);
    assert.equal(shared.full, false);
    // Taken as the worker takes a handed-over socket (worker-main.ts).
    const handed = [] as net.Socket[];
    const other = await listening();
    other.on('connection', (s: net.Socket) => void handed.push(s));
    for (let i = 0; i < 2; i++) clients.push(net.connect((other.address() as net.AddressInfo).port, '127.0.0.1'));
    await until(() => handed.length === 2);
    for (const s of handed) shared.hold(s);
    taken.push(...handed);
    assert.equal(shared.full, true);
    other.close();
    shared.close();
  });

  it('counts the connections handed over too, and refuses a listener while full', async () => {
    const asked: ListenerKind[] = [];
    const shared = new SharedListeners({
      max: 1,
      take: (_kind, socket) => void taken.push(socket),
      askAgain: (kind) => void asked.push(kind),
      onError: (err) => assert.fail(err),
    });
    const other = await listening();
    const [handed] = await Promise.all([
      once(other, 'connection').then(([s]) => s as net.Socket),
      new Promise<void>((resolve) =>
        clients.push(net.connect((other.address() as net.AddressInfo).port, '127.0.0.1', resolve)),
      ),
    ]);
    taken.push(handed);
    shared.hold(handed);
    const server = await listening();
    shared.adopt('mqtts', server);
    assert.deepEqual(shared.listening(), [], 'not adopted while full');
    await until(() => !server.listening);
    handed.destroy();
    await until(() => asked.length === 1);
    assert.deepEqual(asked, ['mqtts']);
    other.close();
  });
});
