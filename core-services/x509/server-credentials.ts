// The MQTTS server's key and certificate, made at each start and signed by the platform CA for
// the configured host names: nothing to renew or to keep secret on disk, and a change of
// DOJOT_MQTTS_HOSTNAMES takes effect at the next start.
import { generateKeyPairSync } from 'node:crypto';
import { BACKDATE_MS, daysFrom } from './ca.js';
import { certificatePem, issue, type CaMaterial } from './certificates.js';
import { OID } from './der.js';

const SERVER_KEY_BITS = 2048;

export function makeServerCredentials(
  ca: CaMaterial,
  hostnames: string[],
  validityDays: number,
): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: SERVER_KEY_BITS });
  const now = Date.now();
  const der = issue(
    {
      subject: [
        [OID.organization, 'dojot IoT Platform'],
        [OID.commonName, hostnames[0]],
      ],
      spkiDer: publicKey.export({ format: 'der', type: 'spki' }) as Buffer,
      profile: 'server',
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: daysFrom(now, validityDays),
      altNames: hostnames,
    },
    ca,
  );
  return { key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, cert: certificatePem(der) };
}
