// The deprecated single-device form of multi device out: the same device-data message.
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import { attrsOf, targets, type TargetConfig } from '../_shared/targets.js';

export function deviceData(cfg: TargetConfig, msg: Msg, tenant: string, now: number): Outgoing[] | Error {
  const ids = targets(cfg, msg);
  if (ids instanceof Error) return ids;
  const attrs = attrsOf(cfg, msg);
  if (attrs instanceof Error) return attrs;
  const id = ids[0];
  return [{ subject: 'device-data', key: id, value: { attrs, metadata: { timestamp: now, tenant, deviceid: id } } }];
}
