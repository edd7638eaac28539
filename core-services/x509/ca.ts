// The platform CA: loaded from the files the operator gave, or else from the store, or else made
// now (first start) and saved there. Everything the platform signs — device certificates, the
// MQTTS server certificate, CRLs — is signed with this one key.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '../platform/log.js';
import { certificatePem, issue, type CaMaterial } from './certificates.js';
import { OID } from './der.js';
import type { X509Store } from './store.js';

/** RSA 2048: accepted by every TLS stack devices ship with, and quick to make on first start. */
const CA_KEY_BITS = 2048;
/** Backdating covers devices whose clocks run a little behind. */
export const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface CaSettings {
  validityDays: number;
  certFile: string;
  keyFile: string;
}

export async function loadOrCreateCa(store: X509Store, settings: CaSettings, log: Logger): Promise<CaMaterial> {
  if (settings.certFile)
    return fromPem(readFileSync(settings.certFile, 'utf8'), readFileSync(settings.keyFile, 'utf8'), settings.certFile);
  const saved = await store.loadCa();
  if (saved) return fromPem(saved.cert_pem, saved.key_pem, 'the store');
  const made = makeCa(settings.validityDays);
  await store.saveCa(made.keyPem, made.certPem);
  // Another instance may have saved its own CA first: use whichever the store kept.
  const kept = (await store.loadCa())!;
  const ca = fromPem(kept.cert_pem, kept.key_pem, 'the store');
  log.info({ subject: ca.cert.subject, validTo: ca.cert.validTo }, 'platform CA created');
  return ca;
}

export function makeCa(validityDays: number, now = Date.now()): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: CA_KEY_BITS });
  // A random suffix tells this installation's CA apart from another's with the same software.
  const cn = `dojot-red CA ${randomBytes(4).toString('hex')}`;
  const der = issue(
    {
      subject: [
        [OID.organization, 'dojot IoT Platform'],
        [OID.commonName, cn],
      ],
      spkiDer: publicKey.export({ format: 'der', type: 'spki' }) as Buffer,
      profile: 'ca',
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + validityDays * DAY_MS),
    },
    { selfKey: privateKey },
  );
  return { keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, certPem: certificatePem(der) };
}

function fromPem(certPem: string, keyPem: string, where: string): CaMaterial {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.ca)
    throw new Error(`the CA certificate from ${where} is not a CA certificate (basicConstraints cA is not set)`);
  if (!cert.checkPrivateKey(key)) throw new Error(`the CA private key from ${where} does not match its certificate`);
  return { key, cert };
}

export const daysFrom = (now: number, days: number): Date => new Date(now + days * DAY_MS);
