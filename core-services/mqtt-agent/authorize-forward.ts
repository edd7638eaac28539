// Delivery to a client: only its own config topic, whatever got routed to it. Subscriptions are
// already limited by authorize-subscribe.ts; this second check keeps one device from ever
// receiving another's data (or the broker's $SYS messages) should a subscription slip through.
import type { AedesOptions } from 'aedes';
import { maySubscribe } from './acl.js';
import { identityOf } from './sessions.js';

type Hook = NonNullable<AedesOptions['authorizeForward']>;

export function authorizeForward(): Hook {
  return (client, packet) => {
    const id = identityOf(client);
    return id && maySubscribe(id, packet.topic) ? packet : null;
  };
}
