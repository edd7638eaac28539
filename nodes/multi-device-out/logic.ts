// Per device: `<tenant>.device-data` {"attrs":{...},"metadata":{"timestamp":<ms>,"tenant","deviceid"}} (§5.3).
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import { attrsOf, targets, type TargetConfig } from '../_shared/targets.js';

export function deviceData(cfg: TargetConfig, msg: Msg, tenant: string, now: number): Outgoing[] | Error {
  const ids = targets(cfg, msg);
  if (ids instanceof Error) return ids;
  const attrs = attrsOf(cfg, msg);
  if (attrs instanceof Error) return attrs;
  return ids.map((id) => ({
    subject: 'device-data',
    key: id,
    value: { attrs, metadata: { timestamp: now, tenant, deviceid: id } },
  }));
}
