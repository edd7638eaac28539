// Test-only: DeviceManager on a real Fastify app (buildHttp), an in-memory PGlite store with the
// real migrations, the memory bus and cache. A tiny onRequest hook stands in for the gateway and
// takes the tenant from an `x-test-tenant` header. Every message on the device topic is recorded.
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { buildHttp } from '../platform/http.js';
import { MemoryBus } from '../platform/bus/memory.js';
import type { BusMessage } from '../platform/bus/index.js';
import { MemoryCache } from '../platform/cache/memory.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import { migrate } from '../platform/store/migrate.js';
import type { Store } from '../platform/store/index.js';
import type { FastifyInstance } from 'fastify';
import type { DeviceManagerClient } from './client.js';
import { createDeviceManager, type DeviceManagerOptions } from './index.js';

export interface Reply {
  status: number;
  // Tests read response bodies freely.
  body: any;
}

export interface Harness {
  app: FastifyInstance;
  bus: MemoryBus;
  store: Store;
  client: DeviceManagerClient;
  /** Messages seen on `<tenant>.dojot.device-manager.device` topics, in order. */
  events: BusMessage[];
  call(tenant: string, method: string, url: string, body?: unknown): Promise<Reply>;
  /** Waits until the bus has delivered everything published so far. */
  settle(): Promise<void>;
  eventsOf(tenant: string): { event: string; key: string | null; data: any; meta: any }[];
  close(): Promise<void>;
}

let tenantSeq = 0;
/** A fresh tenant name per test keeps tests independent on one shared store. */
export const freshTenant = (prefix = 't'): string => `${prefix}${++tenantSeq}x${process.pid % 1000}`;

export async function startHarness(options: DeviceManagerOptions = {}): Promise<Harness> {
  const log = createLogger('silent');
  const store = await openPgliteStore();
  await migrate(store);
  const bus = new MemoryBus(log);
  const cache = new MemoryCache();
  const dm = createDeviceManager({ config: loadConfig({}), log, bus, store, cache }, options);
  const app = buildHttp({ log, bodyLimit: 1_048_576 });
  app.addHook('onRequest', async (req) => {
    const tenant = req.headers['x-test-tenant'];
    if (typeof tenant === 'string')
      req.identity = { tenant, username: 'tester', userid: 1, profile: 'admin', groups: [1] };
  });
  await app.register(dm.routes!);
  await app.ready();
  await dm.start!();
  const events: BusMessage[] = [];
  const sub = await bus.subscribe({
    topic: /\.dojot\.device-manager\.device$/,
    group: 'test-recorder',
    handler: async (batch) => void events.push(...batch),
  });
  const settle = async () => {
    await bus.drained();
  };
  return {
    app,
    bus,
    store,
    client: dm.client,
    events,
    settle,
    async call(tenant, method, url, body) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { 'x-test-tenant': tenant, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
    },
    eventsOf(tenant) {
      return events
        .filter((m) => m.topic === `${tenant}.dojot.device-manager.device`)
        .map((m) => {
          const v = m.value as { event: string; data: unknown; meta: unknown };
          return { event: v.event, key: m.key, data: v.data, meta: v.meta };
        });
    },
    async close() {
      await sub.close();
      await dm.close!();
      await app.close();
      await bus.close();
      await cache.close();
      await store.close();
    },
  };
}

/** A template body with the given attributes ("label:type:value_type[:static]"). */
export function templateBody(label: string, ...attrs: string[]): { label: string; attrs: Record<string, unknown>[] } {
  return {
    label,
    attrs: attrs.map((spec) => {
      const [l, type, valueType, staticValue] = spec.split(':');
      return {
        label: l,
        type,
        value_type: valueType,
        ...(staticValue !== undefined ? { static_value: staticValue } : {}),
      };
    }),
  };
}

/** Creates a template; returns its id and its top-level attribute ids by label. */
export async function makeTemplate(
  h: Harness,
  tenant: string,
  label: string,
  ...attrs: string[]
): Promise<{ id: number; attr: Record<string, number> }> {
  const res = await h.call(tenant, 'POST', '/template', templateBody(label, ...attrs));
  if (res.status !== 200) throw new Error(`template not created: ${JSON.stringify(res.body)}`);
  const t = res.body.template;
  return { id: t.id, attr: Object.fromEntries(t.attrs.map((a: { label: string; id: number }) => [a.label, a.id])) };
}

/** Creates one device (verbose) and returns it as a FullDevice. */
export async function makeDevice(h: Harness, tenant: string, body: unknown): Promise<any> {
  const res = await h.call(tenant, 'POST', '/device?verbose=true', body);
  if (res.status !== 200) throw new Error(`device not created: ${JSON.stringify(res.body)}`);
  return res.body.devices[0];
}
