// Certificate → device, for the MQTTS listener. Run on every connection, after TLS verified the
// chain and the dates: the revocation list is the store itself (the CRL is signed from the same
// rows), so a certificate revoked a moment ago is refused at its next connection.
import type { X509Certificate } from 'node:crypto';
import { TENANT_PATTERN } from '../platform/contracts/identity.js';
import { fingerprintOf, type CaMaterial } from './certificates.js';
import type { CertificateVerdict } from './client.js';
import { DEVICE_ID_PATTERN } from './csr.js';
import type { X509Store } from './store.js';

export async function identify(
  cert: X509Certificate,
  ca: CaMaterial,
  store: X509Store,
  now = Date.now(),
): Promise<CertificateVerdict> {
  const fingerprint = fingerprintOf(cert.raw);
  const refuse = (reason: string): CertificateVerdict => ({ ok: false, fingerprint, reason });
  // TLS checked these already; checking again keeps this function safe to call on its own.
  if (Date.parse(cert.validTo) < now) return refuse(`certificate expired on ${cert.validTo}`);
  if (Date.parse(cert.validFrom) > now) return refuse(`certificate not valid before ${cert.validFrom}`);
  const row = await store.byFingerprint(fingerprint);
  if (row?.revoked_at) return refuse(`certificate revoked at ${row.revoked_at.toISOString()}`);

  if (cert.checkIssued(ca.cert) && cert.verify(ca.cert.publicKey)) {
    const cn = commonName(cert);
    const colon = cn?.indexOf(':') ?? -1;
    const tenant = cn?.slice(0, colon) ?? '';
    const device = cn?.slice(colon + 1) ?? '';
    if (colon < 0 || !TENANT_PATTERN.test(tenant) || !DEVICE_ID_PATTERN.test(device)) {
      return refuse(`certificate CN "${cn ?? ''}" is not <tenant>:<device>`);
    }
    return { ok: true, tenant, device, fingerprint };
  }

  // Signed by a tenant's own CA: only an explicit mapping names the device, never the CN, so a
  // tenant's CA cannot speak for another tenant's devices.
  if (!row)
    return refuse(
      'certificate from a trusted CA is not registered to a device (POST /x509/v1/certificates {certificatePem, belongsTo})',
    );
  if (!row.belongs_to.device) return refuse('certificate is registered without a device');
  const cas = await store.trustedCas(row.tenant);
  const issuer = cas.find((c) => {
    try {
      const caCert = new (cert.constructor as typeof X509Certificate)(c.pem);
      return cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
    } catch {
      return false;
    }
  });
  if (!issuer) return refuse(`the CA that issued this certificate is not trusted by tenant ${row.tenant}`);
  return { ok: true, tenant: row.tenant, device: row.belongs_to.device, fingerprint };
}

/** The last CN of a subject as Node prints it ("O=…\nCN=…"); escaped values are not device names anyway. */
export function commonName(cert: X509Certificate): string | null {
  const lines = cert.subject.split('\n').filter((l) => l.startsWith('CN='));
  return lines.length ? lines[lines.length - 1].slice(3) : null;
}
