// The notifications table: written by the notifications persister, read by
// GET /history/notifications/history. Every query is scoped by the tenant first.
import type { Sql } from '../platform/store/index.js';
import { isoMicros } from '../platform/contracts/timestamps.js';

/** dojot answered at most this many notifications, newest first (§4.2). */
export const MAX_NOTIFICATIONS = 10;

export interface NotificationRow {
  tenant: string;
  msgId: string;
  ts: number;
  subject: string;
  message: unknown;
  metaAttrs: Record<string, unknown>;
}

export interface NotificationView {
  msgID: string;
  metaAttrsFilter: Record<string, unknown>;
  message: unknown;
  subject: string;
  /** ISO-8601 with microseconds, as dojot's history answered (stored as epoch ms). */
  ts: string;
}

/** subject = the top-level field; any other key matches metaAttrsFilter.<key>. */
export interface NotificationFilter {
  subject?: string;
  meta: Record<string, unknown>;
}

export const notificationsStore = {
  async insert(sql: Sql, rows: NotificationRow[]): Promise<void> {
    for (const r of rows) {
      await sql.query(
        `INSERT INTO notifications (tenant, msg_id, ts, subject, message, meta_attrs) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
         ON CONFLICT DO NOTHING`,
        [r.tenant, r.msgId, r.ts, r.subject, JSON.stringify(r.message ?? null), JSON.stringify(r.metaAttrs)],
      );
    }
  },

  async newest(sql: Sql, tenant: string, filter: NotificationFilter): Promise<NotificationView[]> {
    const params: unknown[] = [tenant, JSON.stringify(filter.meta)];
    let where = 'tenant = $1 AND meta_attrs @> $2::jsonb';
    if (filter.subject !== undefined) {
      params.push(filter.subject);
      where += ` AND subject = $${params.length}`;
    }
    const rows = await sql.query<{
      msg_id: string;
      ts: string | number;
      subject: string;
      message: unknown;
      meta_attrs: Record<string, unknown>;
    }>(
      `SELECT msg_id, ts, subject, message, meta_attrs FROM notifications WHERE ${where} ORDER BY ts DESC, msg_id LIMIT ${MAX_NOTIFICATIONS}`,
      params,
    );
    return rows.map((r) => ({
      msgID: r.msg_id,
      metaAttrsFilter: r.meta_attrs,
      message: r.message,
      subject: r.subject,
      ts: isoMicros(Number(r.ts)),
    }));
  },
};
