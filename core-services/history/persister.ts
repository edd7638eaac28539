// Feeds the history table from the bus (§4.3): every tenant's device-data, and the configure
// events of the device manager (so actuations appear in history). Consumer group `history`:
// several instances share the work. Rows are de-duplicated on the bus message id.
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import { SUBJECTS, allTenants } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import type { Sql } from '../platform/store/index.js';
import { Rows, configureRows, deviceDataRows } from './rows.js';
import { HistoryWriter } from './writer.js';

export const HISTORY_GROUP = 'history';

export interface PersisterOptions {
  bus: Bus;
  sql: Sql;
  log: Logger;
  batchRows: number;
  flushMs: number;
}

export class Persister {
  readonly writer: HistoryWriter;
  private subs: Subscription[] = [];
  /** Messages that yielded no row because they were malformed. */
  skipped = 0;

  constructor(private readonly opts: PersisterOptions) {
    this.writer = new HistoryWriter({ sql: opts.sql, batchRows: opts.batchRows, flushMs: opts.flushMs });
  }

  async start(): Promise<void> {
    const { bus } = this.opts;
    this.subs.push(
      await bus.subscribe({
        topic: allTenants(SUBJECTS.deviceData),
        group: HISTORY_GROUP,
        // A message has at least one attr, so this many messages fill at least one INSERT.
        maxBatch: this.opts.batchRows,
        handler: (batch) => this.persist(batch, deviceDataRows, true),
      }),
      await bus.subscribe({
        topic: allTenants(SUBJECTS.deviceManager),
        group: HISTORY_GROUP,
        handler: (batch) => this.persist(batch, configureRows, false),
      }),
    );
  }

  /** Stops consuming, then writes what is pending. */
  async close(): Promise<void> {
    for (const s of this.subs.splice(0)) await s.close();
    await this.writer.flush();
  }

  private persist(
    batch: BusMessage[],
    toRows: (m: BusMessage, out: Rows) => number,
    countEmpty: boolean,
  ): Promise<void> {
    const rows = new Rows();
    for (const msg of batch) {
      if (toRows(msg, rows) === 0 && countEmpty) {
        this.skipped += 1;
        this.opts.log.debug(
          { topic: msg.topic, id: msg.id },
          'device-data message without attrs or malformed: nothing stored',
        );
      }
    }
    return this.writer.add(rows);
  }
}
