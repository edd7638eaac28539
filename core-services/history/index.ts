// History: the persister (bus → device_history, batched) and the query API (§4).
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { NotificationsPersister } from './notifications-persister.js';
import { notificationRoutes } from './notifications-routes.js';
import { Persister } from './persister.js';
import { HistoryRetention } from './retention.js';
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
  // The flows' notifications (§4.2, §4.3): their own table, consumer group and route.
  const notifications = new NotificationsPersister({
    bus: ctx.bus,
    sql: ctx.store,
    log: ctx.log.child({ svc: 'history' }),
  });
  const routes = historyRoutes({ sql: ctx.store, devices: deps.devices });
  const retention = new HistoryRetention({
    store: ctx.store,
    log: ctx.log.child({ svc: 'history' }),
    retentionSeconds: ctx.config.historyRetentionSeconds,
    intervalSeconds: ctx.config.historyPurgeIntervalSeconds,
  });
  return {
    name: 'history',
    routes: async (app) => {
      await app.register(routes);
      await app.register(notificationRoutes(ctx.store));
    },
    stats: () => ({ rowsWritten: persister.writer.written, messagesSkipped: persister.skipped }),
    start: async () => {
      await persister.start();
      await notifications.start();
      retention.start();
    },
    close: async () => {
      await retention.close();
      await notifications.close();
      await persister.close();
    },
  };
}
