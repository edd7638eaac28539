// The x509 service's logic without a platform: real PGlite with the real migrations, the in-process
// bus, and keys, CSRs, CAs and certificates made by the openssl command line (testing.ts). Signing
// a CSR, registering a certificate of a tenant's own CA, revocation and the CRL (read back by
// openssl), the MQTTS identity of a certificate, and the list query of GET /x509/v1/certificates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { BusMessage } from '../platform/bus/index.js';
import { MemoryBus } from '../platform/bus/memory.js';
import { PlatformError } from '../platform/errors.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Store } from '../platform/store/index.js';
import { makeCa } from './ca.js';
import { certificatePem, fingerprintOf, issue, type CaMaterial } from './certificates.js';
import { parseCsr } from './csr.js';
import { OID, fromDer, pemBody, time, toDer, uint, valueBytes } from './der.js';
import { X509Events } from './events.js';
import { identify } from './identity.js';
import { MAX_LIMIT, paging, parseListQuery, project } from './query.js';
import { CertificateService } from './service.js';
import { X509Store } from './store.js';
import { Workdir, makeCsr, makeOtherCa, openssl, signWithCa } from './testing.js';
import { TrustedCaService } from './trusted-cas.js';

const log = createLogger(process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent');

/** The code and message of what `fn` throws (a PlatformError). */
async function refusal(fn: () => Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof PlatformError, String(err));
    return { code: err.code, status: err.status, message: err.message };
  }
  assert.fail('accepted');
}

describe('x509: the list query of GET /x509/v1/certificates', () => {
  it('pages 25 at a time by default and filters exactly or by "~:" contains', () => {
    assert.deepEqual(parseListQuery({}), { page: 1, limit: 25, fields: null, filters: [] });
    assert.deepEqual(
      parseListQuery({
        page: '3',
        limit: String(MAX_LIMIT),
        fields: 'fingerprint, belongsTo',
        'belongsTo.device': '~:a_%',
      }),
      {
        page: 3,
        limit: MAX_LIMIT,
        fields: ['fingerprint', 'belongsTo'],
        filters: [{ column: "belongs_to->>'device'", contains: true, value: 'a_%' }],
      },
    );
    // Fingerprints are compared in capitals, as they are stored.
    assert.deepEqual(parseListQuery({ fingerprint: 'ab:cd' }).filters, [
      { column: 'fingerprint', contains: false, value: 'AB:CD' },
    ]);
  });

  it('refuses bad paging, a parameter given twice, an unknown filter or field, naming it', async () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [{ page: '0' }, 'page: must be an integer from 1 to 1000000, got "0"'],
      [{ page: '1.5' }, 'page: must be an integer from 1 to 1000000, got "1.5"'],
      [{ limit: String(MAX_LIMIT + 1) }, `limit: must be an integer from 1 to ${MAX_LIMIT}, got "${MAX_LIMIT + 1}"`],
      [{ limit: ['1', '2'] }, 'limit: given more than once'],
      [
        { pem: 'x' },
        'pem: cannot filter on it; filters: fingerprint, belongsTo.device, belongsTo.application, issuedByDojotPki, autoRegistered',
      ],
      [
        { fields: 'fingerprint,secret' },
        'fields: unknown field(s) secret; known: fingerprint, pem, createdAt, issuedByDojotPki, autoRegistered, belongsTo, tenant',
      ],
    ];
    for (const [q, message] of cases) {
      const r = await refusal(async () => parseListQuery(q));
      assert.deepEqual([r.code, r.status, r.message], ['X509_INVALID_QUERY', 400, message], JSON.stringify(q));
    }
  });

  it('keeps only the fields asked for, and links the pages with the other parameters kept', () => {
    assert.deepEqual(project({ a: 1, b: 2, c: 3 }, ['c', 'a']), { a: 1, c: 3 });
    assert.deepEqual(project({ a: 1 }, null), { a: 1 });
    const p = paging('/x509/v1/certificates', { fields: 'pem', page: '2', limit: '10' }, 2, 10, 25);
    assert.deepEqual(p, {
      previous: { number: 1, url: '/x509/v1/certificates?fields=pem&page=1&limit=10' },
      current: { number: 2, url: '/x509/v1/certificates?fields=pem&page=2&limit=10' },
      next: { number: 3, url: '/x509/v1/certificates?fields=pem&page=3&limit=10' },
      totalItems: 25,
      totalPages: 3,
      limitPerPage: 10,
    });
    const last = paging('/c', {}, 3, 10, 25);
    assert.equal(last.next, null);
    assert.equal(paging('/c', {}, 1, 10, 0).previous, null);
  });
});

