// One bus subscription per topic, shared by every websocket watching it, closed with the last one.
// Each instance uses its own consumer group: every instance must see every message, because its
// clients are connected to it and to no other.
import { randomUUID } from 'node:crypto';
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';

export interface Listener {
  deliver(message: BusMessage): void;
}

interface Topic {
  listeners: Set<Listener>;
  subscription: Promise<Subscription>;
}

export class Fanout {
  private readonly topics = new Map<string, Topic>();
  private readonly group = `kafka-ws-${randomUUID()}`;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  /** Resolves once the listener will receive the topic's next message. */
  async add(topic: string, listener: Listener): Promise<void> {
    let t = this.topics.get(topic);
    if (!t) {
      const listeners = new Set<Listener>();
      const subscription = this.bus.subscribe({
        topic,
        group: this.group,
        handler: async (batch) => {
          for (const m of batch) for (const l of listeners) l.deliver(m);
        },
      });
      t = { listeners, subscription };
      this.topics.set(topic, t);
      subscription.catch((err: unknown) => {
        this.log.error({ err, topic }, 'kafka-ws: subscribing failed');
        this.topics.delete(topic);
      });
    }
    t.listeners.add(listener);
    await t.subscription;
  }

  remove(topic: string, listener: Listener): void {
    const t = this.topics.get(topic);
    if (!t) return;
    t.listeners.delete(listener);
    if (t.listeners.size > 0) return;
    this.topics.delete(topic);
    t.subscription
      .then((s) => s.close())
      .catch((err: unknown) => this.log.warn({ err, topic }, 'kafka-ws: unsubscribing failed'));
  }

  async close(): Promise<void> {
    const all = [...this.topics.values()];
    this.topics.clear();
    await Promise.allSettled(all.map((t) => t.subscription.then((s) => s.close())));
  }
}
