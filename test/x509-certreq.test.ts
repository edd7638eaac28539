// `dojot-red certreq` against a running platform: the files it writes are what mosquitto needs.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../core-services/platform/paths.js';
import { Workdir, openssl } from '../core-services/x509/testing.js';
import { eventually } from './helpers/mqtt.js';
import { run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const certreq = (args: string[], cwd: string) =>
  run(
    process.execPath,
    [path.join(projectRoot(), 'dist', 'bin', 'dojot-red.js'), 'certreq', ...args, '--dir', cwd],
    30_000,
  );

describe('dojot-red certreq', function () {
  this.timeout(60_000);
  const w = new Workdir();
  let p: TestPlatform;
  let device: string;
  let port: string;

  before(async () => {
    p = await startTestPlatform();
    port = String(new URL(p.httpUrl).port);
    const jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 'cr',
      attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }],
    });
    device = (await p.api(jwt, 'POST', '/device', { label: 'cr-dev', templates: [t.body.template.id] })).body.devices[0]
      .id;
  });
  after(async () => {
    await p?.close();
    w.remove();
  });

  it('writes ca.pem, cert.pem and private.key into cert_<device>, and mosquitto_pub works with them', async () => {
    const res = await certreq(
      ['--host', '127.0.0.1', '--port', port, '--device', device, '--user', 'admin', '--password', 'admin'],
      w.dir,
    );
    assert.equal(res.code, 0, res.stderr);
    const dir = path.join(w.dir, `cert_${device}`);
    const file = (f: string) => path.join(dir, f);
    assert.match(openssl(['verify', '-CAfile', file('ca.pem'), file('cert.pem')]), /: OK/);
    assert.match(
      openssl(['x509', '-in', file('cert.pem'), '-noout', '-subject']),
      new RegExp(`CN *= *admin:${device}`),
    );
    assert.equal(statSync(file('private.key')).mode & 0o777, 0o600);
    const pub = await run('mosquitto_pub', [
      '-h',
      'localhost',
      '-p',
      String(p.mqttsPort),
      '-t',
      `admin:${device}/attrs`,
      '-m',
      '{"temperature": 20}',
      '--cert',
      file('cert.pem'),
      '--key',
      file('private.key'),
      '--cafile',
      file('ca.pem'),
    ]);
    assert.equal(pub.code, 0, pub.stderr);
    const jwt = await p.login();
    const history = await eventually(
      () => p.api(jwt, 'GET', `/history/device/${device}/history?lastN=1&attr=temperature`),
      (r) => Array.isArray(r.body) && r.body.length > 0,
    );
    assert.equal(history.body[0].value, 20);
  });

  it("fails with the platform's reason on a wrong password or an unknown device", async () => {
    const wrong = await certreq(
      ['--host', '127.0.0.1', '--port', port, '--device', device, '--user', 'admin', '--password', 'nope'],
      w.dir,
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /POST \/auth answered 401: AuthenticationError: wrong username or password/);
    const unknown = await certreq(['--host', '127.0.0.1', '--port', port, '--device', 'fffff0'], w.dir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /there is no device fffff0 in tenant admin/);
    const usage = await certreq([], w.dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--device is required/);
  });
});
