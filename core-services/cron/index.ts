// Cron: dojot's scheduler (§8 of docs/dojot-compatibility.md). Jobs live in the store and are re-armed at start;
// each fire is claimed in the store so that with several instances a job fires once.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import type { CronImportClient } from './client.js';
import { cronRoutes } from './routes.js';
import { Scheduler } from './scheduler.js';
import { CronService } from './service.js';

export function createCron(ctx: PlatformContext): Service & { client: CronImportClient } {
  const log = ctx.log.child({ svc: 'cron' });
  const scheduler = new Scheduler(ctx.store, ctx.bus, log, ctx.config.cronSyncMs);
  let app: FastifyInstance | undefined;
  // Unset allow-list: the platform itself, at the port it really listens on (0 in tests).
  const allowedBaseUrls = () => {
    if (ctx.config.cronHttpAllowedBaseUrls.length) return ctx.config.cronHttpAllowedBaseUrls;
    const port = (app?.server.address() as AddressInfo | null)?.port ?? ctx.config.httpPort;
    return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  };
  const service = new CronService(ctx.store, scheduler, { allowedBaseUrls });
  return {
    name: 'cron',
    client: service,
    routes: async (instance) => {
      app = instance;
      await instance.register(cronRoutes(service));
    },
    start: () => scheduler.start(),
    close: async () => scheduler.close(),
  };
}
