// dojot's notification (§5.3), published on `<tenant>.dojot.notifications`:
//   {"msgID":"<uuid4>","timestamp":<ms>,"message":"...","metaAttrsFilter":{...,"shouldPersist":true},"subject":"user_notification"}
import { randomUUID } from 'node:crypto';
import { getPath } from '../_shared/msg.js';
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import type { NotificationConfig } from './config.js';

export function notification(cfg: NotificationConfig, msg: Msg, _tenant: string, now: number): Outgoing[] | Error {
  let meta: Record<string, unknown> = {};
  if (cfg.source) {
    const v = getPath(msg, cfg.source);
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return new Error(`${cfg.source} must hold an object (the notification's metaAttrsFilter)`);
    meta = { ...(v as Record<string, unknown>) };
  }
  // dojot persisted notifications unless told not to.
  if (meta.shouldPersist === undefined) meta.shouldPersist = true;
  let message: unknown = cfg.messageStatic;
  if (cfg.msgType === 'dynamic') {
    message = getPath(msg, cfg.messageDynamic);
    if (message === undefined) return new Error(`${cfg.messageDynamic} holds no message`);
    if (typeof message !== 'string') message = JSON.stringify(message);
  }
  return [
    {
      subject: 'dojot.notifications',
      key: null,
      value: { msgID: randomUUID(), timestamp: now, message, metaAttrsFilter: meta, subject: 'user_notification' },
    },
  ];
}
