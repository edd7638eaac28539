// History retention, as dojot's persister kept it (HISTORY_DB_DATA_EXPIRATION, 7 days by default):
// rows older than the retention are deleted, device history and notifications alike.
//
// device_history has no index on ts alone (the primary key (tenant, device_id, attr, ts, msg_id)
// serves every read, and a second index would cost every insert), so a purge does not scan the
// table: it walks the key's distinct series (tenant, device_id, attr) with one index probe each,
// then deletes each series' expired range by the key, a few hundred series per statement.
// Several instances may purge at once: each chunk's transaction takes an advisory lock first, and
// an instance that finds it taken leaves the rest of the round to the one holding it.
// A purge is background work sharing the store with ingestion: embedded, PGlite runs each statement
// on the platform's thread, and a purge of 20,000 series in back-to-back statements of up to
// 5,000 series held that thread ~1–2 s (every PUBACK and actuation of a 20,000-device run
// waited as long). So statements are small and each is followed by a pause as long as it took:
// the purge takes at most about half of the store's time, and holds it a few ms at a time.
import type { Logger } from '../platform/log.js';
import type { Sql, Store } from '../platform/store/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A purge cut short by close(): the next one (after a restart) goes on from where it is. */
export class PurgeStopped extends Error {
  constructor() {
    super('history purge stopped: the platform is closing');
  }
}

/** Series whose expired rows one DELETE removes. */
export const SERIES_PER_DELETE = 100;
/** Distinct series read per step of the walk. */
export const SERIES_PER_WALK = 500;
/** Names the purge among advisory locks (any constant; "dojot-red history purge"). */
const PURGE_LOCK_KEY = 718_246_001;
/** First purge this long after start (start-up is busy enough), ms. */
const FIRST_PURGE_DELAY_MS = 30_000;

interface Series {
  tenant: string;
  device_id: string;
  attr: string;
}

export interface PurgeResult {
  /** false: another instance was purging. */
  ran: boolean;
  historyRows: number;
  notificationRows: number;
  series: number;
  ms: number;
}

