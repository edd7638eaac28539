// The scheduler's logic behind the routes and the CronClient: validate, store, (re)arm.
import { randomUUID } from 'node:crypto';
import type { Store, Sql } from '../platform/store/index.js';
import { PlatformError } from '../platform/errors.js';
import type { CronImportClient, CronJob, CronJobSpec, ReplaceStep } from './client.js';
import { cronError } from './errors.js';
import type { Scheduler } from './scheduler.js';
import { validateSpec, type SpecPolicy } from './spec.js';
import * as db from './store.js';

/** dojot's job ids are UUIDs; PUT may name any id of this form. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class CronService implements CronImportClient {
  constructor(
    private readonly store: Store,
    private readonly scheduler: Scheduler,
    private readonly policy: SpecPolicy,
  ) {}

  validateSpec(spec: unknown): CronJobSpec {
    return validateSpec(spec, this.policy);
  }

  async createJob(tenant: string, spec: CronJobSpec, jobId?: string): Promise<string> {
    return (await this.putJob(tenant, spec, jobId ?? randomUUID())).jobId;
  }

  /** PUT semantics: resolves created=true when no job had this id. */
  async putJob(tenant: string, spec: unknown, jobId: string): Promise<{ jobId: string; created: boolean }> {
    if (!JOB_ID.test(jobId))
      throw cronError('CRON_INVALID_JOB_ID', { problem: 'must be 1 to 64 letters, digits, "-" or "_"' });
    const job: db.StoredJob = { tenant, jobId, spec: this.validateSpec(spec), revision: randomUUID() };
    const created = await db.putJob(this.store, job);
    this.scheduler.arm(job);
    return { jobId, created };
  }

  async getJob(tenant: string, jobId: string): Promise<CronJob | null> {
    const job = await db.getJob(this.store, tenant, jobId);
    return job && { jobId: job.jobId, spec: job.spec };
  }

  async listJobs(tenant: string): Promise<CronJob[]> {
    return (await db.listJobs(this.store, tenant)).map((j) => ({ jobId: j.jobId, spec: j.spec }));
  }

  async removeJob(tenant: string, jobId: string): Promise<boolean> {
    const removed = await db.deleteJob(this.store, tenant, jobId);
    this.scheduler.disarm(tenant, jobId);
    return removed;
  }

  async removeAll(tenant: string): Promise<void> {
    await db.deleteAll(this.store, tenant);
    this.scheduler.disarmTenant(tenant);
  }

  async replaceJobs(tenant: string, jobs: CronJob[]): Promise<void> {
    const step = this.prepareReplace(tenant, jobs);
    await this.store.transaction((tx) => step.apply(tx));
    await step.after();
  }

  prepareReplace(tenant: string, jobs: unknown[]): ReplaceStep {
    const valid = jobs.map((raw, i) => {
      const j = (raw ?? {}) as { jobId?: unknown; spec?: unknown };
      try {
        const jobId = j.jobId === undefined ? randomUUID() : String(j.jobId);
        if (!JOB_ID.test(jobId))
          throw cronError('CRON_INVALID_JOB_ID', { problem: 'must be 1 to 64 letters, digits, "-" or "_"' });
        return { tenant, jobId, spec: this.validateSpec(j.spec), revision: randomUUID() } satisfies db.StoredJob;
      } catch (err) {
        // The path inside the list (e.g. `[2].spec.http.url`), for the importer to name the item.
        if (err instanceof PlatformError) {
          const field = err.code === 'CRON_INVALID_JOB_ID' ? 'jobId' : `spec.${err.message.split(':')[0]}`;
          const path = /^[\w.]+$/.test(field) ? `[${i}].${field}` : `[${i}].spec`;
          throw new PlatformError(err.code, err.status, `${path}: ${err.message}`, {
            ...err.extra,
            path,
            problem: err.message,
          });
        }
        throw err;
      }
    });
    const created = Date.now();
    return {
      apply: async (tx: Sql) => {
        await db.deleteAll(tx, tenant);
        // created grows by index so the listing keeps the file's order
        for (const [i, job] of valid.entries()) await db.putJob(tx, job, created + i);
      },
      after: async () => {
        this.scheduler.disarmTenant(tenant);
        for (const job of valid) this.scheduler.arm(job);
      },
    };
  }
}
