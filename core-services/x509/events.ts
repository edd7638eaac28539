// x509 events on the bus, so every instance's MQTTS listener hears of them:
//   admin.dojot.x509   {"event":"revoke","data":{"fingerprint":"AA:…"}}   a certificate was revoked
//   admin.dojot.x509   {"event":"trust","data":{}}                        the tenant's trusted CAs changed
// Each instance has its own consumer group: a device may be connected to any of them.
import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '../platform/bus/index.js';
import { allTenants, tenantOfTopic, topicOf } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { X509Event } from './client.js';

export const X509_SUBJECT = 'dojot.x509';

export class X509Events {
  private readonly listeners = new Set<(e: X509Event) => void>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  revoked(tenant: string, fingerprint: string): Promise<void> {
    return this.bus.publish(topicOf(tenant, X509_SUBJECT), fingerprint, { event: 'revoke', data: { fingerprint } });
  }

  trustChanged(tenant: string): Promise<void> {
    return this.bus.publish(topicOf(tenant, X509_SUBJECT), null, { event: 'trust', data: {} });
  }

  on(listener: (e: X509Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: allTenants(X509_SUBJECT),
      group: `x509-${randomUUID()}`,
      handler: async (batch) => {
        for (const msg of batch) {
          const v = msg.value as { event?: string; data?: { fingerprint?: unknown } } | null;
          const tenant = tenantOfTopic(msg.topic);
          if (v?.event === 'revoke' && typeof v.data?.fingerprint === 'string')
            this.emit({ type: 'revoked', tenant, fingerprint: v.data.fingerprint });
          else if (v?.event === 'trust') this.emit({ type: 'trust-changed' });
        }
      },
    });
  }

  private emit(e: X509Event): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err, event: e.type }, 'x509 event listener failed');
      }
    }
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }
}
