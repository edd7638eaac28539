// The x509 logic, without HTTP: sign a device's CSR, register a certificate of a trusted CA, list,
// revoke, change owner, the CA and its CRL. Every operation takes the caller's tenant first.
import { X509Certificate } from 'node:crypto';
import type { DeviceManagerClient } from '../device-manager/client.js';
import { BACKDATE_MS, daysFrom } from './ca.js';
import { certificatePem, fingerprintOf, issue, signCrl, type CaMaterial } from './certificates.js';
import { parseCsr } from './csr.js';
import { OID } from './der.js';
import { X509Errors } from './errors.js';
import type { X509Events } from './events.js';
import type { CertRow, Filter, X509Store } from './store.js';

export interface X509Settings {
  certValidityDays: number;
  crlValidityHours: number;
}

export interface CertificateView {
  fingerprint: string;
  pem: string;
  createdAt: string;
  issuedByDojotPki: boolean;
  autoRegistered: boolean;
  belongsTo: { device?: string; application?: string };
  tenant: string;
}

export const view = (r: CertRow): CertificateView => ({
  fingerprint: r.fingerprint,
  pem: r.pem,
  createdAt: new Date(r.created_at).toISOString(),
  issuedByDojotPki: r.issued_by_dojot_pki,
  autoRegistered: r.auto_registered,
  belongsTo: r.belongs_to,
  tenant: r.tenant,
});

type Body = Record<string, unknown>;

export class CertificateService {
  constructor(
    private readonly ca: CaMaterial,
    private readonly store: X509Store,
    private readonly devices: DeviceManagerClient,
    private readonly events: X509Events,
    private readonly settings: X509Settings,
  ) {}

  /** POST /certificates: a CSR (signed here) or a certificatePem of a trusted CA (registered). */
  async create(tenant: string, body: Body): Promise<{ certificateFingerprint: string; certificatePem: string }> {
    const belongsTo = parseBelongsTo(body.belongsTo);
    if (body.csr !== undefined && body.certificatePem !== undefined)
      throw X509Errors.X509_INVALID_BODY({ field: 'csr', problem: 'give either csr or certificatePem, not both' });
    if (body.certificatePem !== undefined) return this.register(tenant, body.certificatePem, belongsTo);
    const csr = parseCsr(body.csr);
    // The CN is the device id; belongsTo, when given, can only repeat it.
    if (belongsTo && belongsTo.device !== csr.cn)
      throw X509Errors.X509_INVALID_BODY({
        field: 'belongsTo.device',
        problem: `must be the CSR's CN (${csr.cn}) when given`,
      });
    if (!(await this.devices.deviceExists(tenant, csr.cn)))
      throw X509Errors.X509_NO_SUCH_DEVICE({ tenant, device: csr.cn });
    const now = Date.now();
    const notAfter = daysFrom(now, this.settings.certValidityDays);
    const der = issue(
      {
        subject: [
          [OID.organization, 'dojot IoT Platform'],
          [OID.commonName, `${tenant}:${csr.cn}`],
        ],
        spkiDer: csr.spkiDer,
        profile: 'client',
        notBefore: new Date(now - BACKDATE_MS),
        notAfter,
      },
      this.ca,
    );
    const pem = certificatePem(der);
    const fingerprint = fingerprintOf(der);
    await this.store.insert({
      tenant,
      fingerprint,
      serial: new X509Certificate(der).serialNumber,
      pem,
      issued_by_dojot_pki: true,
      auto_registered: false,
      belongs_to: { device: csr.cn },
      not_after: notAfter,
    });
    return { certificateFingerprint: fingerprint, certificatePem: pem };
  }

