// Tenant-first queries of cron_jobs and cron_fires.
import type { Sql } from '../platform/store/index.js';
import type { CronJob, CronJobSpec } from './client.js';

export interface StoredJob extends CronJob {
  tenant: string;
  revision: string;
}

interface JobRow {
  tenant: string;
  job_id: string;
  spec: CronJobSpec;
  revision: string;
}

const toJob = (r: JobRow): StoredJob => ({ tenant: r.tenant, jobId: r.job_id, spec: r.spec, revision: r.revision });

export async function listJobs(sql: Sql, tenant: string): Promise<StoredJob[]> {
  const rows = await sql.query<JobRow>(
    'SELECT tenant, job_id, spec, revision FROM cron_jobs WHERE tenant = $1 ORDER BY created, job_id',
    [tenant],
  );
  return rows.map(toJob);
}

export async function allJobs(sql: Sql): Promise<StoredJob[]> {
  return (await sql.query<JobRow>('SELECT tenant, job_id, spec, revision FROM cron_jobs')).map(toJob);
}

export async function getJob(sql: Sql, tenant: string, jobId: string): Promise<StoredJob | null> {
  const [row] = await sql.query<JobRow>(
    'SELECT tenant, job_id, spec, revision FROM cron_jobs WHERE tenant = $1 AND job_id = $2',
    [tenant, jobId],
  );
  return row ? toJob(row) : null;
}

/** Inserts or replaces; resolves true when the job is new. */
export async function putJob(sql: Sql, job: StoredJob, now = Date.now()): Promise<boolean> {
  const rows = await sql.query<{ inserted: boolean }>(
    `INSERT INTO cron_jobs (tenant, job_id, spec, revision, created) VALUES ($1, $2, $3::jsonb, $4, $5)
     ON CONFLICT (tenant, job_id) DO UPDATE SET spec = EXCLUDED.spec, revision = EXCLUDED.revision
     RETURNING (xmax = 0) AS inserted`,
    [job.tenant, job.jobId, JSON.stringify(job.spec), job.revision, now],
  );
  return rows[0]?.inserted === true;
}

export async function deleteJob(sql: Sql, tenant: string, jobId: string): Promise<boolean> {
  return (
    (await sql.query('DELETE FROM cron_jobs WHERE tenant = $1 AND job_id = $2 RETURNING job_id', [tenant, jobId]))
      .length > 0
  );
}

export async function deleteAll(sql: Sql, tenant: string): Promise<void> {
  await sql.query('DELETE FROM cron_jobs WHERE tenant = $1', [tenant]);
}

/**
 * Claims one fire of one revision of a job: true for exactly one caller across all instances, and
 * for none once the job was changed or deleted.
 */
export async function claimFire(sql: Sql, job: StoredJob, fireAt: number): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO cron_fires (tenant, job_id, fire_at)
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM cron_jobs WHERE tenant = $1 AND job_id = $2 AND revision = $4)
     ON CONFLICT DO NOTHING RETURNING fire_at`,
    [job.tenant, job.jobId, fireAt, job.revision],
  );
  return rows.length > 0;
}

export async function forgetFiresBefore(sql: Sql, before: number): Promise<void> {
  await sql.query('DELETE FROM cron_fires WHERE fire_at < $1', [before]);
}
