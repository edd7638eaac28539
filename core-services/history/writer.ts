// Batched history writes: rows wait in an open batch, and a batch becomes one multi-row INSERT
// (unnest of column arrays: one statement, seven parameters, whatever the row count).
// A redelivered message must not be stored twice, but redeliveries are rare (a consumer restart on
// Kafka), and ON CONFLICT DO NOTHING makes every row pay a speculative insertion: a batch is first
// written without it, and only a batch refused for a duplicate key is written again with it
// (PGlite, 900-row batches: ~25 instead of ~35 µs a row).
// A batch is written when it holds `batchRows` rows, as soon as the store is idle (but no sooner
// than WRITE_SPACING_MS after the previous write started), and at the latest `flushMs` after its
// first row. While a write is running, rows gather for the next one (group commit), so batches
// grow by themselves under load and stay single rows when it is quiet.
// add() resolves only once its rows are committed: the bus handler awaits it, so the bus only
// moves on from a message that is stored (at least once).
import type { Sql } from '../platform/store/index.js';
import { Rows } from './rows.js';

/** Writes that may run at once: one being stored, one more started by a full batch or the timer. */
const MAX_CONCURRENT_WRITES = 2;
/**
 * Least time between the starts of two writes when the store is idle, ms. Each INSERT has a fixed
 * cost, so at moderate rates a write per few rows keeps the platform thread busy for little:
 * in `npm run bench -- ingest` at 5,000 msg/s, 3 ms took the thread from ~85 % to ~60 % busy and
 * p99 from ~20 to ~13 ms, for ~3 ms more at p50. A quiet system still writes a lone row at once.
 */
const WRITE_SPACING_MS = 3;

/** Parameter order of INSERT_SQL; the bench reads the ts array ($4) to time publish → stored. */
export const INSERT_TS_PARAM = 3;
/** A batch's first try: fails whole on a row already stored (SQLSTATE 23505). */
export const INSERT_SQL = `INSERT INTO device_history (tenant, device_id, attr, ts, msg_id, value, metadata)
SELECT t, d, a, to_timestamp(s / 1000.0), m, v::jsonb, md::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[]) AS r(t, d, a, s, m, v, md)`;
/** The same batch again after a duplicate key: rows already stored are skipped. */
export const INSERT_DEDUP_SQL = `${INSERT_SQL}
ON CONFLICT DO NOTHING`;

/** PostgreSQL's unique_violation, as PGlite and node-postgres both report it. */
function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/** The rows one add() put in a batch, and the promise that call waits on. */
class Part {
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Rejections are observed by the callers of add(); this keeps an unawaited one quiet.
    this.done.catch(() => {});
  }
}

class Batch {
  readonly rows = new Rows();
  readonly parts: Part[] = [];
}

export interface WriterOptions {
  sql: Sql;
  batchRows: number;
  flushMs: number;
  /** @default WRITE_SPACING_MS */
  spacingMs?: number;
}

export class HistoryWriter {
  private open: Batch | null = null;
  private readonly ready: Batch[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (epoch ms); Infinity when it is not armed. */
  private deadline = Infinity;
  /** When the open batch got its first row, and when the last write started (epoch ms). */
  private openedAt = 0;
  private lastStart = -Infinity;
  private idle: (() => void)[] = [];
  /** Rows written so far (conflicting duplicates included). */
  written = 0;
  /** Batches that held a row already stored, and were written again skipping it. */
  duplicateBatches = 0;

  constructor(private readonly opts: WriterOptions) {}

  /** Queues the rows; resolves once they are all committed, rejects if their INSERT failed. */
  add(rows: Rows): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const waits: Promise<void>[] = [];
    for (let from = 0; from < rows.length;) {
      if (!this.open) {
        this.open = new Batch();
        this.openedAt = Date.now();
      }
      const batch = this.open;
      const to = Math.min(rows.length, from + this.opts.batchRows - batch.rows.length);
      const part = new Part(batch.rows.length, batch.rows.length + to - from);
      batch.rows.copyFrom(rows, from, to);
      batch.parts.push(part);
      waits.push(part.done);
      if (batch.rows.length >= this.opts.batchRows) this.seal();
      from = to;
    }
    this.schedule();
    this.pump();
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  /** Writes whatever is waiting and resolves when nothing is left in flight. */
  async flush(): Promise<void> {
    if (this.open) this.seal();
    this.pump();
    if (this.inFlight === 0 && this.ready.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private onTimer(): void {
    this.timer = null;
    this.deadline = Infinity;
    if (this.open) this.seal();
    this.pump();
  }

  /** Decides when the open batch goes: now, once the spacing since the last write has passed, or flushMs after its first row. */
  private schedule(): void {
    if (!this.open) return;
    const now = Date.now();
    if (this.inFlight === 0 && this.ready.length === 0) {
      const at = this.lastStart + (this.opts.spacingMs ?? WRITE_SPACING_MS);
      if (at <= now) return this.seal();
      this.arm(at);
    }
    this.arm(this.openedAt + this.opts.flushMs);
  }

  private arm(at: number): void {
    if (at >= this.deadline) return;
    if (this.timer) clearTimeout(this.timer);
    this.deadline = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - Date.now()));
  }

  private seal(): void {
    if (!this.open) return;
    this.ready.push(this.open);
    this.open = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.deadline = Infinity;
    }
  }

  private pump(): void {
    while (this.ready.length > 0 && this.inFlight < MAX_CONCURRENT_WRITES) {
      const batch = this.ready.shift()!;
      this.inFlight += 1;
      void this.write(batch);
    }
  }

  private async insert(r: Rows): Promise<void> {
    const params = [r.tenant, r.device, r.attr, r.ts, r.msgId, r.value, r.metadata];
    try {
      await this.opts.sql.query(INSERT_SQL, params);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // The failed statement changed nothing (it is its own transaction): write it again, skipping.
      this.duplicateBatches += 1;
      await this.opts.sql.query(INSERT_DEDUP_SQL, params);
    }
  }

  private async write(batch: Batch): Promise<void> {
    const r = batch.rows;
    this.lastStart = Date.now();
    try {
      await this.insert(r);
      this.written += r.length;
      for (const p of batch.parts) p.resolve();
    } catch (err) {
      // Rows of several callers failed together: one caller's bad row must not fail the others
      // (the bus would then set their messages aside as poison), so each part is tried alone.
      if (batch.parts.length === 1) batch.parts[0].reject(err);
      else await this.writeApart(batch);
    } finally {
      this.inFlight -= 1;
      // Group commit: what gathered during this write goes next, without waiting for the timer.
      this.schedule();
      this.pump();
      if (this.inFlight === 0 && this.ready.length === 0 && !this.open) for (const w of this.idle.splice(0)) w();
    }
  }

  private async writeApart(batch: Batch): Promise<void> {
    for (const p of batch.parts) {
      const rows = new Rows();
      rows.copyFrom(batch.rows, p.from, p.to);
      try {
        await this.insert(rows);
        this.written += rows.length;
        p.resolve();
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
