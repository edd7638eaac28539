// The x509 REST API (§7) on a real platform, with CSRs made by openssl.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Workdir, makeCsr, makeOtherCa, openssl, signWithCa } from '../core-services/x509/testing.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('x509 API', function () {
  this.timeout(60_000);
  const w = new Workdir();
  let p: TestPlatform;
  let admin: string;
  let beta: string;
  let device: string;
  let betaDevice: string;

  const makeDevice = async (token: string, label: string): Promise<string> => {
    const d = await p.api(token, 'POST', '/device', { label, templates: [] });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    return d.body.devices[0].id;
  };
  const csrFor = (id: string, subject = `/CN=${id}`) =>
    makeCsr(w, `${id}-${Math.random().toString(36).slice(2, 6)}`, subject).csr;

  before(async () => {
    p = await startTestPlatform({ DOJOT_X509_CERT_VALIDITY_DAYS: '10' });
    admin = await p.login();
    await p.api(admin, 'POST', '/auth/user', {
      username: 'bea',
      service: 'beta',
      email: 'bea@beta.io',
      name: 'Bea',
      profile: 'admin',
      passwd: 'beapass',
    });
    beta = await p.login('bea', 'beapass');
    device = await makeDevice(admin, 'sensor');
    betaDevice = await makeDevice(beta, 'b-sensor');
  });
  after(async () => {
    await p?.close();
    w.remove();
  });

  it('signs a CSR: 201 with the fingerprint and a certificate whose CN is <tenant>:<device>', async () => {
    const res = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(device) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.certificateFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const cert = new X509Certificate(res.body.certificatePem);
    assert.match(cert.subject, new RegExp(`CN=admin:${device}$`));
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 9.9 && days <= 10, `valid for the configured 10 days, got ${days}`);
    const ca = await p.api(admin, 'GET', '/x509/v1/ca');
    assert.equal(ca.status, 200);
    assert.match(ca.body.certificateFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    w.file('ca.pem', ca.body.caPem);
    w.file('leaf.pem', res.body.certificatePem);
    assert.match(openssl(['verify', '-CAfile', w.file('ca.pem'), w.file('leaf.pem')]), /: OK/);
  });

  it('fills belongsTo with the device and reads the record back by fingerprint, with fields', async () => {
    const { body } = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(device) });
    const one = await p.api(admin, 'GET', `/x509/v1/certificates/${body.certificateFingerprint}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.belongsTo, { device });
    assert.equal(one.body.issuedByDojotPki, true);
    assert.equal(one.body.autoRegistered, false);
    assert.equal(one.body.tenant, 'admin');
    const some = await p.api(
      admin,
      'GET',
      `/x509/v1/certificates/${body.certificateFingerprint}?fields=fingerprint,belongsTo`,
    );
    assert.deepEqual(some.body, { fingerprint: body.certificateFingerprint, belongsTo: { device } });
  });

  it('refuses a CSR with extra subject fields with 400 naming them', async () => {
    const res = await p.api(admin, 'POST', '/x509/v1/certificates', {
      csr: csrFor(device, `/O=Acme/OU=Lab/CN=${device}`),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'X509_CSR_SUBJECT');
    assert.match(res.body.message, /only a CN.*found O, OU/);
  });

  it("refuses a CSR whose CN names another tenant's device, as if it did not exist", async () => {
    const res = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(betaDevice) });
    const none = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor('ffffff') });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'X509_NO_SUCH_DEVICE');
    assert.equal(res.body.error.replace(betaDevice, 'X'), none.body.error.replace('ffffff', 'X'));
  });

  it("lists certificates with paging and filters, and only the caller's tenant's", async () => {
    const other = await makeDevice(admin, 'other');
    for (let i = 0; i < 3; i++) await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(other) });
    await p.api(beta, 'POST', '/x509/v1/certificates', { csr: csrFor(betaDevice) });
    const page = await p.api(admin, 'GET', `/x509/v1/certificates?belongsTo.device=${other}&limit=2`);
    assert.equal(page.status, 200);
    assert.equal(page.body.certificates.length, 2);
    assert.equal(page.body.paging.totalItems, 3);
    assert.equal(page.body.paging.totalPages, 2);
    assert.equal(page.body.paging.limitPerPage, 2);
    assert.equal(page.body.paging.previous, null);
    assert.equal(page.body.paging.next.number, 2);
    const second = await p.api(admin, 'GET', page.body.paging.next.url);
    assert.equal(second.body.certificates.length, 1);
    const fp = second.body.certificates[0].fingerprint as string;
    const contains = await p.api(
      admin,
      'GET',
      `/x509/v1/certificates?fingerprint=~:${fp.slice(3, 14).toLowerCase()}&fields=fingerprint`,
    );
    assert.deepEqual(contains.body.certificates, [{ fingerprint: fp }]);
    const mine = await p.api(beta, 'GET', '/x509/v1/certificates');
    assert.ok(mine.body.certificates.every((c: { tenant: string }) => c.tenant === 'beta'));
    assert.equal(mine.body.paging.totalItems, 1);
    const bad = await p.api(admin, 'GET', '/x509/v1/certificates?color=red');
    assert.equal(bad.status, 400);
    assert.equal((await p.api(admin, 'GET', '/x509/v1/certificates?limit=251')).status, 400);
  });

  it("answers 404 to another tenant's fingerprints on GET, PATCH and DELETE", async () => {
    const { body } = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(device) });
    const fp = body.certificateFingerprint;
    for (const [method, payload] of [['GET'], ['PATCH', { belongsTo: { device: betaDevice } }], ['DELETE']] as const) {
      const res = await p.api(beta, method, `/x509/v1/certificates/${fp}`, payload);
      assert.equal(res.status, 404, `${method} → ${res.status}`);
      assert.match(res.body.message, /No records found/);
    }
    assert.equal((await p.api(admin, 'GET', `/x509/v1/certificates/${fp}`)).status, 200);
  });

  it('changes the owner with PATCH, to a device or an application', async () => {
    const { body } = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(device) });
    const url = `/x509/v1/certificates/${body.certificateFingerprint}`;
    assert.equal((await p.api(admin, 'PATCH', url, { belongsTo: { application: 'kafka-consumer' } })).status, 204);
    assert.deepEqual((await p.api(admin, 'GET', url)).body.belongsTo, { application: 'kafka-consumer' });
    const bad = await p.api(admin, 'PATCH', url, { belongsTo: { device: betaDevice } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'X509_NO_SUCH_DEVICE');
    assert.equal((await p.api(admin, 'PATCH', url, { belongsTo: { device: 'a', application: 'b' } })).status, 400);
  });

  it('revokes on DELETE: 204, then 404, and the signed CRL lists the serial with a next update', async () => {
    const { body } = await p.api(admin, 'POST', '/x509/v1/certificates', { csr: csrFor(device) });
    const url = `/x509/v1/certificates/${body.certificateFingerprint}`;
    assert.equal((await p.api(admin, 'DELETE', url)).status, 204);
    assert.equal((await p.api(admin, 'GET', url)).status, 404);
    assert.equal((await p.api(admin, 'DELETE', url)).status, 404);
    const crl = await p.api(admin, 'GET', '/x509/v1/ca/crl');
    assert.equal(crl.status, 200);
    const crlFile = w.file('crl.pem', crl.body.crl);
    const ca = await p.api(admin, 'GET', '/x509/v1/ca');
    const caFile = w.file('ca.pem', ca.body.caPem);
    const text = openssl(['crl', '-in', crlFile, '-CAfile', caFile, '-noout', '-text']);
    assert.match(text, /Next Update:/);
    assert.match(text, new RegExp(`Serial Number: ${new X509Certificate(body.certificatePem).serialNumber}`));
    const leaf = w.file('revoked.pem', body.certificatePem);
    assert.throws(
      () => openssl(['verify', '-crl_check', '-CAfile', caFile, '-CRLfile', crlFile, leaf]),
      /certificate revoked/,
    );
  });

  it('lets a user read the CA and the CRL but only an administrator manage trusted CAs', async () => {
    await p.api(admin, 'POST', '/auth/user', {
      username: 'uma',
      service: 'admin',
      email: 'uma@x.io',
      name: 'Uma',
      profile: 'user',
      passwd: 'umapass',
    });
    const user = await p.login('uma', 'umapass');
    assert.equal((await p.api(user, 'GET', '/x509/v1/ca')).status, 200);
    assert.equal((await p.api(user, 'GET', '/x509/v1/ca/crl')).status, 200);
    assert.equal((await p.api(user, 'POST', '/x509/v1/certificates', { csr: csrFor(device) })).status, 201);
    assert.equal((await p.api(user, 'GET', '/x509/v1/trusted-cas')).status, 403);
    assert.equal((await p.api(null, 'GET', '/x509/v1/ca')).status, 401);
  });

  it('registers a certificate of a trusted CA only with an explicit device, once', async () => {
    const own = makeOtherCa(w, 'acme-own-ca');
    const leaf = signWithCa(w, csrFor('anything'), own, 'own-leaf');
    const before = await p.api(admin, 'POST', '/x509/v1/certificates', { certificatePem: leaf, belongsTo: { device } });
    assert.equal(before.status, 400);
    assert.equal(before.body.code, 'X509_UNTRUSTED_CERTIFICATE');
    const added = await p.api(admin, 'POST', '/x509/v1/trusted-cas', { caPem: own.pem });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal((await p.api(beta, 'GET', `/x509/v1/trusted-cas/${added.body.caFingerprint}`)).status, 404);
    const noDevice = await p.api(admin, 'POST', '/x509/v1/certificates', { certificatePem: leaf });
    assert.equal(noDevice.status, 400);
    assert.match(noDevice.body.error, /belongsTo.device/);
    const ok = await p.api(admin, 'POST', '/x509/v1/certificates', { certificatePem: leaf, belongsTo: { device } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const rec = await p.api(admin, 'GET', `/x509/v1/certificates/${ok.body.certificateFingerprint}`);
    assert.equal(rec.body.issuedByDojotPki, false);
    assert.deepEqual(rec.body.belongsTo, { device });
    const twice = await p.api(admin, 'POST', '/x509/v1/certificates', { certificatePem: leaf, belongsTo: { device } });
    assert.equal(twice.status, 409);
    // beta does not trust acme's CA: its certificates are nothing to beta.
    const betaTry = await p.api(beta, 'POST', '/x509/v1/certificates', {
      certificatePem: leaf,
      belongsTo: { device: betaDevice },
    });
    assert.equal(betaTry.status, 400);
  });
});
