// PUBLISH: a device may publish only to its own attrs topic (acl.ts). Anything else closes the
// connection, the only refusal MQTT 3.1.1 has for a PUBLISH [MQTT-3.3.5-2]. An accepted
// payload goes to `<tenant>.device-data`; aedes writes the QoS 1 PUBACK only after this hook
// calls back, so calling back once the bus holds the message makes the PUBACK mean "stored".
// Invalid payloads are acknowledged and dropped: a device resending them forever helps no one.
import type { AedesOptions } from 'aedes';
import type { Bus } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import { mayPublish, parseDeviceName, type DeviceIdentity } from './acl.js';
import type { Counters } from './counters.js';
import { DropLog } from './drop-log.js';
import { identityOf } from './sessions.js';
import { toDeviceData } from './uplink.js';
import type { LegacyTopicIdentity } from './legacy-identity.js';

export interface AuthorizePublishDeps {
  bus: Bus;
  counters: Counters;
  log: Logger;
  payloadLimitBytes: number;
  legacy?: LegacyTopicIdentity;
}

type Hook = NonNullable<AedesOptions['authorizePublish']>;

export function authorizePublish({ bus, counters, log, payloadLimitBytes, legacy }: AuthorizePublishDeps): Hook {
  const drops = new DropLog(log);
  const check: Hook = (client, packet, callback) => {
    const id = client ? identityOf(client) : ownerOfWill(packet);
    if (!id || !mayPublish(id, packet.topic)) {
      counters.publishesRefused += 1;
      log.debug(
        { clientId: client?.id, topic: packet.topic },
        'publish refused: topic outside the ACL; closing the connection',
      );
      return callback(new Error(`publish to ${packet.topic} not allowed`));
    }
    // Device data is not kept as a retained message: the bus and history are its memory.
    packet.retain = false;
    const msg = toDeviceData(id.tenant, id.device, packet.payload ?? '', payloadLimitBytes, Date.now());
    if (typeof msg === 'string') {
      counters.drop(id.tenant, id.device, msg);
      drops.dropped(id.tenant, id.device, msg);
      return callback(null);
    }
    // Called synchronously, in arrival order: the bus keeps one device's messages in that order.
    bus.publish(id.busTopic, id.device, msg).then(
      () => {
        counters.messagesForwarded += 1;
        callback(null);
      },
      (err: unknown) => {
        counters.busFailures += 1;
        log.warn(
          { err, tenant: id.tenant, device: id.device },
          'bus refused device data; closing the connection without PUBACK',
        );
        callback(err as Error);
      },
    );
  };
  if (!legacy) return check;
  return (client, packet, callback) => {
    if (!legacy.awaits(client)) return check(client, packet, callback);
    // Its first legacy topic names it (legacy-identity.ts); then the same checks as for anyone.
    legacy.identify(client, packet.topic).then(
      () => check(client, packet, callback),
      (err: unknown) => callback(err as Error),
    );
  };
}

/**
 * No client: aedes publishes the will of a client whose broker is gone (an instance that died, with
 * the sessions in Redis; every instance looks for such wills every 4 heartbeats). authenticate.ts
 * made every session id start with the device's `<tenant>:<device>`, so the stored id names it.
 */
function ownerOfWill(will: object): DeviceIdentity | null {
  const stored = (will as { clientId?: unknown }).clientId;
  return typeof stored === 'string' ? parseDeviceName(stored.split('/')[0]) : null;
}
