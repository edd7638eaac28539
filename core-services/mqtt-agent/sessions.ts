// The connected clients of each device, so a device removed from the device manager can be
// disconnected at once (the mosca agent closed it on `remove`, §3.2). The identity found at
// CONNECT rides on the client object under a symbol: the hot path reads a property, no lookup.
import type { Client } from 'aedes';
import type { DeviceIdentity } from './acl.js';

const IDENTITY = Symbol('dojot.device');

type IdentifiedClient = Client & { [IDENTITY]?: DeviceIdentity };

export function identityOf(client: Client | null): DeviceIdentity | undefined {
  return client ? (client as IdentifiedClient)[IDENTITY] : undefined;
}

export function setIdentity(client: Client, id: DeviceIdentity): void {
  (client as IdentifiedClient)[IDENTITY] = id;
}

export class Sessions {
  private readonly byDevice = new Map<string, Set<Client>>();

  add(client: Client): void {
    const id = identityOf(client);
    if (!id) return;
    let set = this.byDevice.get(id.name);
    if (!set) this.byDevice.set(id.name, (set = new Set()));
    set.add(client);
  }

  remove(client: Client): void {
    const id = identityOf(client);
    const set = id && this.byDevice.get(id.name);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.byDevice.delete(id.name);
  }

  /** Closes every connection of `<tenant>:<device>`; returns how many there were. */
  disconnect(name: string): number {
    const set = this.byDevice.get(name);
    if (!set) return 0;
    const clients = [...set];
    for (const c of clients) c.close();
    return clients.length;
  }
}
