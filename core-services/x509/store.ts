// The x509 tables (migration 0005): tenant-first queries; only the identity lookup of the MQTTS
// listener and the CRL read across tenants, because a certificate names its tenant itself.
import type { Sql } from '../platform/store/index.js';

export interface CertRow {
  tenant: string;
  fingerprint: string;
  serial: string;
  pem: string;
  issued_by_dojot_pki: boolean;
  auto_registered: boolean;
  belongs_to: { device?: string; application?: string };
  not_after: Date;
  created_at: Date;
  revoked_at: Date | null;
}

export interface TrustedCaRow {
  tenant: string;
  fingerprint: string;
  pem: string;
  subject: string;
  created_at: Date;
}

/** A list filter: a column expression (from a fixed table, never from the request) and a value. */
export interface Filter {
  column: string;
  contains: boolean;
  value: string;
}

const COLUMNS =
  'tenant, fingerprint, serial, pem, issued_by_dojot_pki, auto_registered, belongs_to, not_after, created_at, revoked_at';

export class X509Store {
  constructor(private readonly sql: Sql) {}

  async loadCa(): Promise<{ key_pem: string; cert_pem: string } | null> {
    const [row] = await this.sql.query<{ key_pem: string; cert_pem: string }>(
      `SELECT key_pem, cert_pem FROM x509_ca WHERE id = 'platform'`,
    );
    return row ?? null;
  }

  /** Keeps the first CA saved: two instances starting together agree on the one that won. */
  async saveCa(keyPem: string, certPem: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO x509_ca (id, key_pem, cert_pem) VALUES ('platform', $1, $2) ON CONFLICT (id) DO NOTHING`,
      [keyPem, certPem],
    );
  }

  async insert(row: Omit<CertRow, 'created_at' | 'revoked_at'>): Promise<CertRow | null> {
    const [saved] = await this.sql.query<CertRow>(
      `INSERT INTO x509_certificates (tenant, fingerprint, serial, pem, issued_by_dojot_pki, auto_registered, belongs_to, not_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [
        row.tenant,
        row.fingerprint,
        row.serial,
        row.pem,
        row.issued_by_dojot_pki,
        row.auto_registered,
        JSON.stringify(row.belongs_to),
        row.not_after,
      ],
    );
    return saved ?? null;
  }

  /** A tenant's certificate that is not revoked. */
  async get(tenant: string, fingerprint: string): Promise<CertRow | null> {
    const [row] = await this.sql.query<CertRow>(
      `SELECT ${COLUMNS} FROM x509_certificates WHERE tenant = $1 AND fingerprint = $2 AND revoked_at IS NULL`,
      [tenant, fingerprint],
    );
    return row ?? null;
  }

  /** Any tenant's record of a certificate, revoked or not: who it names is in the record. */
  async byFingerprint(fingerprint: string): Promise<CertRow | null> {
    const [row] = await this.sql.query<CertRow>(`SELECT ${COLUMNS} FROM x509_certificates WHERE fingerprint = $1`, [
      fingerprint,
    ]);
    return row ?? null;
  }

  async list(
    tenant: string,
    filters: Filter[],
    limit: number,
    offset: number,
  ): Promise<{ rows: CertRow[]; total: number }> {
    const params: unknown[] = [tenant];
    const where = ['tenant = $1', 'revoked_at IS NULL'];
    for (const f of filters) {
      params.push(f.contains ? `%${f.value.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : f.value);
      where.push(f.contains ? `${f.column} ILIKE $${params.length}` : `${f.column} = $${params.length}`);
    }
    const clause = where.join(' AND ');
    const [{ n }] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM x509_certificates WHERE ${clause}`,
      params,
    );
    const rows = await this.sql.query<CertRow>(
      `SELECT ${COLUMNS} FROM x509_certificates WHERE ${clause} ORDER BY created_at, fingerprint LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return { rows, total: n };
  }

  /** Marks a certificate revoked; null when the tenant has no such (unrevoked) certificate. */
  async revoke(tenant: string, fingerprint: string): Promise<CertRow | null> {
    const [row] = await this.sql.query<CertRow>(
      `UPDATE x509_certificates SET revoked_at = now() WHERE tenant = $1 AND fingerprint = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [tenant, fingerprint],
    );
    return row ?? null;
  }

  async setOwner(tenant: string, fingerprint: string, belongsTo: CertRow['belongs_to']): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE x509_certificates SET belongs_to = $3::jsonb WHERE tenant = $1 AND fingerprint = $2 AND revoked_at IS NULL RETURNING fingerprint`,
      [tenant, fingerprint, JSON.stringify(belongsTo)],
    );
    return rows.length > 0;
  }

  /** Revoked certificates the platform CA signed and that have not expired: the CRL's entries. */
  async revokedSerials(): Promise<{ serial: string; revoked_at: Date }[]> {
    return this.sql.query(
      `SELECT serial, revoked_at FROM x509_certificates
       WHERE issued_by_dojot_pki AND revoked_at IS NOT NULL AND not_after > now() ORDER BY revoked_at`,
    );
  }

  async nextCrlNumber(): Promise<number> {
    const [{ n }] = await this.sql.query<{ n: string }>(`SELECT nextval('x509_crl_numbers')::text AS n`);
    return Number(n);
  }

  async addTrustedCa(row: Omit<TrustedCaRow, 'created_at'>): Promise<TrustedCaRow | null> {
    const [saved] = await this.sql.query<TrustedCaRow>(
      `INSERT INTO x509_trusted_cas (tenant, fingerprint, pem, subject) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING tenant, fingerprint, pem, subject, created_at`,
      [row.tenant, row.fingerprint, row.pem, row.subject],
    );
    return saved ?? null;
  }

  /** One tenant's trusted CAs, or every tenant's (the MQTTS listener trusts them all at TLS level). */
  async trustedCas(tenant?: string): Promise<TrustedCaRow[]> {
    return tenant === undefined
      ? this.sql.query(`SELECT tenant, fingerprint, pem, subject, created_at FROM x509_trusted_cas ORDER BY created_at`)
      : this.sql.query(
          `SELECT tenant, fingerprint, pem, subject, created_at FROM x509_trusted_cas WHERE tenant = $1 ORDER BY created_at`,
          [tenant],
        );
  }

  async removeTrustedCa(tenant: string, fingerprint: string): Promise<boolean> {
    const rows = await this.sql.query(
      `DELETE FROM x509_trusted_cas WHERE tenant = $1 AND fingerprint = $2 RETURNING fingerprint`,
      [tenant, fingerprint],
    );
    return rows.length > 0;
  }
}
