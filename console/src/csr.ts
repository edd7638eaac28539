// A device's key and certificate request made in the browser (WebCrypto): an EC P-256 key whose
// private half stays in the page, and a PKCS#10 request, DER-encoded here, whose subject is only
// CN=<device id> (what the platform's CA signs). The platform sees the request, never the key.

function der(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  const out = new Uint8Array(1 + len.length + n);
  out.set([tag, ...len]);
  out.set(content, 1 + len.length);
  return out;
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};
const seq = (...parts: Uint8Array[]) => der(0x30, cat(...parts));
const set = (...parts: Uint8Array[]) => der(0x31, cat(...parts));

function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, new Uint8Array(bytes));
}

/** A non-negative INTEGER from big-endian bytes (leading zeros dropped, a 0 added when the top bit is set). */
function uint(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.slice(i);
  return der(0x02, v[0] & 0x80 ? cat(new Uint8Array([0]), v) : v);
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';

export function pem(label: string, bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  const b64 = btoa(bin).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

export interface KeyAndCsr {
  /** PKCS#8 PEM: only ever handed to the user as a download. */
  privateKeyPem: string;
  csrPem: string;
}

export async function makeKeyAndCsr(commonName: string): Promise<KeyAndCsr> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const subject = seq(set(seq(oid(COMMON_NAME), der(0x0c, new TextEncoder().encode(commonName)))));
  // version 0, subject, public key, no attributes ([0] empty).
  const info = seq(der(0x02, new Uint8Array([0])), subject, spki, new Uint8Array([0xa0, 0x00]));
  // WebCrypto signs as r || s (32 bytes each); PKCS#10 wants SEQUENCE { INTEGER r, INTEGER s }.
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, info as Uint8Array<ArrayBuffer>),
  );
  const signature = seq(uint(raw.slice(0, 32)), uint(raw.slice(32)));
  const csr = seq(info, seq(oid(ECDSA_WITH_SHA256)), der(0x03, cat(new Uint8Array([0]), signature)));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { privateKeyPem: pem('PRIVATE KEY', pkcs8), csrPem: pem('CERTIFICATE REQUEST', csr) };
}
