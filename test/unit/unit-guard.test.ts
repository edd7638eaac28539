// The unit target's guard (test/helpers/unit-guard.ts) refuses what a unit test may not do.
import assert from 'node:assert/strict';
import net from 'node:net';
import { requireService } from '../helpers/services.js';
import { spawnPlatform } from '../helpers/processes.js';
import { startTestPlatform } from '../helpers/start-platform.js';
import { installNetGuard, refusedConnection, servicePorts, takeRefused, unitMode } from '../helpers/unit-guard.js';

/** Connects to host:port; resolves 'connected' or the error's message. */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err) => resolve(err.message));
  });
}

describe('the unit target refuses platforms and outside services', () => {
  before(() => {
    // `npm run test:unit` has done this already (unit-mode.js); a run of this file alone does it here.
    process.env.DOJOT_TEST_MODE = 'unit';
    installNetGuard();
  });

  it('refuses to start a platform, in this process or as a child', async () => {
    assert.equal(unitMode(), true);
    await assert.rejects(startTestPlatform(), /startTestPlatform: a unit test starts no platform/);
    await assert.rejects(spawnPlatform({}), /spawnPlatform: a unit test starts no platform/);
  });

  it('refuses a service a suite asks for', async function () {
    await assert.rejects(requireService.call(this, 'postgres'), /requireService\('postgres'\): a unit test/);
  });

  it("fails a connection to PostgreSQL's, Redis's or Kafka's port, and remembers it for the root hook", async () => {
    for (const port of [5432, 6379, 9092])
      assert.match(
        await connect('127.0.0.1', port),
        /unit test: a connection to 127\.0\.0\.1:\d+ \(an outside service's port\) is refused/,
      );
    assert.equal(takeRefused().length, 3);
  });

  it('lets a test talk to a server of its own on a loopback ephemeral port', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      assert.equal(await connect('127.0.0.1', (server.address() as net.AddressInfo).port), 'connected');
      assert.deepEqual(takeRefused(), []);
    } finally {
      server.close();
    }
  });

  it('refuses other hosts, and the ports of DOJOT_TEST_* addresses', () => {
    const ports = servicePorts({
      DOJOT_TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:15432/test',
      DOJOT_TEST_KAFKA_BROKERS: '127.0.0.1:19092,127.0.0.1:19093',
    });
    assert.ok([15432, 19092, 19093].every((p) => ports.has(p)));
    assert.match(refusedConnection('10.0.0.7', 8080, ports)!, /another host/);
    assert.match(refusedConnection('example.org', 443, ports)!, /another host/);
    assert.equal(refusedConnection('localhost', 40000, ports), undefined);
    assert.equal(refusedConnection('::1', 40000, ports), undefined);
  });
});
