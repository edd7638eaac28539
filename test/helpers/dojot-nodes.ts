// Runs compiled dojot nodes (dist/nodes) in node-red-node-test-helper with stub platform
// services: a bus that records what nodes publish and lets a test deliver messages, a device
// table, and an in-memory scheduler. Node-RED itself is real.
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../../core-services/platform/paths.js';

const require = createRequire(import.meta.url);
// The helper is CommonJS without types.
export const helper = require('node-red-node-test-helper') as any;
helper.init(require.resolve('node-red'));

export interface Published {
  subject: string;
  key: string | null;
  value: any;
}

export class StubServices {
  tenant = 'admin';
  published: Published[] = [];
  devices = new Map<string, any>();
  jobs = new Map<string, any>();
  lookups = 0;
  private handlers = new Map<string, Set<(m: any) => void>>();
  private seq = 0;

  bus = {
    subscribe: (subject: string, fn: (m: any) => void) => {
      let set = this.handlers.get(subject);
      if (!set) this.handlers.set(subject, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    publish: async (subject: string, key: string | null, value: unknown) => {
      this.published.push({ subject, key, value: JSON.parse(JSON.stringify(value)) });
    },
  };

  devicesApi = {
    get: async (id: string) => {
      this.lookups += 1;
      return this.devices.get(id) ?? null;
    },
  };

  cron = {
    create: async (spec: any, jobId?: string) => {
      if (typeof spec?.time !== 'string' || spec.time.split(' ').length < 5)
        throw new Error('time: invalid cron expression');
      const id = jobId ?? `job-${++this.seq}`;
      this.jobs.set(id, spec);
      return id;
    },
    remove: async (jobId: string) => this.jobs.delete(jobId),
  };

  /** What RED.settings.dojot holds. */
  get settings() {
    return { tenant: this.tenant, bus: this.bus, devices: this.devicesApi, cron: this.cron };
  }

  /** Delivers a message on one of the tenant's inbound subjects, as the bus bridge does. */
  deliver(subject: string, key: string | null, value: unknown): void {
    for (const h of this.handlers.get(subject) ?? [])
      h({ subject, key, value, id: `m${++this.seq}`, timestamp: Date.now() });
  }

  listeners(subject: string): number {
    return this.handlers.get(subject)?.size ?? 0;
  }
}

/** The compiled node's register function, e.g. node('event-device-in'). */
export function node(name: string): (RED: unknown) => void {
  return require(path.join(projectRoot(), 'dist', 'nodes', name, `${name}.js`));
}

/** Loads nodes and a flow with stub services; resolves once the flow runs. */
export async function load(
  names: string[] | ((RED: unknown) => void)[],
  flow: unknown[],
  services: StubServices,
  extra: Record<string, unknown> = {},
): Promise<void> {
  helper.settings({ dojot: services.settings, ...extra });
  const mods = names.map((n) => (typeof n === 'string' ? node(n) : n));
  await helper.load(mods, flow);
}

/** A device of dojot's shape with static attrs {label: value}. */
export function device(id: string, templates: number[], statics: Record<string, unknown> = {}) {
  const attrs = Object.entries(statics).map(([label, v]) => ({
    label,
    type: 'static',
    value_type: 'string',
    static_value: v,
  }));
  return { id, label: id, templates, attrs: { [String(templates[0] ?? 0)]: attrs } };
}

/** Resolves with the next message a helper node receives (rejects after ms). */
export function nextMessage(n: any, ms = 2000): Promise<any> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message')), ms);
    n.once('input', (msg: any) => {
      clearTimeout(t);
      resolve(msg);
    });
  });
}

export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
