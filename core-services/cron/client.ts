// What other services (the flow runtime's cron nodes, data-manager) use of the scheduler.
// The job spec is dojot's (§8 of docs/dojot-compatibility.md).

export interface CronHttpAction {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  criterion?: 1 | 2 | 3;
  sregex?: string;
  fregex?: string;
}

export interface CronBrokerAction {
  /** `dojot.device-manager.device` or `device-data`; published to `<tenant>.<subject>`. */
  subject: string;
  message: unknown;
}

export interface CronJobSpec {
  /** Cron expression, 5 fields, or 6 with seconds first. */
  time: string;
  /** IANA zone. @default 'UTC' */
  timezone?: string;
  name?: string;
  description?: string;
  http?: CronHttpAction;
  broker?: CronBrokerAction;
}

export interface CronJob {
  jobId: string;
  spec: CronJobSpec;
}

export interface CronClient {
  /** Validates and arms the job; throws a PlatformError (400) naming the bad field. */
  createJob(tenant: string, spec: CronJobSpec, jobId?: string): Promise<string>;
  /** Resolves false when the tenant has no such job. */
  removeJob(tenant: string, jobId: string): Promise<boolean>;
  listJobs(tenant: string): Promise<CronJob[]>;
  /** Replaces every job of the tenant (data-manager import): all or nothing. */
  replaceJobs(tenant: string, jobs: CronJob[]): Promise<void>;
}

/** One service's share of an import: SQL run inside the importer's one transaction, then side effects. */
export interface ReplaceStep {
  apply(tx: import('../platform/store/index.js').Sql): Promise<void>;
  /** After the commit: arm timers, notify, restart. */
  after(): Promise<void>;
}

/** What data-manager uses to replace a tenant's jobs as part of one all-or-nothing import. */
export interface CronImportClient extends CronClient {
  /** Checks one spec as POST would; throws a PlatformError (400) naming the bad field. */
  validateSpec(spec: unknown): CronJobSpec;
  /** Validates every job (throws naming `[index].spec.<field>`) and returns the step that replaces them. */
  prepareReplace(tenant: string, jobs: unknown[]): ReplaceStep;
}
