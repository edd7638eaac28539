// SUBSCRIBE: a device may subscribe only to its own config topic (acl.ts). Other topics are
// answered with return code 0x80 in the SUBACK [MQTT-3.9.3-2] and the connection stays up.
import type { AedesOptions } from 'aedes';
import type { Logger } from '../platform/log.js';
import { maySubscribe } from './acl.js';
import type { Counters } from './counters.js';
import { identityOf } from './sessions.js';

type Hook = NonNullable<AedesOptions['authorizeSubscribe']>;

export function authorizeSubscribe({ counters, log }: { counters: Counters; log: Logger }): Hook {
  return (client, sub, callback) => {
    const id = identityOf(client);
    if (id && maySubscribe(id, sub.topic)) return callback(null, sub);
    counters.subscriptionsRefused += 1;
    log.debug({ clientId: client.id, topic: sub.topic }, 'subscription refused: topic outside the ACL');
    // A null subscription is aedes' way to grant 128 (failure) without an error.
    callback(null, null);
  };
}
