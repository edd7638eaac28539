// What the dojot nodes get from the runtime, as `RED.settings.dojot`: the tenant and the bus
// bridge. The nodes' side of this contract (nodes/_shared/services.ts, next issue) names what it
// needs; this object grows to match, never with more than the nodes use.
import type { BusBridge } from './bus-bridge.js';

export interface NodeServices {
  tenant: string;
  bus: BusBridge;
}

export function createNodeServices(bus: BusBridge): NodeServices {
  return { tenant: bus.tenant, bus };
}
