// Keeps the notifications the flows publish on `<tenant>.dojot.notifications` (§4.3): only
// those whose metaAttrsFilter.shouldPersist is truthy, de-duplicated on msgID.
//   {"msgID":"<uuid4>","timestamp":<ms>,"message":"...","metaAttrsFilter":{...,"shouldPersist":true},"subject":"user_notification"}
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { Sql } from '../platform/store/index.js';
import { notificationsStore, type NotificationRow } from './notifications-store.js';

const GROUP = 'history-notifications';

/** The row to keep, or null when the message is malformed or not to be persisted. */
export function notificationRow(m: BusMessage): NotificationRow | null {
  const v = m.value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') return null;
  const meta =
    v.metaAttrsFilter && typeof v.metaAttrsFilter === 'object' && !Array.isArray(v.metaAttrsFilter)
      ? (v.metaAttrsFilter as Record<string, unknown>)
      : {};
  if (!meta.shouldPersist) return null;
  const ts = typeof v.timestamp === 'number' && Number.isFinite(v.timestamp) ? Math.trunc(v.timestamp) : m.timestamp;
  return {
    tenant: tenantOfTopic(m.topic),
    msgId: typeof v.msgID === 'string' && v.msgID ? v.msgID : m.id,
    ts,
    subject: typeof v.subject === 'string' ? v.subject : 'user_notification',
    message: v.message ?? null,
    metaAttrs: meta,
  };
}

export class NotificationsPersister {
  private sub: Subscription | null = null;

  constructor(private readonly deps: { bus: Bus; sql: Sql; log: Logger }) {}

  async start(): Promise<void> {
    this.sub = await this.deps.bus.subscribe({
      topic: allTenants(SUBJECTS.notifications),
      group: GROUP,
      handler: async (batch) => {
        const rows = batch.map(notificationRow).filter((r): r is NotificationRow => r !== null);
        if (rows.length) await notificationsStore.insert(this.deps.sql, rows);
      },
    });
  }

  async close(): Promise<void> {
    await this.sub?.close();
    this.sub = null;
  }
}
