// PKCS#10 certificate requests (RFC 2986 §4): parsed with forge's ASN.1 codec, the key and the
// signature checked with node:crypto (forge reads RSA keys only, and devices often have EC keys).
// Rules (§7): the subject holds one CN and nothing else; the key is RSA ≥ 2048 bits or EC on
// P-256/P-384; the request is signed by the key it carries (proof of possession).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { OID, children, firstElement, fromDer, oidOf, pemBody, toDer, valueBytes, type Node } from './der.js';
import { X509Errors } from './errors.js';

/** What a CN may be: a device id as the MQTT agent accepts it (a topic level and a bus key). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_RSA_BITS = 2048;
const CURVES = new Set(['prime256v1', 'secp384r1']);

/** Signature algorithms accepted on a request: SHA-2 with RSA (PKCS#1 v1.5) or ECDSA. */
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export interface ParsedCsr {
  /** The subject's CN: the device id. */
  cn: string;
  spkiDer: Buffer;
  key: KeyObject;
}

export function parseCsr(text: unknown): ParsedCsr {
  if (typeof text !== 'string' || text.trim() === '')
    throw X509Errors.X509_INVALID_CSR({ problem: 'a PEM-encoded certificate request is required' });
  const der = pemBody(text, 'CERTIFICATE REQUEST') ?? pemBody(text, 'NEW CERTIFICATE REQUEST');
  if (!der) throw X509Errors.X509_INVALID_CSR({ problem: 'no "-----BEGIN CERTIFICATE REQUEST-----" block found' });
  let info, algorithm, signature;
  try {
    const top = children(fromDer(der));
    [info, algorithm, signature] = top;
    if (top.length !== 3 || children(info).length < 3) throw new Error('wrong shape');
  } catch (err) {
    throw X509Errors.X509_INVALID_CSR({ problem: `not a PKCS#10 certificate request (${(err as Error).message})` });
  }
  const [, subject, spki] = children(info!);
  const cn = onlyCommonName(subject);
  const spkiDer = toDer(spki);
  const key = checkedKey(spkiDer);
  checkSignature(firstElement(der), algorithm!, signature!, key);
  return { cn, spkiDer, key };
}

function onlyCommonName(subject: Node): string {
  const attrs = children(subject).flatMap((rdn) =>
    children(rdn).map((atv) => {
      const [type, value] = children(atv);
      const id = oidOf(type);
      return { id, short: SHORT_NAMES[id] ?? id, value: Buffer.from(value.value as string, 'binary').toString('utf8') };
    }),
  );
  const extra = attrs.filter((a) => a.id !== OID.commonName).map((a) => a.short);
  if (extra.length) throw X509Errors.X509_CSR_SUBJECT({ problem: `found ${[...new Set(extra)].join(', ')}` });
  if (attrs.length !== 1)
    throw X509Errors.X509_CSR_SUBJECT({ problem: attrs.length ? 'found more than one CN' : 'found no CN' });
  const cn = attrs[0].value;
  if (!DEVICE_ID_PATTERN.test(cn))
    throw X509Errors.X509_CSR_SUBJECT({
      problem: `CN "${cn}" is not a device id (letters, digits, "_" and "-", 1 to 64)`,
    });
  return cn;
}

function checkedKey(spkiDer: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw X509Errors.X509_CSR_KEY({ problem: 'the public key cannot be read' });
  }
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((d.modulusLength ?? 0) < MIN_RSA_BITS)
      throw X509Errors.X509_CSR_KEY({ problem: `the RSA key has ${d.modulusLength} bits` });
  } else if (key.asymmetricKeyType === 'ec') {
    if (!CURVES.has(d.namedCurve ?? ''))
      throw X509Errors.X509_CSR_KEY({ problem: `the EC key is on curve ${d.namedCurve}` });
  } else {
    throw X509Errors.X509_CSR_KEY({ problem: `the key is ${key.asymmetricKeyType}` });
  }
  return key;
}

function checkSignature(infoDer: Buffer, algorithm: Node, signature: Node, key: KeyObject): void {
  const algOid = oidOf(children(algorithm)[0]);
  const hash = SIGNATURE_HASHES[algOid];
  if (!hash)
    throw X509Errors.X509_CSR_SIGNATURE({
      problem: `signature algorithm ${algOid} is not accepted (SHA-256/384/512 with RSA or ECDSA)`,
    });
  const expectRsa = algOid.startsWith('1.2.840.113549');
  if (expectRsa !== (key.asymmetricKeyType === 'rsa'))
    throw X509Errors.X509_CSR_SIGNATURE({ problem: 'the signature algorithm does not match the key' });
  const bits = valueBytes(signature);
  let ok: boolean;
  try {
    ok = verify(hash, infoDer, key, bits.subarray(1));
  } catch {
    ok = false;
  }
  if (!ok)
    throw X509Errors.X509_CSR_SIGNATURE({
      problem: 'the signature does not verify with the public key in the request',
    });
}
