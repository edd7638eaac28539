// Consumes every tenant's `<tenant>.dojot.ftp` in one consumer group (so with several instances each
// file is uploaded once) and hands each file to its tenant's lane (lanes.ts), where it is uploaded
// to that tenant's server. The batch is done once its files are queued: one tenant's dead or hung
// server never holds up another tenant's files, in this batch or the next.
//
// What cannot be uploaded becomes a dead letter (published on `<tenant>.dojot-red.dead-letters`,
// which the dead-letters service keeps): a malformed message at once, a file after its retries, a
// file whose tenant's lane is full.
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { TenantLanes, type LaneLimits } from './lanes.js';
import { fileOf } from './message.js';
import { getTarget, logFailure } from './store.js';
import { uploadWithRetries, type RetryPolicy } from './uploader.js';

export const KAFKA2FTP_GROUP = 'kafka2ftp';

export class FtpConsumer {
  private subscription?: Subscription;
  readonly lanes: TenantLanes;

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly policy: RetryPolicy,
    limits: LaneLimits,
    private readonly log: Logger,
  ) {
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
        requeue: (messages) =>
          this.bus.publishMany(messages.map((m) => ({ topic: m.topic, key: m.key, value: m.value }))),
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: allTenants(SUBJECTS.ftp),
      group: KAFKA2FTP_GROUP,
      handler: (batch) => this.onBatch(batch),
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    await this.lanes.stop();
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
