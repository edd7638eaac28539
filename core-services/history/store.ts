// History reads, tenant first. Every query walks the primary key
// (tenant, device_id, attr, ts, msg_id), see migrations/0003-history.sql.
import type { Sql } from '../platform/store/index.js';
import { isoMicros } from '../platform/contracts/timestamps.js';

/** One §4.1 entry, keys in dojot's order. */
export interface HistoryEntry {
  device_id: string;
  ts: string;
  value: unknown;
  attr: string;
  metadata: Record<string, unknown>;
}

export interface Window {
  /** 'desc' newest first (lastN, hLimit, default), 'asc' oldest first (firstN) */
  order: 'asc' | 'desc';
  /** null: every point */
  limit: number | null;
  from: Date | null;
  to: Date | null;
}

// dojot's history wrote microseconds (`…37.452000Z`); see docs/dojot-compatibility.md.
const iso = (ts: unknown): string => isoMicros(ts instanceof Date ? ts : new Date(ts as string));

// The sort direction is part of the text (it cannot be a parameter); both texts are constants.
// dojot skipped documents whose value is a single space (§4.1).
const entriesSql = (order: 'ASC' | 'DESC') => `SELECT value, ts, metadata FROM device_history
WHERE tenant = $1 AND device_id = $2 AND attr = $3
  AND ($4::timestamptz IS NULL OR ts >= $4) AND ($5::timestamptz IS NULL OR ts <= $5)
  AND value <> '" "'::jsonb
ORDER BY ts ${order}, msg_id ${order}
LIMIT $6::bigint`;
const ENTRIES = { asc: entriesSql('ASC'), desc: entriesSql('DESC') };

// A skip scan over the key prefix: one index probe per distinct attr, however many rows each has.
const ATTRS = `WITH RECURSIVE a(attr) AS (
  (SELECT attr FROM device_history WHERE tenant = $1 AND device_id = $2 ORDER BY attr LIMIT 1)
  UNION ALL
  SELECT (SELECT h.attr FROM device_history h WHERE h.tenant = $1 AND h.device_id = $2 AND h.attr > a.attr ORDER BY h.attr LIMIT 1)
  FROM a WHERE a.attr IS NOT NULL
)
SELECT attr FROM a WHERE attr IS NOT NULL`;

const LATEST = `WITH RECURSIVE a(attr) AS (
  (SELECT attr FROM device_history WHERE tenant = $1 AND device_id = $2 ORDER BY attr LIMIT 1)
  UNION ALL
  SELECT (SELECT h.attr FROM device_history h WHERE h.tenant = $1 AND h.device_id = $2 AND h.attr > a.attr ORDER BY h.attr LIMIT 1)
  FROM a WHERE a.attr IS NOT NULL
)
SELECT a.attr, l.value, l.ts FROM a CROSS JOIN LATERAL (
  SELECT value, ts FROM device_history h
  WHERE h.tenant = $1 AND h.device_id = $2 AND h.attr = a.attr
  ORDER BY ts DESC, msg_id DESC LIMIT 1
) l
WHERE a.attr IS NOT NULL
ORDER BY a.attr`;

export const historyStore = {
  async hasData(sql: Sql, tenant: string, device: string): Promise<boolean> {
    const rows = await sql.query<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM device_history WHERE tenant = $1 AND device_id = $2) AS found',
      [tenant, device],
    );
    return rows[0]?.found === true;
  },

  /** The attrs that have stored values, in label order. */
  async attrs(sql: Sql, tenant: string, device: string): Promise<string[]> {
    return (await sql.query<{ attr: string }>(ATTRS, [tenant, device])).map((r) => r.attr);
  },

  async entries(sql: Sql, tenant: string, device: string, attr: string, w: Window): Promise<HistoryEntry[]> {
    const rows = await sql.query<{ value: unknown; ts: unknown; metadata: Record<string, unknown> }>(ENTRIES[w.order], [
      tenant,
      device,
      attr,
      w.from,
      w.to,
      w.limit,
    ]);
    return rows.map((r) => ({ device_id: device, ts: iso(r.ts), value: r.value, attr, metadata: r.metadata ?? {} }));
  },

  /** The newest value of each attr: {attr: {value, ts}}. */
  async latest(sql: Sql, tenant: string, device: string): Promise<Record<string, { value: unknown; ts: string }>> {
    const rows = await sql.query<{ attr: string; value: unknown; ts: unknown }>(LATEST, [tenant, device]);
    const out: Record<string, { value: unknown; ts: string }> = {};
    for (const r of rows) out[r.attr] = { value: r.value, ts: iso(r.ts) };
    return out;
  },
};
