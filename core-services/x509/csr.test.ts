// CSR rules and what the CA signs, checked against the openssl command line.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { makeCa } from './ca.js';
import { certificatePem, issue, signCrl, type CaMaterial } from './certificates.js';
import { parseCsr } from './csr.js';
import { OID } from './der.js';
import { PlatformError } from '../platform/errors.js';
import { Workdir, makeCsr, openssl } from './testing.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PlatformError, String(err));
    return `${err.code}: ${err.message}`;
  }
  return 'accepted';
};

describe('x509: certificate requests', function () {
  this.timeout(30_000);
  const w = new Workdir();
  after(() => w.remove());

  for (const spec of ['rsa:2048', 'ec:P-256', 'ec:P-384'] as const) {
    it(`accepts a ${spec} CSR whose subject is only CN=<device id>`, () => {
      const { csr } = makeCsr(w, `ok-${spec.replace(':', '')}`, '/CN=a1b2c3', spec);
      assert.equal(parseCsr(csr).cn, 'a1b2c3');
    });
  }

  it('refuses a CSR with subject fields besides CN, naming them', () => {
    const { csr } = makeCsr(w, 'extra', '/C=BR/O=Acme/CN=a1b2c3');
    assert.match(
      codeOf(() => parseCsr(csr)),
      /^X509_CSR_SUBJECT: .*only a CN.*found C, O/,
    );
  });

  it('refuses a CSR without a CN, and one whose CN is not a device id', () => {
    assert.match(
      codeOf(() => parseCsr(makeCsr(w, 'nocn', '/O=Acme').csr)),
      /^X509_CSR_SUBJECT: .*found O/,
    );
    assert.match(
      codeOf(() => parseCsr(makeCsr(w, 'colon', '/CN=other:a1b2c3').csr)),
      /^X509_CSR_SUBJECT: .*not a device id/,
    );
  });

  it('refuses RSA keys under 2048 bits and curves other than P-256 and P-384', () => {
    assert.match(
      codeOf(() => parseCsr(makeCsr(w, 'rsa1024', '/CN=a1', 'rsa:1024').csr)),
      /^X509_CSR_KEY: csr: the RSA key has 1024 bits/,
    );
    assert.match(
      codeOf(() => parseCsr(makeCsr(w, 'p521', '/CN=a1', 'ec:P-521').csr)),
      /^X509_CSR_KEY: csr: the EC key is on curve secp521r1/,
    );
    assert.match(
      codeOf(() => parseCsr(makeCsr(w, 'ed', '/CN=a1', 'ed25519').csr)),
      /^X509_CSR_KEY: csr: the key is ed25519/,
    );
  });

  it('refuses a CSR whose signature does not match its key', () => {
    const { csr } = makeCsr(w, 'tamper', '/CN=a1b2c3');
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] ^= 0xff; // inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.match(
      codeOf(() => parseCsr(tampered)),
      /^X509_CSR_SIGNATURE: .*does not verify/,
    );
  });

  it('refuses text that is not a certificate request', () => {
    assert.match(
      codeOf(() => parseCsr('hello')),
      /^X509_INVALID_CSR/,
    );
    assert.match(
      codeOf(() => parseCsr(undefined)),
      /^X509_INVALID_CSR/,
    );
    assert.match(
      codeOf(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----')),
      /^X509_INVALID_CSR/,
    );
  });
});

describe('x509: what the CA signs', function () {
  this.timeout(30_000);
  const w = new Workdir();
  let ca: CaMaterial;
  before(() => {
    const made = makeCa(30);
    ca = { key: createPrivateKey(made.keyPem), cert: new X509Certificate(made.certPem) };
    w.file('ca.pem', made.certPem);
  });
  after(() => w.remove());

  const sign = (cn: string, spec: 'rsa:2048' | 'ec:P-256' = 'rsa:2048') => {
    const parsed = parseCsr(makeCsr(w, `dev-${spec.replace(':', '')}`, `/CN=${cn}`, spec).csr);
    const der = issue(
      {
        subject: [[OID.commonName, `acme:${cn}`]],
        spkiDer: parsed.spkiDer,
        profile: 'client',
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
      },
      ca,
    );
    return new X509Certificate(der);
  };

  it('makes a self-signed CA that openssl accepts as a CA', () => {
    assert.ok(ca.cert.ca);
    assert.match(openssl(['verify', '-CAfile', w.file('ca.pem'), w.file('ca.pem')]), /OK/);
  });

  it('signs RSA and EC device certificates that openssl verifies for TLS client use', () => {
    for (const spec of ['rsa:2048', 'ec:P-256'] as const) {
      const cert = sign('a1b2c3', spec);
      assert.equal(cert.subject, 'CN=acme:a1b2c3');
      w.file('leaf.pem', cert.toString());
      assert.match(
        openssl(['verify', '-CAfile', w.file('ca.pem'), '-purpose', 'sslclient', w.file('leaf.pem')]),
        /: OK/,
      );
    }
  });

  it('signs a CRL that lists the revoked serial, with a next update, and that openssl checks', () => {
    const revoked = sign('d00d');
    const kept = sign('beef');
    const next = new Date(Date.now() + 3_600_000);
    const crl = signCrl(ca, [{ serialHex: revoked.serialNumber, revokedAt: new Date() }], 42, new Date(), next);
    const crlFile = w.file('crl.pem', crl);
    const text = openssl(['crl', '-in', crlFile, '-noout', '-text']);
    assert.match(text, /Next Update:/);
    assert.match(text, /CRL Number: *\n *42/);
    assert.match(text, new RegExp(`Serial Number: ${revoked.serialNumber}`));
    w.file('revoked.pem', revoked.toString());
    w.file('kept.pem', kept.toString());
    assert.throws(
      () => openssl(['verify', '-crl_check', '-CAfile', w.file('ca.pem'), '-CRLfile', crlFile, w.file('revoked.pem')]),
      /certificate revoked/,
    );
    assert.match(
      openssl(['verify', '-crl_check', '-CAfile', w.file('ca.pem'), '-CRLfile', crlFile, w.file('kept.pem')]),
      /: OK/,
    );
  });

  it('writes server certificates with the host names as subjectAltName', () => {
    const parsed = parseCsr(makeCsr(w, 'srv', '/CN=srv').csr);
    const der = issue(
      {
        subject: [[OID.commonName, 'localhost']],
        spkiDer: parsed.spkiDer,
        profile: 'server',
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        altNames: ['localhost', 'mqtt.example.com', '127.0.0.1', '::1'],
      },
      ca,
    );
    const cert = new X509Certificate(certificatePem(der));
    assert.equal(
      cert.subjectAltName,
      'DNS:localhost, DNS:mqtt.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    assert.equal(cert.checkHost('mqtt.example.com'), 'mqtt.example.com');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  });
});
