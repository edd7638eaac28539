// Tenant-first queries of dead_letters. Every text written is made safe for PostgreSQL first: the
// letter exists because something in it may be refused (a NUL, a lone surrogate, a value nested
// too deep to serialise), and the store of last resort must not refuse it too.
import type { Sql } from '../platform/store/index.js';
import type { DeadLetter } from '../platform/bus/index.js';

/** Longest message text kept per letter; longer ones are cut (and flagged), chars. */
export const MESSAGE_KEPT_CHARS = 64 * 1024;
/** Letters kept per tenant: the oldest beyond this go when new ones come. */
const KEPT_PER_TENANT = 10_000;

export interface StoredLetter {
  id: string;
  consumer: string;
  topic: string;
  key: string | null;
  messageId: string;
  /** Epoch ms when the bus accepted the message, and when it was set aside. */
  timestamp: number;
  at: number;
  reason: string;
  /** The message value; a string holding the start of its JSON when it was cut. */
  value: unknown;
  truncated?: true;
}

/** A string PostgreSQL text takes: well-formed UTF-16 (lone surrogates → U+FFFD), NUL spelled out. */
export function safeText(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replace(/\u0000/g, '\\u0000');
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The value as JSON text (which escapes NULs and lone surrogates itself), or a note why it has none. */
export function messageText(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value ?? null);
  } catch (err) {
    return JSON.stringify(`(not serialisable: ${safeText((err as Error).message ?? String(err))})`);
  }
  return json.length > MESSAGE_KEPT_CHARS ? json.slice(0, MESSAGE_KEPT_CHARS) : json;
}

export async function addLetters(sql: Sql, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const now = Date.now();
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
  for (const l of letters) {
    const row = [
      safeText(l.tenant),
      safeText(l.consumer),
      safeText(l.topic),
      l.key === null ? null : safeText(l.key),
      safeText(l.id),
      Number.isFinite(l.timestamp) ? Math.trunc(l.timestamp) : now,
      now,
      safeText(l.reason),
      messageText(l.value),
    ];
    row.forEach((v, i) => cols[i].push(v));
  }
  await sql.query(
    `INSERT INTO dead_letters (tenant, consumer, topic, msg_key, msg_id, msg_ts, at, reason, message)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])
     ON CONFLICT (consumer, msg_id) DO NOTHING`,
    cols,
  );
  for (const tenant of new Set(cols[0] as string[])) {
    await sql.query(
      `DELETE FROM dead_letters WHERE tenant = $1 AND id <= (SELECT id FROM dead_letters WHERE tenant = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [tenant, KEPT_PER_TENANT],
    );
  }
}

interface Row {
  id: string;
  consumer: string;
  topic: string;
  msg_key: string | null;
  msg_id: string;
  msg_ts: string;
  at: string;
  reason: string;
  message: string;
}

function toLetter(r: Row): StoredLetter {
  const base = {
    id: String(r.id),
    consumer: r.consumer,
    topic: r.topic,
    key: r.msg_key,
    messageId: r.msg_id,
    timestamp: Number(r.msg_ts),
    at: Number(r.at),
    reason: r.reason,
  };
  try {
    return { ...base, value: JSON.parse(r.message) };
  } catch {
    return { ...base, value: r.message, truncated: true };
  }
}

export interface ListOptions {
  consumer?: string;
  /** Only letters with a smaller id (paging, newest first). */
  before?: number;
  limit: number;
}

export async function listLetters(sql: Sql, tenant: string, o: ListOptions): Promise<StoredLetter[]> {
  const rows = await sql.query<Row>(
    `SELECT id, consumer, topic, msg_key, msg_id, msg_ts, at, reason, message FROM dead_letters
     WHERE tenant = $1 AND ($2::text IS NULL OR consumer = $2) AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [tenant, o.consumer ?? null, o.before ?? null, o.limit],
  );
  return rows.map(toLetter);
}

export async function countLetters(sql: Sql, tenant: string, consumer?: string): Promise<number> {
  const [r] = await sql.query<{ n: string }>(
    'SELECT count(*) AS n FROM dead_letters WHERE tenant = $1 AND ($2::text IS NULL OR consumer = $2)',
    [tenant, consumer ?? null],
  );
  return Number(r.n);
}

/** Letters of every tenant, per consumer: for /health, which names no tenant. */
export async function countByConsumer(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql.query<{ consumer: string; n: string }>(
    'SELECT consumer, count(*) AS n FROM dead_letters GROUP BY consumer ORDER BY consumer',
  );
  return Object.fromEntries(rows.map((r) => [r.consumer, Number(r.n)]));
}

/** Letters of every tenant, per tenant and consumer: for /metrics. */
export async function countByTenantAndConsumer(
  sql: Sql,
): Promise<{ tenant: string; consumer: string; count: number }[]> {
  const rows = await sql.query<{ tenant: string; consumer: string; n: string }>(
    'SELECT tenant, consumer, count(*) AS n FROM dead_letters GROUP BY tenant, consumer',
  );
  return rows.map((r) => ({ tenant: r.tenant, consumer: r.consumer, count: Number(r.n) }));
}

export async function deleteLetter(sql: Sql, tenant: string, id: string): Promise<boolean> {
  return (
    (await sql.query('DELETE FROM dead_letters WHERE tenant = $1 AND id = $2 RETURNING id', [tenant, id])).length > 0
  );
}

export async function deleteLetters(sql: Sql, tenant: string, consumer?: string): Promise<number> {
  return (
    await sql.query('DELETE FROM dead_letters WHERE tenant = $1 AND ($2::text IS NULL OR consumer = $2) RETURNING id', [
      tenant,
      consumer ?? null,
    ])
  ).length;
}
