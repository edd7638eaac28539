// History: the persister (bus → device_history, batched) and the query API (§4).
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { Persister } from './persister.js';
import { historyRoutes } from './routes.js';

export interface HistoryService extends Service {
  /** Rows handed to the store so far, and messages skipped as malformed. */
  stats(): { rowsWritten: number; messagesSkipped: number };
}

export function createHistory(ctx: PlatformContext, deps: { devices: DeviceManagerClient }): HistoryService {
  const persister = new Persister({
    bus: ctx.bus,
    sql: ctx.store,
    log: ctx.log.child({ svc: 'history' }),
    batchRows: ctx.config.historyBatchRows,
    flushMs: ctx.config.historyFlushMs,
  });
  return {
    name: 'history',
    routes: historyRoutes({ sql: ctx.store, devices: deps.devices }),
    stats: () => ({ rowsWritten: persister.writer.written, messagesSkipped: persister.skipped }),
    start: () => persister.start(),
    close: () => persister.close(),
  };
}
