// X.509 v3 certificates and v2 CRLs signed by the platform CA (RFC 5280 §4.1, §5.1). Three
// profiles: the CA itself, device (client) certificates, and the MQTTS server certificate.
import { X509Certificate, createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  OID,
  bool,
  children,
  explicit,
  extension,
  fromDer,
  implicit,
  keyIdentifier,
  keyUsage,
  name,
  octets,
  oid,
  pem,
  seq,
  signWith,
  signed,
  time,
  uint,
  type Node,
} from './der.js';

export interface CaMaterial {
  key: KeyObject;
  cert: X509Certificate;
}

export type Profile = 'ca' | 'client' | 'server';

export interface CertificateRequest {
  /** RDNs in order, e.g. [[OID.commonName, 'admin:a1b2c3']] */
  subject: [string, string][];
  spkiDer: Buffer;
  profile: Profile;
  notBefore: Date;
  notAfter: Date;
  /** server profile: DNS names and IP addresses of the subjectAltName */
  altNames?: string[];
}

/** 16 random bytes, top bit clear: unique without a counter shared by instances (RFC 5280 §4.1.2.2 allows ≤ 20 octets). */
export function newSerial(): Buffer {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b;
}

/** `AA:BB:…` — SHA-256 of the DER, upper-case, colon-separated (dojot's certificateFingerprint). */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** The subject Name of a certificate, as it is encoded (an issuer field must match it byte for byte). */
function subjectNode(certDer: Buffer): Node {
  const tbs = children(children(fromDer(certDer))[0]);
  const offset = tbs[0].tagClass === 0x80 ? 1 : 0;
  return tbs[offset + 4];
}

function extensionsFor(req: CertificateRequest, issuerKeyId: Buffer): Node[] {
  const subjectKeyId = keyIdentifier(req.spkiDer);
  const isRsa = createPublicKey({ key: req.spkiDer, format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa';
  const common = [
    extension(OID.subjectKeyIdentifier, false, octets(subjectKeyId)),
    extension(OID.authorityKeyIdentifier, false, seq(implicit(0, issuerKeyId))),
  ];
  if (req.profile === 'ca') {
    return [
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.keyUsage, true, keyUsage({ digitalSignature: true, keyCertSign: true, cRLSign: true })),
      ...common,
    ];
  }
  const leaf = [
    extension(OID.basicConstraints, true, seq()),
    extension(OID.keyUsage, true, keyUsage({ digitalSignature: true, keyEncipherment: isRsa })),
    extension(OID.extKeyUsage, false, seq(oid(req.profile === 'server' ? OID.serverAuth : OID.clientAuth))),
    ...common,
  ];
  if (req.profile === 'server' && req.altNames?.length) {
    // dNSName is [2] IA5String, iPAddress is [7] OCTET STRING of 4 or 16 bytes (RFC 5280 §4.2.1.6).
    const names = req.altNames.map((n) => (isIP(n) ? implicit(7, ipBytes(n)) : implicit(2, Buffer.from(n, 'ascii'))));
    leaf.push(extension(OID.subjectAltName, false, seq(...names)));
  }
  return leaf;
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

/** Signs a certificate; with no `ca` it is self-signed with `selfKey` (the CA's first start). */
export function issue(req: CertificateRequest, ca: CaMaterial | { selfKey: KeyObject }): Buffer {
  const self = 'selfKey' in ca;
  const key = self ? ca.selfKey : ca.key;
  const signer = signWith(key);
  const subject = name(req.subject);
  const issuerName = self ? subject : subjectNode(ca.cert.raw);
  const issuerSpki = self ? req.spkiDer : (ca.cert.publicKey.export({ format: 'der', type: 'spki' }) as Buffer);
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))), // v3
    uint(newSerial()),
    signer.algorithm,
    issuerName,
    seq(time(req.notBefore), time(req.notAfter)),
    subject,
    fromDer(req.spkiDer),
    explicit(3, seq(...extensionsFor(req, keyIdentifier(issuerSpki)))),
  );
  return signed(tbs, signer);
}

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
}

/** A v2 CRL with its number and next-update; the entries are the revoked serials (RFC 5280 §5.1). */
export function signCrl(
  ca: CaMaterial,
  revoked: RevokedEntry[],
  crlNumber: number,
  thisUpdate: Date,
  nextUpdate: Date,
): string {
  const signer = signWith(ca.key);
  const issuerSpki = ca.cert.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
  const entries = revoked.map((r) => seq(uint(Buffer.from(r.serialHex, 'hex')), time(r.revokedAt)));
  const hex = crlNumber.toString(16);
  const numberBytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  const tbs = seq(
    uint(Buffer.from([1])), // v2
    signer.algorithm,
    subjectNode(ca.cert.raw),
    time(thisUpdate),
    time(nextUpdate),
    ...(entries.length ? [seq(...entries)] : []),
    explicit(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, false, seq(implicit(0, keyIdentifier(issuerSpki)))),
        extension(OID.crlNumber, false, uint(numberBytes)),
      ),
    ),
  );
  return pem('X509 CRL', signed(tbs, signer));
}

export const certificatePem = (der: Buffer): string => pem('CERTIFICATE', der);

/**
 * A client certificate (clientAuth) whose subject is only `CN=<commonName>`, signed by `ca`: for
 * services that authenticate by the CN, such as a Kafka broker mapping it to a principal.
 */
export function issueClientCertificate(
  ca: CaMaterial,
  commonName: string,
  publicKey: KeyObject,
  notBefore: Date,
  notAfter: Date,
): string {
  const spkiDer = publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
  return certificatePem(
    issue({ subject: [[OID.commonName, commonName]], spkiDer, profile: 'client', notBefore, notAfter }, ca),
  );
}