export class HistoryRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  /** Set by close(): a purge under way stops after its current statement (what it deleted stays deleted). */
  private closing = false;

  constructor(
    private readonly deps: {
      store: Store;
      log: Logger;
      /** 0: keep forever. */
      retentionSeconds: number;
      intervalSeconds: number;
      /** Waits after each statement, given how long it took (tests record it). */
      pause?: (statementMs: number) => Promise<void>;
    },
  ) {}

  /** Runs one statement of the purge, then leaves the store to others as long as it took. */
  private async paced<T>(statement: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const out = await statement();
    const took = performance.now() - started;
    await (this.deps.pause ?? sleep)(took);
    if (this.closing) throw new PurgeStopped();
    return out;
  }

  start(): void {
    if (this.deps.retentionSeconds <= 0) return;
    const run = () => {
      this.running = this.purge().catch((err) => {
        if (err instanceof PurgeStopped) return;
        this.deps.log.warn({ err }, 'history: purge of expired rows failed; retrying at the next interval');
      });
    };
    const first = Math.min(FIRST_PURGE_DELAY_MS, this.deps.intervalSeconds * 1000);
    this.timer = setTimeout(() => {
      run();
      this.timer = setInterval(run, this.deps.intervalSeconds * 1000);
      this.timer.unref();
    }, first);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes what is older than the retention, as of `now` (epoch ms). */
  async purge(now = Date.now()): Promise<PurgeResult> {
    const started = Date.now();
    const cutoff = new Date(now - this.deps.retentionSeconds * 1000);
    const result: PurgeResult = { ran: false, historyRows: 0, notificationRows: 0, series: 0, ms: 0 };
    const { store } = this.deps;
    // One short transaction per chunk: a purge of a long backlog never holds one huge transaction.
    const inTurn = <T>(fn: (tx: Sql) => Promise<T>): Promise<T | null> =>
      this.paced(() =>
        store.transaction(async (tx) => {
          const [lock] = await tx.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [
            PURGE_LOCK_KEY,
          ]);
          return lock.got ? fn(tx) : null;
        }),
      );
    let ran = true;
    let after: Series | null = null;
    walk: for (;;) {
      const series: Series[] = await this.paced(() => this.walk(store, after));
      if (series.length === 0) break;
      result.series += series.length;
      for (let i = 0; i < series.length; i += SERIES_PER_DELETE) {
        const chunk = series.slice(i, i + SERIES_PER_DELETE);
        const n = await inTurn(async (tx) => {
          const deleted = await tx.query<{ n: string }>(
            `WITH gone AS (
               DELETE FROM device_history d
                USING unnest($1::text[], $2::text[], $3::text[]) AS s(tenant, device_id, attr)
                WHERE d.tenant = s.tenant AND d.device_id = s.device_id AND d.attr = s.attr AND d.ts < $4
               RETURNING 1)
             SELECT count(*) AS n FROM gone`,
            [chunk.map((c) => c.tenant), chunk.map((c) => c.device_id), chunk.map((c) => c.attr), cutoff],
          );
          return Number(deleted[0].n);
        });
        if (n === null) {
          ran = false; // another instance is purging right now
          break walk;
        }
        result.historyRows += n;
      }
      after = series[series.length - 1];
    }
    if (ran) {
      const n = await inTurn(async (tx) => {
        const gone = await tx.query<{ n: string }>(
          'WITH gone AS (DELETE FROM notifications WHERE ts < $1 RETURNING 1) SELECT count(*) AS n FROM gone',
          [cutoff.getTime()],
        );
        return Number(gone[0].n);
      });
      if (n === null) ran = false;
      else result.notificationRows = n;
    }
    // PGlite runs no autovacuum: without a VACUUM no new row ever takes the space of a deleted
    // one, and the data directory grows by every row ever stored, retention or not. ~0.1–0.2 s
    // for a million rows (docs/benchmarks.md, "history retention on PGlite"); paced like the rest.
    // The store's keeper (store/pglite-autovacuum.ts) vacuums only once dead rows reach 20 % of a
    // table; a purge's space is given back here whatever share of the table it was.
    if (ran && store.kind === 'pglite') {
      if (result.historyRows > 0) await this.paced(() => store.query('VACUUM device_history'));
      if (result.notificationRows > 0) await this.paced(() => store.query('VACUUM notifications'));
    }
    result.ran = ran;
    result.ms = Date.now() - started;
    if (ran && (result.historyRows > 0 || result.notificationRows > 0)) {
      this.deps.log.info(
        { ...result, before: cutoff.toISOString() },
        `history: deleted ${result.historyRows} rows and ${result.notificationRows} notifications older than the retention`,
      );
    }
    return result;
  }

  /** The next distinct (tenant, device_id, attr) after `after`, by a skip scan of the primary key. */
  private walk(tx: Sql, after: Series | null): Promise<Series[]> {
    const start = after
      ? `SELECT tenant, device_id, attr FROM device_history WHERE (tenant, device_id, attr) > ($1, $2, $3) ORDER BY tenant, device_id, attr LIMIT 1`
      : `SELECT tenant, device_id, attr FROM device_history ORDER BY tenant, device_id, attr LIMIT 1`;
    return tx.query<Series>(
      `WITH RECURSIVE s AS (
         (${start})
         UNION ALL
         SELECT n.tenant, n.device_id, n.attr FROM s CROSS JOIN LATERAL (
           SELECT d.tenant, d.device_id, d.attr FROM device_history d
            WHERE (d.tenant, d.device_id, d.attr) > (s.tenant, s.device_id, s.attr)
            ORDER BY d.tenant, d.device_id, d.attr LIMIT 1) n
       )
       SELECT tenant, device_id, attr FROM s LIMIT ${SERIES_PER_WALK}`,
      after ? [after.tenant, after.device_id, after.attr] : [],
    );
  }
}