  /** A certificate of one of the tenant's trusted CAs, mapped explicitly to one device. */
  private async register(tenant: string, pemText: unknown, belongsTo: { device: string } | null) {
    if (typeof pemText !== 'string')
      throw X509Errors.X509_INVALID_CERTIFICATE({ problem: 'a PEM-encoded certificate is required' });
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pemText);
    } catch {
      throw X509Errors.X509_INVALID_CERTIFICATE({ problem: 'not a PEM-encoded X.509 certificate' });
    }
    if (!belongsTo)
      throw X509Errors.X509_INVALID_BODY({
        field: 'belongsTo.device',
        problem: 'required with certificatePem: a certificate from your own CA names its device explicitly',
      });
    if (cert.ca)
      throw X509Errors.X509_INVALID_CERTIFICATE({
        problem: 'a CA certificate cannot identify a device (register it under /x509/v1/trusted-cas)',
      });
    if (Date.parse(cert.validTo) < Date.now())
      throw X509Errors.X509_INVALID_CERTIFICATE({ problem: `expired on ${cert.validTo}` });
    const cas = await this.store.trustedCas(tenant);
    const trusted = cas.some(
      (c) => cert.checkIssued(new X509Certificate(c.pem)) && cert.verify(new X509Certificate(c.pem).publicKey),
    );
    if (!trusted)
      throw X509Errors.X509_UNTRUSTED_CERTIFICATE({
        detail: cas.length ? `issuer ${cert.issuer.replace(/\n/g, ', ')}` : 'no trusted CA registered',
      });
    if (!(await this.devices.deviceExists(tenant, belongsTo.device)))
      throw X509Errors.X509_NO_SUCH_DEVICE({ tenant, device: belongsTo.device });
    const fingerprint = fingerprintOf(cert.raw);
    const pem = certificatePem(cert.raw);
    const saved = await this.store.insert({
      tenant,
      fingerprint,
      serial: cert.serialNumber,
      pem,
      issued_by_dojot_pki: false,
      auto_registered: false,
      belongs_to: belongsTo,
      not_after: new Date(cert.validTo),
    });
    if (!saved) throw X509Errors.X509_ALREADY_REGISTERED({ fingerprint });
    return { certificateFingerprint: fingerprint, certificatePem: pem };
  }

  async get(tenant: string, fingerprint: string): Promise<CertificateView> {
    const row = await this.store.get(tenant, normalize(fingerprint));
    if (!row) throw X509Errors.X509_NO_SUCH_CERTIFICATE({ params: JSON.stringify({ fingerprint }) });
    return view(row);
  }

  list(tenant: string, filters: Filter[], limit: number, offset: number) {
    return this.store.list(tenant, filters, limit, offset);
  }

  /** DELETE: the certificate is revoked (listed in the CRL, refused by MQTTS) and no longer listed. */
  async revoke(tenant: string, fingerprint: string): Promise<void> {
    const row = await this.store.revoke(tenant, normalize(fingerprint));
    if (!row) throw X509Errors.X509_NO_SUCH_CERTIFICATE({ params: JSON.stringify({ fingerprint }) });
    await this.events.revoked(tenant, row.fingerprint);
  }

  async setOwner(tenant: string, fingerprint: string, body: Body): Promise<void> {
    const owner = parseOwner(body?.belongsTo);
    if (owner.device !== undefined && !(await this.devices.deviceExists(tenant, owner.device)))
      throw X509Errors.X509_NO_SUCH_DEVICE({ tenant, device: owner.device });
    if (!(await this.store.setOwner(tenant, normalize(fingerprint), owner)))
      throw X509Errors.X509_NO_SUCH_CERTIFICATE({ params: JSON.stringify({ fingerprint }) });
  }

  caView(): { certificateFingerprint: string; caPem: string } {
    return { certificateFingerprint: fingerprintOf(this.ca.cert.raw), caPem: certificatePem(this.ca.cert.raw) };
  }

  /** Signed anew on each request, so thisUpdate is now and the number always grows. */
  async crl(): Promise<{ crl: string }> {
    const revoked = await this.store.revokedSerials();
    const now = Date.now();
    const next = new Date(now + this.settings.crlValidityHours * 3_600_000);
    const entries = revoked.map((r) => ({ serialHex: r.serial, revokedAt: new Date(r.revoked_at) }));
    return { crl: signCrl(this.ca, entries, await this.store.nextCrlNumber(), new Date(now), next) };
  }
}

/** Fingerprints are compared as dojot writes them: upper-case hex pairs joined by colons. */
export const normalize = (fp: string): string => fp.trim().toUpperCase();

function parseBelongsTo(v: unknown): { device: string } | null {
  if (v === undefined || v === null) return null;
  const owner = parseOwner(v);
  if (owner.device === undefined)
    throw X509Errors.X509_INVALID_BODY({
      field: 'belongsTo',
      problem: 'only {"device": "<id>"} is accepted when creating a certificate',
    });
  return { device: owner.device };
}

/** {"device": id} or {"application": name}, exactly one (§7). */
function parseOwner(v: unknown): { device?: string; application?: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw X509Errors.X509_INVALID_BODY({
      field: 'belongsTo',
      problem: 'must be an object: {"device": "<id>"} or {"application": "<name>"}',
    });
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  if (keys.length !== 1 || !['device', 'application'].includes(keys[0])) {
    throw X509Errors.X509_INVALID_BODY({
      field: 'belongsTo',
      problem: 'must have exactly one key, "device" or "application"',
    });
  }
  const value = o[keys[0]];
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value))
    throw X509Errors.X509_INVALID_BODY({
      field: `belongsTo.${keys[0]}`,
      problem: 'must be letters, digits, "_" or "-" (1 to 64)',
    });
  return { [keys[0]]: value };
}
