// What the dojot nodes get from the runtime, as `RED.settings.dojot`. The nodes' side of this
// contract is nodes/_shared/services.ts (its consumer names what it needs); this object matches
// it structurally and never offers more. Five operations: bus subscribe/publish, device lookup,
// cron create/remove. The tenant is the runtime's own, never a parameter.
import type { CronJobSpec } from '../../core-services/cron/client.js';
import type { FullDevice } from '../../core-services/device-manager/client.js';
import type { TenantSide } from '../supervisor/ipc.js';
import type { BusBridge } from './bus-bridge.js';
import { DeviceCache } from './device-cache.js';

export interface NodeServices {
  readonly tenant: string;
  bus: BusBridge;
  devices: { get(id: string): Promise<FullDevice | null> };
  cron: {
    create(spec: CronJobSpec, jobId?: string): Promise<string>;
    remove(jobId: string): Promise<boolean>;
  };
}

export function createNodeServices(bus: BusBridge, ipc: TenantSide): NodeServices {
  const cache = new DeviceCache(ipc, bus);
  return {
    tenant: bus.tenant,
    bus,
    devices: { get: (id) => cache.get(id) },
    cron: {
      create: (spec, jobId) => ipc.request('cron.create', spec, jobId ?? null),
      remove: (jobId) => ipc.request('cron.remove', jobId),
    },
  };
}
