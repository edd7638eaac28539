// A tenant's own CAs (§7 lists /trusted-cas as stubs in dojot v0.5.2; here they work): the MQTTS
// listener accepts certificates they issued, but only those registered one by one to a device.
import { X509Certificate } from 'node:crypto';
import { certificatePem, fingerprintOf, type CaMaterial } from './certificates.js';
import { X509Errors } from './errors.js';
import type { X509Events } from './events.js';
import { normalize } from './service.js';
import type { TrustedCaRow, X509Store } from './store.js';

export interface TrustedCaView {
  caFingerprint: string;
  caPem: string;
  subject: string;
  createdAt: string;
  tenant: string;
}

const view = (r: TrustedCaRow): TrustedCaView => ({
  caFingerprint: r.fingerprint,
  caPem: r.pem,
  subject: r.subject,
  createdAt: new Date(r.created_at).toISOString(),
  tenant: r.tenant,
});

export class TrustedCaService {
  constructor(
    private readonly ca: CaMaterial,
    private readonly store: X509Store,
    private readonly events: X509Events,
  ) {}

  async add(tenant: string, body: Record<string, unknown> | undefined): Promise<{ caFingerprint: string }> {
    const pem = body?.caPem;
    if (typeof pem !== 'string')
      throw X509Errors.X509_INVALID_CA({ problem: 'a PEM-encoded CA certificate is required' });
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw X509Errors.X509_INVALID_CA({ problem: 'not a PEM-encoded X.509 certificate' });
    }
    if (!cert.ca)
      throw X509Errors.X509_INVALID_CA({ problem: 'not a CA certificate (basicConstraints cA is not set)' });
    if (Date.parse(cert.validTo) < Date.now())
      throw X509Errors.X509_INVALID_CA({ problem: `expired on ${cert.validTo}` });
    const fingerprint = fingerprintOf(cert.raw);
    if (fingerprint === fingerprintOf(this.ca.cert.raw)) throw X509Errors.X509_CA_IS_PLATFORM();
    // Registering the same CA twice is harmless: the answer is the same.
    await this.store.addTrustedCa({
      tenant,
      fingerprint,
      pem: certificatePem(cert.raw),
      subject: cert.subject.replace(/\n/g, ', '),
    });
    await this.events.trustChanged(tenant);
    return { caFingerprint: fingerprint };
  }

  async list(tenant: string): Promise<{ trustedCAs: TrustedCaView[] }> {
    return { trustedCAs: (await this.store.trustedCas(tenant)).map(view) };
  }

  async get(tenant: string, fingerprint: string): Promise<TrustedCaView> {
    const fp = normalize(fingerprint);
    const row = (await this.store.trustedCas(tenant)).find((r) => r.fingerprint === fp);
    if (!row) throw X509Errors.X509_NO_SUCH_TRUSTED_CA({ fingerprint });
    return view(row);
  }

  async remove(tenant: string, fingerprint: string): Promise<void> {
    if (!(await this.store.removeTrustedCa(tenant, normalize(fingerprint))))
      throw X509Errors.X509_NO_SUCH_TRUSTED_CA({ fingerprint });
    await this.events.trustChanged(tenant);
  }
}
