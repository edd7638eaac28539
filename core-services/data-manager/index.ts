// Data manager: a tenant's whole configuration (templates, devices, flows, cron jobs) out as one
// file and back in, replacing what was there (§9.1 of docs/dojot-compatibility.md).
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { dataManagerRoutes } from './routes.js';
import { DataManager, type DataManagerDeps } from './service.js';

export function createDataManager(ctx: PlatformContext, deps: DataManagerDeps): Service {
  const service = new DataManager(ctx.store, deps);
  return { name: 'data-manager', routes: dataManagerRoutes(service) };
}
