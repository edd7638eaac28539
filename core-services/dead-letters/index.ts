// Dead letters: the bus messages consumers set aside after failing on them every try
// (core-services/platform/bus/poison.ts). This process's consumers write them straight to the
// store (deadLetterSink); tenant runtimes on Kafka, which have no store, publish them on
// `<tenant>.dojot-red.dead-letters`, and this service keeps them, under the topic's tenant.
import type { DeadLetter, DeadLetterSink, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import type { Sql } from '../platform/store/index.js';
import { deadLetterRoutes } from './routes.js';
import { addLetters } from './store.js';

export const DEAD_LETTERS_GROUP = 'dead-letters';

/** The sink the platform's bus is built with. */
export function deadLetterSink(sql: Sql): DeadLetterSink {
  return (letters) => addLetters(sql, letters);
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** A letter published by a tenant runtime; its tenant is the topic's, whatever it says. */
export function letterOf(topic: string, value: unknown, id: string, timestamp: number): DeadLetter {
  const tenant = tenantOfTopic(topic);
  const v = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const ownTopic = typeof v.topic === 'string' && v.topic.startsWith(`${tenant}.`) ? v.topic : topic;
  return {
    tenant,
    consumer: str(v.consumer, 'flow-runtime').slice(0, 200),
    topic: ownTopic,
    key: typeof v.key === 'string' ? v.key : null,
    id: str(v.id, id),
    timestamp: typeof v.timestamp === 'number' ? v.timestamp : timestamp,
    value: 'value' in v ? v.value : value,
    reason: str(v.reason, '(no reason given)').slice(0, 1_000),
  };
}

/** `kept`: told of the letters once they are stored (for the metrics). */
export function createDeadLetters(ctx: PlatformContext, kept?: (letters: DeadLetter[]) => void): Service {
  let sub: Subscription | undefined;
  return {
    name: 'dead-letters',
    routes: deadLetterRoutes(ctx.store),
    start: async () => {
      sub = await ctx.bus.subscribe({
        topic: allTenants(SUBJECTS.deadLetters),
        group: DEAD_LETTERS_GROUP,
        handler: async (batch) => {
          const letters = batch.map((m) => letterOf(m.topic, m.value, m.id, m.timestamp));
          await addLetters(ctx.store, letters);
          kept?.(letters);
        },
      });
    },
    close: async () => {
      await sub?.close();
    },
  };
}
