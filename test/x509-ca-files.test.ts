// Where the platform CA comes from: made on first start and kept in the store across restarts,
// or loaded from the files an operator names; a half-given pair stops start-up.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../core-services/platform/config.js';
import { fingerprintOf } from '../core-services/x509/certificates.js';
import { Workdir, makeCsr, makeOtherCa, openssl } from '../core-services/x509/testing.js';
import { startTestPlatform } from './helpers/start-platform.js';

describe('x509: the platform CA', function () {
  this.timeout(90_000);
  const w = new Workdir();
  after(() => w.remove());

  it('makes a CA on first start and keeps it across restarts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-ca-'));
    try {
      let p = await startTestPlatform({}, { dataDir });
      const first = (await p.api(await p.login(), 'GET', '/x509/v1/ca')).body;
      await p.close();
      p = await startTestPlatform({}, { dataDir });
      const second = (await p.api(await p.login(), 'GET', '/x509/v1/ca')).body;
      await p.close();
      assert.equal(second.certificateFingerprint, first.certificateFingerprint);
      assert.ok(new X509Certificate(first.caPem).ca);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('signs with the CA given in DOJOT_X509_CA_CERT_FILE and DOJOT_X509_CA_KEY_FILE', async () => {
    const own = makeOtherCa(w, 'operator-ca');
    const p = await startTestPlatform({ DOJOT_X509_CA_CERT_FILE: own.certFile, DOJOT_X509_CA_KEY_FILE: own.keyFile });
    try {
      const jwt = await p.login();
      const ca = (await p.api(jwt, 'GET', '/x509/v1/ca')).body;
      assert.equal(ca.certificateFingerprint, fingerprintOf(new X509Certificate(own.pem).raw));
      const id = (await p.api(jwt, 'POST', '/device', { label: 'd', templates: [] })).body.devices[0].id;
      const res = await p.api(jwt, 'POST', '/x509/v1/certificates', {
        csr: makeCsr(w, 'opdev', `/CN=${id}`, 'ec:P-256').csr,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(openssl(['verify', '-CAfile', own.certFile, w.file('opdev.crt', res.body.certificatePem)]), /: OK/);
    } finally {
      await p.close();
    }
  });

  it('refuses to start with a CA certificate file but no key file, naming the missing variable', () => {
    assert.throws(
      () => loadConfig({ DOJOT_X509_CA_CERT_FILE: '/tmp/ca.pem' }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'DOJOT_X509_CA_KEY_FILE',
    );
    assert.throws(
      () => loadConfig({ DOJOT_MQTTS_HOSTNAMES: 'ok.example.com,bad host' }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'DOJOT_MQTTS_HOSTNAMES',
    );
  });
});
