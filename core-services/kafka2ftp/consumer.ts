// Consumes every tenant's `<tenant>.dojot.ftp` in one consumer group (so with several instances each
// file is uploaded once) and uploads each file to that tenant's server. A batch's tenants are served
// side by side, each in order, so one tenant's unreachable server does not hold up another's files
// of the same batch.
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { fileOf } from './message.js';
import { getTarget, logFailure } from './store.js';
import { uploadWithRetries, type RetryPolicy } from './uploader.js';

export class FtpConsumer {
  private subscription?: Subscription;
  private readonly stopping = new AbortController();

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly policy: RetryPolicy,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: allTenants(SUBJECTS.ftp),
      group: 'kafka2ftp',
      handler: (batch) => this.onBatch(batch),
    });
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.subscription?.close();
  }

  private async onBatch(batch: BusMessage[]): Promise<void> {
    const byTenant = new Map<string, BusMessage[]>();
    for (const m of batch) {
      const t = tenantOfTopic(m.topic);
      byTenant.set(t, [...(byTenant.get(t) ?? []), m]);
    }
    await Promise.all([...byTenant].map(([tenant, messages]) => this.serveTenant(tenant, messages)));
  }

  private async serveTenant(tenant: string, messages: BusMessage[]): Promise<void> {
    const record = (f: Parameters<typeof logFailure>[2]) => logFailure(this.store, tenant, f);
    for (const m of messages) {
      const file = fileOf(m.value);
      if ('problem' in file) {
        // A malformed message will never upload: say why once, and move on.
        this.log.error({ tenant, id: m.id, reason: file.problem }, 'kafka2ftp: dropped a message');
        await record({ at: Date.now(), filename: '', attempts: 0, final: true, reason: file.problem }).catch(
          () => undefined,
        );
        continue;
      }
      await uploadWithRetries(
        tenant,
        file,
        () => getTarget(this.store, tenant),
        this.policy,
        record,
        this.log,
        this.stopping.signal,
      );
    }
  }
}
