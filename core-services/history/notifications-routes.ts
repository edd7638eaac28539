// GET /history/notifications/history (§4.2): the tenant's newest ten notifications,
// {"notifications":[{msgID, metaAttrsFilter, message, subject, ts}]}. Every query key filters:
// `subject` the top-level field, any other key metaAttrsFilter.<key>; a value in double quotes
// is a string, an integer is a number (as dojot parsed it), true/false are booleans, and
// anything else is taken as a string.
import type { FastifyPluginAsync } from 'fastify';
import type { Sql } from '../platform/store/index.js';
import { notificationsStore, type NotificationFilter } from './notifications-store.js';

export function parseFilterValue(raw: string): unknown {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1);
  if (/^-?\d+$/.test(raw)) return Number.parseInt(raw, 10);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

export function parseNotificationFilter(query: Record<string, string | string[] | undefined>): NotificationFilter {
  const filter: NotificationFilter = { meta: {} };
  for (const [k, v] of Object.entries(query)) {
    const raw = Array.isArray(v) ? v[v.length - 1] : v;
    if (raw === undefined) continue;
    const value = parseFilterValue(raw);
    if (k === 'subject') filter.subject = String(value);
    else filter.meta[k] = value;
  }
  return filter;
}

export function notificationRoutes(sql: Sql): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Record<string, string | string[]> }>('/history/notifications/history', async (req) => {
      const notifications = await notificationsStore.newest(
        sql,
        req.identity.tenant,
        parseNotificationFilter(req.query),
      );
      return { notifications };
    });
  };
}
