// The runtime's own egress check patches net.Socket for the whole process, so each case runs in a
// child process of its own, with a real HTTP server on an allowed and on a refused loopback address.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const guard = pathToFileURL(path.join(import.meta.dirname, 'egress-guard.js')).href;

/** What `http.get(url)` (as the http request node does it) gets inside a guarded process. */
async function getInGuardedProcess(
  url: string,
  allow: { cidr: string; family: 4 | 6; port: number | null }[],
): Promise<string> {
  const script = `
    const { installEgressGuard } = await import(${JSON.stringify(guard)});
    installEgressGuard({ localAddresses: [], exceptions: ${JSON.stringify(allow)} });
    const http = await import('node:http');
    http.get(${JSON.stringify(url)}, (res) => { console.log('HTTP ' + res.statusCode); res.resume(); })
      .on('error', (e) => console.log(e.code || e.message));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
  return stdout.trim();
}

describe("a tenant runtime's own egress check", () => {
  const servers: http.Server[] = [];
  const serve = async (host: string) => {
    const s = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => s.listen(0, host, r));
    servers.push(s);
    return (s.address() as AddressInfo).port;
  };
  after(() => servers.forEach((s) => s.close()));

  it('lets an http request reach an address the operator allowed', async () => {
    const port = await serve('127.0.0.2');
    assert.equal(
      await getInGuardedProcess(`http://127.0.0.2:${port}/`, [{ cidr: '127.0.0.2/32', family: 4, port: null }]),
      'HTTP 200',
    );
  });

  it('refuses an http request to loopback, by address and by name', async () => {
    const port = await serve('127.0.0.1');
    assert.equal(await getInGuardedProcess(`http://127.0.0.1:${port}/`, []), 'EGRESS_REFUSED');
    assert.equal(await getInGuardedProcess(`http://localhost:${port}/`, []), 'EGRESS_REFUSED');
  });

  it('allows an exception on its port only', async () => {
    const port = await serve('127.0.0.1');
    assert.equal(
      await getInGuardedProcess(`http://127.0.0.1:${port}/`, [{ cidr: '127.0.0.1/32', family: 4, port: port + 1 }]),
      'EGRESS_REFUSED',
    );
    assert.equal(
      await getInGuardedProcess(`http://127.0.0.1:${port}/`, [{ cidr: '127.0.0.1/32', family: 4, port }]),
      'HTTP 200',
    );
  });

  it('refuses a Unix socket', async () => {
    const script = `
      const { installEgressGuard } = await import(${JSON.stringify(guard)});
      installEgressGuard({ localAddresses: [], exceptions: [] });
      const net = await import('node:net');
      net.connect('/var/run/postgresql/.s.PGSQL.5432').on('error', (e) => console.log(e.code)).on('connect', () => console.log('connected'));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
    assert.equal(stdout.trim(), 'EGRESS_REFUSED');
  });
});