describe('x509: DER details', () => {
  it('writes integers in the fewest bytes, with a zero before a high bit', () => {
    const bytes = (b: number[]) => [...valueBytes(fromDer(toDer(uint(Buffer.from(b)))))];
    assert.deepEqual(bytes([0, 0, 0x12]), [0x12]);
    assert.deepEqual(bytes([0x80]), [0, 0x80]);
    assert.deepEqual(bytes([0, 0x80]), [0, 0x80]);
    assert.deepEqual(bytes([0]), [0]);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050', () => {
    const tag = (d: string) => fromDer(toDer(time(new Date(d)))).type;
    assert.equal(tag('2049-12-31T23:59:59Z'), 23); // UTCTime
    assert.equal(tag('2050-01-01T00:00:00Z'), 24); // GeneralizedTime
  });

  it('finds the body of a PEM block by its label only', () => {
    const text = `junk\n${certificatePem(Buffer.from('abc'))}`;
    assert.deepEqual(pemBody(text, 'CERTIFICATE'), Buffer.from('abc'));
    assert.equal(pemBody(text, 'X509 CRL'), null);
  });
});

describe('x509: certificates, trusted CAs, revocation and identity', function () {
  this.timeout(60_000);
  const w = new Workdir();
  let store: Store;
  let bus: MemoryBus;
  let x509: X509Store;
  let ca: CaMaterial;
  let certs: CertificateService;
  let trusted: TrustedCaService;
  const events: BusMessage[] = [];
  const known = new Set(['acme:dev1', 'acme:dev2', 'acme:lamp', 'other:dev1']);
  const devices: DeviceManagerClient = {
    getDevice: async () => null,
    deviceExists: async (tenant, id) => known.has(`${tenant}:${id}`),
  };

  before(async () => {
    store = await openPgliteStore();
    await migrate(store);
    bus = new MemoryBus(log);
    await bus.subscribe({ topic: /\.dojot\.x509$/, group: 'test', handler: async (b) => void events.push(...b) });
    x509 = new X509Store(store);
    const made = makeCa(30);
    ca = { key: createPrivateKey(made.keyPem), cert: new X509Certificate(made.certPem) };
    w.file('platform-ca.pem', made.certPem);
    const xe = new X509Events(bus, log);
    certs = new CertificateService(ca, x509, devices, xe, { certValidityDays: 30, crlValidityHours: 6 });
    trusted = new TrustedCaService(ca, x509, xe);
  });
  after(async () => {
    await bus?.close();
    await store?.close();
    w.remove();
  });

  it('signs a CSR of a known device as <tenant>:<device>, for TLS clients, and openssl verifies it', async () => {
    const { csr } = makeCsr(w, 'dev1', '/CN=dev1', 'ec:P-256');
    const out = await certs.create('acme', { csr, belongsTo: { device: 'dev1' } });
    const cert = new X509Certificate(out.certificatePem);
    assert.equal(cert.subject, 'O=dojot IoT Platform\nCN=acme:dev1');
    assert.equal(out.certificateFingerprint, fingerprintOf(cert.raw));
    assert.ok(cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey));
    assert.equal(cert.ca, false);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30.01, `valid for ${days} days`);
    const file = w.file('dev1.pem', out.certificatePem);
    assert.match(openssl(['verify', '-purpose', 'sslclient', '-CAfile', w.file('platform-ca.pem'), file]), /: OK/);
    const shown = await certs.get('acme', out.certificateFingerprint.toLowerCase());
    assert.deepEqual([shown.belongsTo, shown.issuedByDojotPki, shown.tenant], [{ device: 'dev1' }, true, 'acme']);
    await assert.rejects(certs.get('other', out.certificateFingerprint), (e: PlatformError) => e.status === 404);
  });

  it('refuses a CSR for a device the tenant does not have, or for another device than belongsTo', async () => {
    const { csr } = makeCsr(w, 'ghost', '/CN=ghost', 'ec:P-256');
    assert.deepEqual(await refusal(() => certs.create('acme', { csr })), {
      code: 'X509_NO_SUCH_DEVICE',
      status: 400,
      message: 'belongsTo.device: there is no device ghost in tenant acme',
    });
    const { csr: dev2 } = makeCsr(w, 'dev2', '/CN=dev2', 'ec:P-256');
    assert.equal(
      (await refusal(() => certs.create('acme', { csr: dev2, belongsTo: { device: 'dev1' } }))).message,
      "belongsTo.device: must be the CSR's CN (dev2) when given",
    );
    assert.equal(
      (await refusal(() => certs.create('acme', { csr: dev2, certificatePem: 'x' }))).code,
      'X509_INVALID_BODY',
    );
    for (const belongsTo of [[], { device: 'a', application: 'b' }, { device: 'a b' }, { owner: 'x' }])
      assert.equal((await refusal(() => certs.create('acme', { csr: dev2, belongsTo }))).code, 'X509_INVALID_BODY');
  });

  it('registers a certificate of a CA the tenant trusts, for the device it names, once', async () => {
    const own = makeOtherCa(w, 'acme-own-ca');
    const { csr } = makeCsr(w, 'lamp', '/CN=anything-the-ca-likes', 'ec:P-256');
    const pem = signWithCa(w, csr, own, 'lamp');
    assert.deepEqual(
      (await refusal(() => certs.create('acme', { certificatePem: pem, belongsTo: { device: 'lamp' } }))).message,
      'certificatePem: not issued by a CA this tenant trusts (no trusted CA registered)',
    );
    const { caFingerprint } = await trusted.add('acme', { caPem: own.pem });
    assert.equal((await trusted.get('acme', caFingerprint.toLowerCase())).caPem.trim(), own.pem.trim());
    // Trusted by acme only.
    assert.equal(
      (await refusal(() => certs.create('other', { certificatePem: pem, belongsTo: { device: 'dev1' } }))).code,
      'X509_UNTRUSTED_CERTIFICATE',
    );
    assert.equal((await refusal(() => certs.create('acme', { certificatePem: pem }))).code, 'X509_INVALID_BODY');
    const out = await certs.create('acme', { certificatePem: pem, belongsTo: { device: 'lamp' } });
    assert.equal(out.certificateFingerprint, fingerprintOf(new X509Certificate(pem).raw));
    assert.equal((await certs.get('acme', out.certificateFingerprint)).issuedByDojotPki, false);
    assert.deepEqual(
      (await refusal(() => certs.create('acme', { certificatePem: pem, belongsTo: { device: 'lamp' } }))).code,
      'X509_ALREADY_REGISTERED',
    );
    // A CA's own certificate identifies no device; text that is no certificate is named as such.
    assert.match(
      (await refusal(() => certs.create('acme', { certificatePem: own.pem, belongsTo: { device: 'lamp' } }))).message,
      /^certificatePem: a CA certificate cannot identify a device/,
    );
    assert.equal(
      (await refusal(() => certs.create('acme', { certificatePem: 'not pem', belongsTo: { device: 'lamp' } }))).message,
      'certificatePem: not a PEM-encoded X.509 certificate',
    );
  });

  it('trusts only CA certificates, and never the platform CA a second time', async () => {
    const leaf = (await certs.list('acme', [], 1, 0)).rows[0].pem;
    assert.equal(
      (await refusal(() => trusted.add('acme', { caPem: leaf }))).message,
      'caPem: not a CA certificate (basicConstraints cA is not set)',
    );
    assert.equal(
      (await refusal(() => trusted.add('acme', { caPem: certificatePem(ca.cert.raw) }))).code,
      'X509_CA_IS_PLATFORM',
    );
    assert.equal((await refusal(() => trusted.add('acme', {}))).code, 'X509_INVALID_CA');
    assert.equal((await refusal(() => trusted.remove('acme', 'AB:CD'))).code, 'X509_NO_SUCH_TRUSTED_CA');
  });

  it('identifies a device by its certificate: the CN of the platform CA, the mapping of a tenant CA', async () => {
    const { rows } = await certs.list('acme', [], 10, 0);
    const ours = rows.find((r) => r.issued_by_dojot_pki)!;
    const theirs = rows.find((r) => !r.issued_by_dojot_pki)!;
    assert.deepEqual(await identify(new X509Certificate(ours.pem), ca, x509), {
      ok: true,
      tenant: 'acme',
      device: 'dev1',
      fingerprint: ours.fingerprint,
    });
    assert.deepEqual(await identify(new X509Certificate(theirs.pem), ca, x509), {
      ok: true,
      tenant: 'acme',
      device: 'lamp',
      fingerprint: theirs.fingerprint,
    });
    const later = Date.now() + 365 * 86_400_000;
    assert.match(
      ((await identify(new X509Certificate(ours.pem), ca, x509, later)) as any).reason,
      /^certificate expired on /,
    );
  });

  it('refuses a certificate whose CN is not <tenant>:<device>, and a tenant CA certificate nobody registered', async () => {
    const { csr } = makeCsr(w, 'plain', '/CN=plain', 'ec:P-256');
    const spkiDer = parseCsr(csr).spkiDer;
    const now = Date.now();
    for (const cn of ['plain', 'acme:', ':dev1', 'bad tenant:dev1', 'acme:dev 1']) {
      const der = issue(
        {
          subject: [[OID.commonName, cn]],
          spkiDer,
          profile: 'client',
          notBefore: new Date(now - 60_000),
          notAfter: new Date(now + 86_400_000),
        },
        ca,
      );
      const verdict = await identify(new X509Certificate(der), ca, x509);
      assert.deepEqual(
        [verdict.ok, (verdict as any).reason],
        [false, `certificate CN "${cn}" is not <tenant>:<device>`],
        cn,
      );
    }
    const own = makeOtherCa(w, 'stranger-ca');
    const pem = signWithCa(w, makeCsr(w, 'x', '/CN=acme:dev1', 'ec:P-256').csr, own, 'x');
    assert.match(((await identify(new X509Certificate(pem), ca, x509)) as any).reason, /is not registered to a device/);
  });

  it('revokes a certificate: it is no longer listed, MQTTS refuses it, the CRL lists it, and others hear of it', async () => {
    const { rows } = await certs.list('acme', [], 10, 0);
    const ours = rows.find((r) => r.issued_by_dojot_pki)!;
    const crlBefore = (await certs.crl()).crl;
    await certs.revoke('acme', ours.fingerprint.toLowerCase());
    assert.equal((await refusal(() => certs.get('acme', ours.fingerprint))).code, 'X509_NO_SUCH_CERTIFICATE');
    assert.equal((await refusal(() => certs.revoke('acme', ours.fingerprint))).status, 404);
    assert.ok(!(await certs.list('acme', [], 10, 0)).rows.some((r) => r.fingerprint === ours.fingerprint));
    const verdict = await identify(new X509Certificate(ours.pem), ca, x509);
    assert.equal(verdict.ok, false);
    assert.match((verdict as any).reason, /^certificate revoked at /);

    const crl = (await certs.crl()).crl;
    const crlFile = w.file('now.crl', crl);
    const text = openssl(['crl', '-in', crlFile, '-noout', '-text', '-CAfile', w.file('platform-ca.pem')]);
    assert.match(text, new RegExp(`Serial Number: ${ours.serial}`, 'i'));
    const number = (pemText: string) =>
      Number.parseInt(
        /X509v3 CRL Number:\s*\n\s*(?:0x)?([0-9A-F]+)/i.exec(
          openssl(['crl', '-noout', '-text', '-in', w.file('n.crl', pemText)]),
        )![1],
        16,
      );
    assert.ok(number(crl) > number(crlBefore), 'the CRL number grows');
    // openssl says whether the CA's signature holds on stderr.
    const verified = spawnSync(
      'openssl',
      ['crl', '-noout', '-verify', '-in', crlFile, '-CAfile', w.file('platform-ca.pem')],
      {
        encoding: 'utf8',
      },
    );
    assert.deepEqual([verified.status, verified.stderr.trim()], [0, 'verify OK']);
    const dec = openssl(['crl', '-noout', '-nextupdate', '-in', crlFile]);
    const hours = (Date.parse(dec.split('=')[1]) - Date.now()) / 3_600_000;
    assert.ok(hours > 5.9 && hours <= 6.01, `next update in ${hours} h`);

    const deadline = Date.now() + 5_000;
    while (!events.some((e) => e.key === ours.fingerprint) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const event = events.find((e) => e.key === ours.fingerprint)!;
    assert.deepEqual(
      [event.topic, event.value],
      ['acme.dojot.x509', { event: 'revoke', data: { fingerprint: ours.fingerprint } }],
    );
  });

  it("lists a tenant's certificates with its filters, exact or contains", async () => {
    const { csr } = makeCsr(w, 'dev2', '/CN=dev2', 'ec:P-256');
    await certs.create('acme', { csr });
    const list = async (q: Record<string, string>) => {
      const { filters } = parseListQuery(q);
      return (await certs.list('acme', filters, 10, 0)).rows.map((r) => r.belongs_to.device).sort();
    };
    assert.deepEqual(await list({}), ['dev2', 'lamp']);
    assert.deepEqual(await list({ 'belongsTo.device': 'dev2' }), ['dev2']);
    assert.deepEqual(await list({ 'belongsTo.device': '~:AM' }), ['lamp']);
    assert.deepEqual(await list({ 'belongsTo.device': '~:%' }), []); // "%" is a character, not a wildcard
    assert.deepEqual(await list({ issuedByDojotPki: 'false' }), ['lamp']);
    assert.equal((await certs.list('other', [], 10, 0)).total, 0);
  });
});
