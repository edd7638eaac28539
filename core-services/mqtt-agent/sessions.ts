// The connected clients of each device, so a device removed from the device manager can be
// disconnected at once (the mosca agent closed it on `remove`, §3.2). The identity found at
// CONNECT rides on the client object under a symbol: the hot path reads a property, no lookup.
import type { Client } from 'aedes';
import type { DeviceIdentity } from './acl.js';
import { certificateOf } from './certificate-identity.js';

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
  /** MQTTS clients by certificate fingerprint: a revoked certificate ends its connections only. */
  private readonly byCertificate = new Map<string, Set<Client>>();

  add(client: Client): void {
    const id = identityOf(client);
    if (!id) return;
    addTo(this.byDevice, id.name, client);
    const fp = certificateOf(client);
    if (fp) addTo(this.byCertificate, fp, client);
  }

  remove(client: Client): void {
    const id = identityOf(client);
    if (id) removeFrom(this.byDevice, id.name, client);
    const fp = certificateOf(client);
    if (fp) removeFrom(this.byCertificate, fp, client);
  }

  /** Closes every connection of `<tenant>:<device>`; returns how many there were. */
  disconnect(name: string): number {
    return closeAll(this.byDevice.get(name));
  }

  /** Closes every connection made with this certificate; returns how many there were. */
  disconnectCertificate(fingerprint: string): number {
    return closeAll(this.byCertificate.get(fingerprint));
  }
}

function addTo(map: Map<string, Set<Client>>, key: string, client: Client): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(client);
}

function removeFrom(map: Map<string, Set<Client>>, key: string, client: Client): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(client);
  if (set.size === 0) map.delete(key);
}

function closeAll(set: Set<Client> | undefined): number {
  if (!set) return 0;
  const clients = [...set];
  for (const c of clients) c.close();
  return clients.length;
}
