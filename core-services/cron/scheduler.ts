// Arms one timer per job. Each fire is claimed in the store first (one row per job per fire time),
// so when several instances arm the same job exactly one of them runs it. Instances learn of jobs
// written by others by re-reading the store every syncMs.
import type { Cron } from 'croner';
import type { Bus } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { runJob } from './actions.js';
import { parseSchedule } from './spec.js';
import { allJobs, claimFire, forgetFiresBefore, type StoredJob } from './store.js';

/** setTimeout's longest delay, ms; longer waits are done in several steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Fire claims older than this are deleted, ms. */
const FIRE_RETENTION_MS = 24 * 3600 * 1000;

interface Armed {
  job: StoredJob;
  cron: Cron;
  timer?: NodeJS.Timeout;
}

const keyOf = (tenant: string, jobId: string) => `${tenant}\u0000${jobId}`;

export class Scheduler {
  private readonly armed = new Map<string, Armed>();
  private syncTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly syncMs: number,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    const loop = () => {
      this.syncTimer = setTimeout(() => {
        this.sync()
          .catch((err: unknown) => this.log.error({ err }, 'cron: reading jobs failed'))
          .finally(() => !this.closed && loop());
      }, this.syncMs);
      this.syncTimer.unref();
    };
    loop();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.syncTimer);
    for (const a of this.armed.values()) clearTimeout(a.timer);
    this.armed.clear();
  }

  /** Brings the armed timers in line with the store: new and changed jobs armed, deleted ones disarmed. */
  async sync(): Promise<void> {
    const jobs = await allJobs(this.store);
    const seen = new Set<string>();
    for (const job of jobs) {
      seen.add(keyOf(job.tenant, job.jobId));
      this.arm(job);
    }
    for (const [k, a] of this.armed) if (!seen.has(k)) this.disarm(a.job.tenant, a.job.jobId);
    await forgetFiresBefore(this.store, Date.now() - FIRE_RETENTION_MS);
  }

  arm(job: StoredJob): void {
    if (this.closed) return;
    const k = keyOf(job.tenant, job.jobId);
    const known = this.armed.get(k);
    if (known?.job.revision === job.revision) return;
    if (known) clearTimeout(known.timer);
    let cron: Cron;
    try {
      cron = parseSchedule(job.spec.time, job.spec.timezone ?? 'UTC');
    } catch (err) {
      this.log.error({ err, tenant: job.tenant, jobId: job.jobId }, 'cron: a stored job has a bad schedule; not armed');
      return;
    }
    const armed: Armed = { job, cron };
    this.armed.set(k, armed);
    this.schedule(armed, Date.now());
  }

  disarm(tenant: string, jobId: string): void {
    const k = keyOf(tenant, jobId);
    clearTimeout(this.armed.get(k)?.timer);
    this.armed.delete(k);
  }

  disarmTenant(tenant: string): void {
    for (const a of [...this.armed.values()]) if (a.job.tenant === tenant) this.disarm(tenant, a.job.jobId);
  }

  private schedule(armed: Armed, after: number): void {
    const next = armed.cron.nextRun(new Date(after));
    if (!next) return; // a schedule with no future run (e.g. a past year)
    const fireAt = next.getTime();
    const wait = () => {
      const left = fireAt - Date.now();
      armed.timer = setTimeout(
        left > MAX_TIMER_MS ? wait : () => this.fire(armed, fireAt),
        Math.min(Math.max(left, 0), MAX_TIMER_MS),
      );
      armed.timer.unref();
    };
    wait();
  }

  private fire(armed: Armed, fireAt: number): void {
    if (this.armed.get(keyOf(armed.job.tenant, armed.job.jobId)) !== armed) return; // replaced meanwhile
    this.schedule(armed, Math.max(Date.now(), fireAt + 1));
    const { job } = armed;
    claimFire(this.store, job, fireAt)
      .then((mine) => (mine ? runJob(job, this.bus, this.log) : undefined))
      .catch((err: unknown) => this.log.warn({ err, tenant: job.tenant, jobId: job.jobId }, 'cron: job failed'));
  }
}
