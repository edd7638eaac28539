// Kafka2FTP's waiting files in the store (table kafka2ftp_waiting), so that a crash loses none: a
// file is written here before its bus message counts as consumed, and deleted once it is uploaded
// or set aside. Each instance holds its rows under a lease it renews; rows whose lease ran out
// (their instance died) are taken over by another instance, or by the same one after a restart.
// PGlite is one process's store, so an embedded platform takes every row at its start.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { BusMessage } from '../platform/bus/index.js';
import { tenantOfTopic } from '../platform/contracts/topics.js';
import type { Store } from '../platform/store/index.js';

/**
 * A row taken over: its id, tenant and bus message; or, for a row this service did not write as it
 * stands (changed by other hands), what is wrong with it and its text, to be set aside.
 */
export type WaitingFile =
  | { id: string; tenant: string; message: BusMessage }
  | { id: string; tenant: string; unreadable: string; text: string };

/** The row's text as the bus message it was written from, or what is wrong with it. */
function readRow(id: string, tenant: string, text: string): WaitingFile {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { id, tenant, unreadable: 'its message is not JSON', text };
  }
  const o = m as Partial<BusMessage> | null;
  const shaped =
    typeof o === 'object' &&
    o !== null &&
    typeof o.topic === 'string' &&
    typeof o.id === 'string' &&
    typeof o.timestamp === 'number' &&
    (o.key === null || typeof o.key === 'string') &&
    'value' in o;
  if (!shaped) return { id, tenant, unreadable: 'its message is not a bus message', text };
  // A message filed under another tenant would put its dead letter, or its file, in that tenant's name.
  if (tenantOfTopic(o.topic!) !== tenant)
    return { id, tenant, unreadable: "its message's topic is not its tenant's", text };
  return { id, tenant, message: o as BusMessage };
}

/** Rows taken over per statement. */
const TAKE_OVER_BATCH = 100;

export class WaitingFiles {
  /** Rows deleted since the last tidy(). */
  private removed = 0;
  /** This process's name on its rows: one per start, so a restarted instance is a new owner. */
  readonly owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly store: Store,
    /** How long a row stays this instance's without a renewal, ms. */
    readonly leaseMs: number,
  ) {}

  /** Keeps a file's message; resolves with its row id once stored. */
  async add(tenant: string, message: BusMessage): Promise<string> {
    const [row] = await this.store.query<{ id: string }>(
      'INSERT INTO kafka2ftp_waiting (tenant, message, owner, lease_until) VALUES ($1, $2, $3, $4) RETURNING id::text AS id',
      [tenant, JSON.stringify(message), this.owner, Date.now() + this.leaseMs],
    );
    return row.id;
  }

  /** The file is uploaded or set aside. */
  async remove(id: string): Promise<void> {
    await this.store.query('DELETE FROM kafka2ftp_waiting WHERE id = $1::bigint', [id]);
    this.removed += 1;
  }

  /**
   * PGlite runs no autovacuum: without a VACUUM the space of every file kept and deleted (its
   * content is stored out of line, in the table's TOAST) would stay taken, and the data directory
   * would grow by every byte uploaded. A PostgreSQL server's autovacuum does this by itself.
   * The store's keeper (store/pglite-autovacuum.ts) waits for 50 dead rows: here each row is a
   * whole file, so its space is given back sooner.
   */
  async tidy(): Promise<void> {
    if (this.store.kind !== 'pglite' || this.removed === 0) return;
    this.removed = 0;
    await this.store.query('VACUUM kafka2ftp_waiting');
  }

  /** Extends this instance's lease on its rows. */
  async renew(): Promise<void> {
    await this.store.query('UPDATE kafka2ftp_waiting SET lease_until = $2 WHERE owner = $1', [
      this.owner,
      Date.now() + this.leaseMs,
    ]);
  }

  /** Gives this instance's rows up at once (a clean stop), for another instance or the next start. */
  async release(): Promise<void> {
    await this.store.query('UPDATE kafka2ftp_waiting SET lease_until = 0 WHERE owner = $1', [this.owner]);
  }

  /**
   * Takes over rows whose lease ran out (every row not this instance's when `all`), oldest first;
   * `room(tenant)` says how many more a tenant's queue takes, so rows it cannot take stay for later.
   */
  async takeOver(all: boolean, room: (tenant: string) => number): Promise<WaitingFile[]> {
    const taken: WaitingFile[] = [];
    const full = new Set<string>();
    for (let after = '0'; ;) {
      const rows = await this.store.query<{ id: string; tenant: string }>(
        `SELECT id::text AS id, tenant FROM kafka2ftp_waiting
          WHERE id > $1::bigint AND owner <> $2 AND ($3 OR lease_until < $4) ORDER BY id LIMIT $5`,
        [after, this.owner, all, Date.now(), TAKE_OVER_BATCH],
      );
      if (rows.length === 0) return taken;
      after = rows.at(-1)!.id;
      const wanted = new Map<string, number>();
      const ids: string[] = [];
      for (const r of rows) {
        if (full.has(r.tenant)) continue;
        const left = room(r.tenant) - (wanted.get(r.tenant) ?? 0);
        if (left <= 0) {
          // Not taken: the rest of this tenant's rows stay for later, in their order.
          full.add(r.tenant);
          continue;
        }
        wanted.set(r.tenant, (wanted.get(r.tenant) ?? 0) + 1);
        ids.push(r.id);
      }
      if (ids.length === 0) continue;
      // Another instance may take the same rows at the same moment: the lease condition again in
      // the UPDATE makes only one of them win each row.
      const won = await this.store.query<{ id: string; tenant: string; message: string }>(
        `UPDATE kafka2ftp_waiting SET owner = $1, lease_until = $2
          WHERE id = ANY($3::bigint[]) AND owner <> $1 AND ($4 OR lease_until < $5)
          RETURNING id::text AS id, tenant, message`,
        [this.owner, Date.now() + this.leaseMs, ids, all, Date.now()],
      );
      won.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      // One unreadable row must not stop the others, nor (at start) the platform.
      for (const r of won) taken.push(readRow(r.id, r.tenant, r.message));
    }
  }
}
