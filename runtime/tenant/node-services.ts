// What the dojot nodes get from the runtime, as `RED.settings.dojot`. The contract is defined once,
// by its consumer, in nodes/_shared/services.ts and imported here as a type (nodes/ compile to
// CommonJS apart): the compiler checks that this object implements it. Five operations: bus
// subscribe/publish, device lookup, cron create/remove. The tenant is the runtime's own, never a
// parameter.
import type { CronJobSpec } from '../../core-services/cron/client.js';
import type { FullDevice } from '../../core-services/device-manager/client.js';
import type { Same } from '../../core-services/platform/types.js';
import type { CronJobSpec as NodeCronJobSpec, DeviceView, NodeServices } from '../../nodes/_shared/services.js';
import type { TenantSide } from '../supervisor/ipc.js';
import type { BusBridge } from './bus-bridge.js';
import { DeviceCache } from './device-cache.js';

export type { NodeServices };

/**
 * The two copies that stay apart (the cron service's job spec, the device-manager's device) fail
 * to compile when they drift from the nodes' view: a node's job spec is exactly the cron service's,
 * and a device is at least what a node reads of it.
 */
export type NodeViewsMatchServices = [
  Same<NodeCronJobSpec, CronJobSpec>,
  FullDevice extends DeviceView ? true : false,
] extends [true, true]
  ? true
  : never;
const nodeViewsMatchServices: NodeViewsMatchServices = true;
void nodeViewsMatchServices;

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
