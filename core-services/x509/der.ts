// Small DER builders over node-forge's ASN.1 codec. forge signs RSA certificates only and has
// no CRLs, so certificates and CRLs are assembled here (RFC 5280 §4.1, §5.1) and signed with
// node:crypto, which handles RSA and EC keys alike.
import { createHash, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
export type Node = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const bin = (b: Buffer): string => b.toString('binary');

export const seq = (...items: Node[]): Node => asn1.create(U, T.SEQUENCE, true, items);
export const set = (...items: Node[]): Node => asn1.create(U, T.SET, true, items);
export const oid = (id: string): Node => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
export const nul = (): Node => asn1.create(U, T.NULL, false, '');
export const bool = (v: boolean): Node => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00');
export const utf8 = (s: string): Node => asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(s));
export const octets = (b: Buffer): Node => asn1.create(U, T.OCTETSTRING, false, bin(b));
export const bits = (b: Buffer, unused = 0): Node =>
  asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused) + bin(b));
/** [n] EXPLICIT */
export const explicit = (n: number, item: Node): Node => asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, [item]);
/** [n] IMPLICIT SET OF with these items (a CSR's attributes). */
export const implicitSet = (n: number, items: Node[] = []): Node =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, items);
/** [n] IMPLICIT of a primitive value */
export const implicit = (n: number, value: Buffer): Node =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, false, bin(value));

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps the sign bit clear). */
export function uint(bytes: Buffer): Node {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b = b.subarray(1);
  if (b[0] >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return asn1.create(U, T.INTEGER, false, bin(b));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(d: Date): Node {
  return d.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

export const toDer = (node: Node): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
// decodeBitStrings off: a BIT STRING (a key, a signature) stays the bytes it was, never re-encoded.
// The typings know only the old boolean argument; the options object is forge's documented form.
const parse = asn1.fromDer as unknown as (
  b: forge.util.ByteStringBuffer,
  o: { strict: boolean; decodeBitStrings: boolean },
) => Node;
export const fromDer = (der: Buffer): Node =>
  parse(forge.util.createBuffer(bin(der)), { strict: true, decodeBitStrings: false });
export const valueBytes = (node: Node): Buffer => Buffer.from(node.value as string, 'binary');
export const oidOf = (node: Node): string => asn1.derToOid(forge.util.createBuffer(node.value as string));
export const children = (node: Node): Node[] => (Array.isArray(node.value) ? node.value : []);

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** A Name of (OID, UTF8String) attributes, one per RDN, in the order given. */
export function name(attrs: [string, string][]): Node {
  return seq(...attrs.map(([type, value]) => set(seq(oid(type), utf8(value)))));
}

export function extension(id: string, critical: boolean, value: Node): Node {
  return critical ? seq(oid(id), bool(true), octets(toDer(value))) : seq(oid(id), octets(toDer(value)));
}

/** KeyUsage bits (RFC 5280 §4.2.1.3) as a DER BIT STRING with its unused-bit count. */
export function keyUsage(usage: {
  digitalSignature?: boolean;
  keyEncipherment?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}): Node {
  let byte = 0;
  if (usage.digitalSignature) byte |= 0x80;
  if (usage.keyEncipherment) byte |= 0x20;
  if (usage.keyCertSign) byte |= 0x04;
  if (usage.cRLSign) byte |= 0x02;
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return bits(Buffer.from([byte]), unused);
}

/** The SHA-1 of the subjectPublicKey bits, as RFC 5280 §4.2.1.2 (1) suggests for key identifiers. */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const keyBits = valueBytes(children(fromDer(spkiDer))[1]).subarray(1);
  return createHash('sha1').update(keyBits).digest();
}

/** The AlgorithmIdentifier this key signs with, and the signature over `tbs`. */
export function signWith(key: KeyObject): { algorithm: Node; sign(tbs: Buffer): Buffer } {
  if (key.asymmetricKeyType === 'rsa') {
    return { algorithm: seq(oid(OID.sha256WithRsa), nul()), sign: (tbs) => sign('sha256', tbs, key) };
  }
  if (key.asymmetricKeyType === 'ec') {
    // ECDSA-Sig-Value is DER, which is node:crypto's default encoding; the parameters are absent.
    return { algorithm: seq(oid(OID.ecdsaWithSha256)), sign: (tbs) => sign('sha256', tbs, key) };
  }
  throw new Error(`a CA key of type ${key.asymmetricKeyType} cannot sign here (RSA or EC only)`);
}

/** Wraps a to-be-signed structure into {tbs, algorithm, signature}: the shape of certificates and CRLs. */
export function signed(tbs: Node, signer: ReturnType<typeof signWith>): Buffer {
  const tbsDer = toDer(tbs);
  return toDer(seq(fromDer(tbsDer), signer.algorithm, bits(signer.sign(tbsDer))));
}

export const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** The DER inside the first PEM block with this label; null when there is none. */
export function pemBody(text: string, label: string): Buffer | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  return m ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : null;
}

/** The raw bytes of the first element inside the SEQUENCE at the start of `der` (what a signature covers). */
export function firstElement(der: Buffer): Buffer {
  const inner = headerLength(der, 0);
  const start = inner.header;
  const first = headerLength(der, start);
  return der.subarray(start, start + first.header + first.length);
}

function headerLength(der: Buffer, at: number): { header: number; length: number } {
  const b = der[at + 1];
  if (b === undefined) throw new Error('truncated DER');
  if (b < 0x80) return { header: 2, length: b };
  const n = b & 0x7f;
  if (n === 0 || n > 4) throw new Error('unsupported DER length');
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i];
  return { header: 2 + n, length };
}
