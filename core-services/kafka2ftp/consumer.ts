// Consumes every tenant's `<tenant>.dojot.ftp` in one consumer group (so with several instances each
// file is uploaded once) and hands each file to its tenant's lane (lanes.ts), where it is uploaded
// to that tenant's server. The batch is done once its files are queued: one tenant's dead or hung
// server never holds up another tenant's files, in this batch or the next.
//
// What cannot be uploaded becomes a dead letter (published on `<tenant>.dojot-red.dead-letters`,
// which the dead-letters service keeps): a malformed message at once, a file after its retries, a
// file whose tenant's lane is full.
//
// A file counts as consumed only once it is kept in the store (waiting-files.ts); this instance
// renews its lease on what it keeps and takes over files whose instance has gone.
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { TenantLanes, type LaneLimits } from './lanes.js';
import { fileOf } from './message.js';
import { getTarget, logFailure } from './store.js';
import { uploadWithRetries, type RetryPolicy } from './uploader.js';
import { WaitingFiles } from './waiting-files.js';

export const KAFKA2FTP_GROUP = 'kafka2ftp';
/**
 * How long an instance's waiting files stay its own without a renewal, ms: after a crash, another
 * instance takes them over within this and a third of it (the embedded platform at its next start).
 */
export const WAITING_LEASE_MS = 60_000;

export class FtpConsumer {
  private subscription?: Subscription;
  readonly lanes: TenantLanes;
  readonly waiting: WaitingFiles;
  private leaseTimer: NodeJS.Timeout | null = null;
  private tending: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly policy: RetryPolicy,
    limits: LaneLimits,
    private readonly log: Logger,
    leaseMs = WAITING_LEASE_MS,
  ) {
    this.waiting = new WaitingFiles(store, leaseMs);
    this.lanes = new TenantLanes(
      limits,
      {
        upload: (tenant, file, signal) =>
          uploadWithRetries(
            tenant,
            file,
            () => getTarget(this.store, tenant),
            this.policy,
            (f) => logFailure(this.store, tenant, f),
            this.log,
            signal,
          ),
        setAside: (m, reason) => this.setAside(m, reason),
        keep: (tenant, m) => this.waiting.add(tenant, m),
        forget: (id) => this.waiting.remove(id),
        release: () => this.waiting.release(),
      },
      log,
    );
  }

  async start(): Promise<void> {
    // PGlite is this process's alone: whatever is kept was left by its previous run.
    await this.takeOver(this.store.kind === 'pglite');
    this.leaseTimer = setInterval(() => {
      this.tending = this.tending.then(async () => {
        try {
          await this.waiting.renew();
          await this.takeOver(false);
          await this.waiting.tidy();
        } catch (err) {
          this.log.error({ err }, 'kafka2ftp: could not renew or take over waiting files; trying again');
        }
      });
    }, this.waiting.leaseMs / 3);
    this.leaseTimer.unref();
    this.subscription = await this.bus.subscribe({
      topic: allTenants(SUBJECTS.ftp),
      group: KAFKA2FTP_GROUP,
      handler: (batch) => this.onBatch(batch),
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.tending;
    await this.lanes.stop();
  }

  /** Queues the kept files of an instance that has gone (or of this one's previous run). */
  private async takeOver(all: boolean): Promise<void> {
    const taken = await this.waiting.takeOver(all, (tenant) => this.lanes.room(tenant));
    for (const w of taken) {
      if ('unreadable' in w) {
        const kept = {
          topic: `${w.tenant}.${SUBJECTS.ftp}`,
          key: null,
          id: `kafka2ftp-waiting-${w.id}`,
          timestamp: Date.now(),
        };
        await this.setAside({ ...kept, value: w.text }, `kept file unreadable: ${w.unreadable}`);
        await this.waiting.remove(w.id);
        continue;
      }
      const file = fileOf(w.message.value);
      if ('problem' in file) {
        // Only messages that carried a file were kept; a row changed by other hands is set aside.
        await this.setAside(w.message, `kept file unreadable: ${file.problem}`);
        await this.waiting.remove(w.id);
        continue;
      }
      this.lanes.restore(w.tenant, w.id, w.message, file);
    }
    if (taken.length > 0) this.log.info({ files: taken.length }, 'kafka2ftp: took over waiting files');
  }

  /** A dead letter, through the bus to the dead-letters service (which files it under the topic's tenant). */
  private async setAside(m: BusMessage, reason: string): Promise<void> {
    const tenant = tenantOfTopic(m.topic);
    await this.bus.publish(`${tenant}.${SUBJECTS.deadLetters}`, m.key, {
      consumer: KAFKA2FTP_GROUP,
      topic: m.topic,
      key: m.key,
      id: m.id,
      timestamp: m.timestamp,
      value: m.value,
      reason,
    });
  }

  private async onBatch(batch: BusMessage[]): Promise<void> {
    for (const m of batch) {
      const tenant = tenantOfTopic(m.topic);
      const file = fileOf(m.value);
      if ('problem' in file) {
        // A malformed message will never upload: say why once, and set it aside.
        this.log.error({ tenant, id: m.id, reason: file.problem }, 'kafka2ftp: dropped a message');
        await logFailure(this.store, tenant, {
          at: Date.now(),
          filename: '',
          attempts: 0,
          final: true,
          reason: file.problem,
        }).catch(() => undefined);
        await this.setAside(m, file.problem);
        continue;
      }
      await this.lanes.add(tenant, m, file);
    }
  }
}
