// Tenant-first queries of kafka2ftp_config and kafka2ftp_failures.
import type { Sql } from '../platform/store/index.js';

export interface FtpTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  directory: string;
  secure: boolean;
}

export interface Failure {
  at: number;
  filename: string;
  attempts: number;
  final: boolean;
  reason: string;
}

/** How many failures per tenant are kept. */
const FAILURES_KEPT = 1000;

export async function getTarget(sql: Sql, tenant: string): Promise<FtpTarget | null> {
  const [row] = await sql.query<FtpTarget>(
    'SELECT host, port, username, password, directory, secure FROM kafka2ftp_config WHERE tenant = $1',
    [tenant],
  );
  return row ?? null;
}

export async function putTarget(sql: Sql, tenant: string, t: FtpTarget): Promise<void> {
  await sql.query(
    `INSERT INTO kafka2ftp_config (tenant, host, port, username, password, directory, secure, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant) DO UPDATE SET host = $2, port = $3, username = $4, password = $5, directory = $6, secure = $7, updated = $8`,
    [tenant, t.host, t.port, t.username, t.password, t.directory, t.secure, Date.now()],
  );
}

export async function deleteTarget(sql: Sql, tenant: string): Promise<boolean> {
  return (await sql.query('DELETE FROM kafka2ftp_config WHERE tenant = $1 RETURNING tenant', [tenant])).length > 0;
}

export async function logFailure(sql: Sql, tenant: string, f: Failure): Promise<void> {
  await sql.query(
    'INSERT INTO kafka2ftp_failures (tenant, at, filename, attempts, final, reason) VALUES ($1, $2, $3, $4, $5, $6)',
    [tenant, f.at, f.filename, f.attempts, f.final, f.reason],
  );
  await sql.query(
    `DELETE FROM kafka2ftp_failures WHERE tenant = $1 AND id <= (SELECT id FROM kafka2ftp_failures WHERE tenant = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
    [tenant, FAILURES_KEPT],
  );
}

export async function listFailures(sql: Sql, tenant: string, limit: number): Promise<Failure[]> {
  const rows = await sql.query<Failure & { at: string | number }>(
    'SELECT at, filename, attempts, final, reason FROM kafka2ftp_failures WHERE tenant = $1 ORDER BY id DESC LIMIT $2',
    [tenant, limit],
  );
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}
