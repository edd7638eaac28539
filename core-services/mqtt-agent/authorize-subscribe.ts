// SUBSCRIBE: a device may subscribe only to its own config topic (acl.ts). Other topics are
// answered with return code 0x80 in the SUBACK [MQTT-3.9.3-2] and the connection stays up.
import type { AedesOptions } from 'aedes';
import type { Logger } from '../platform/log.js';
import { maySubscribe } from './acl.js';
import type { Counters } from './counters.js';
import { identityOf } from './sessions.js';
import type { LegacyTopicIdentity } from './legacy-identity.js';

type Hook = NonNullable<AedesOptions['authorizeSubscribe']>;

export function authorizeSubscribe({
  counters,
  log,
  legacy,
}: {
  counters: Counters;
  log: Logger;
  legacy?: LegacyTopicIdentity;
}): Hook {
  const check: Hook = (client, sub, callback) => {
    const id = identityOf(client);
    if (id && maySubscribe(id, sub.topic)) return callback(null, sub);
    counters.subscriptionsRefused += 1;
    log.debug({ clientId: client.id, topic: sub.topic }, 'subscription refused: topic outside the ACL');
    // A null subscription is aedes' way to grant 128 (failure) without an error.
    callback(null, null);
  };
  if (!legacy) return check;
  return (client, sub, callback) => {
    if (!legacy.awaits(client)) return check(client, sub, callback);
    // Its first legacy topic names it (legacy-identity.ts); then the same checks as for anyone.
    legacy.identify(client, sub.topic).then(
      () => check(client, sub, callback),
      (err: unknown) => callback(err as Error, null),
    );
  };
}
