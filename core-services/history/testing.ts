// Test support: real PGlite (in memory) with the real migrations, the in-process bus, a small
// device directory, and the HTTP app with the identity the gateway would set. For *.test.ts.
import type { FastifyInstance } from 'fastify';
import type { DeviceManagerClient, FullDevice } from '../device-manager/client.js';
import { MemoryBus } from '../platform/bus/memory.js';
import { MemoryCache } from '../platform/cache/memory.js';
import { loadConfig } from '../platform/config.js';
import type { PlatformContext } from '../platform/context.js';
import { buildHttp } from '../platform/http.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Service } from '../platform/service.js';

export class FakeDevices implements DeviceManagerClient {
  private readonly devices = new Map<string, FullDevice>();

  /** Adds a device whose template attrs carry these labels. */
  add(tenant: string, id: string, labels: string[]): this {
    const attrs = labels.map((label, i) => ({
      id: i + 1,
      label,
      type: 'dynamic',
      value_type: 'float',
      template_id: '1',
      created: new Date(0).toISOString(),
    }));
    this.devices.set(`${tenant}:${id}`, {
      id,
      label: id,
      created: new Date(0).toISOString(),
      templates: [1],
      attrs: { '1': attrs },
    });
    return this;
  }

  remove(tenant: string, id: string): void {
    this.devices.delete(`${tenant}:${id}`);
  }

  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    return this.devices.get(`${tenant}:${id}`) ?? null;
  }

  async deviceExists(tenant: string, id: string): Promise<boolean> {
    return this.devices.has(`${tenant}:${id}`);
  }
}

export interface TestContext extends PlatformContext {
  bus: MemoryBus;
  close(): Promise<void>;
}

export async function testContext(env: Record<string, string> = {}): Promise<TestContext> {
  const config = loadConfig({ DOJOT_LOG_LEVEL: process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent', ...env });
  const log = createLogger(config.logLevel);
  const store = await openPgliteStore();
  await migrate(store);
  const bus = new MemoryBus(log);
  const cache = new MemoryCache();
  return {
    config,
    log,
    bus,
    store,
    cache,
    close: async () => {
      await bus.close();
      await store.close();
      await cache.close();
    },
  };
}

/** The service's routes on a real Fastify app; header x-tenant plays the verified token's tenant. */
export async function httpFor(ctx: PlatformContext, service: Service): Promise<FastifyInstance> {
  const app = buildHttp({ log: ctx.log, bodyLimit: ctx.config.httpBodyLimitBytes });
  app.addHook('onRequest', async (req) => {
    const tenant = req.headers['x-tenant'];
    req.identity = {
      tenant: typeof tenant === 'string' ? tenant : 'admin',
      username: 'tester',
      userid: 1,
      profile: 'admin',
      groups: [1],
    };
  });
  if (service.routes) await app.register(service.routes);
  await app.ready();
  return app;
}
