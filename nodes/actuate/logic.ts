// The deprecated single-device form of multi actuate; as dojot's, it also names the tenant in
// `metadata` and the device in `meta` (§5.3).
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import { attrsOf, targets, type TargetConfig } from '../_shared/targets.js';

export function configureEvent(cfg: TargetConfig, msg: Msg, tenant: string, now: number): Outgoing[] | Error {
  const ids = targets(cfg, msg);
  if (ids instanceof Error) return ids;
  const attrs = attrsOf(cfg, msg);
  if (attrs instanceof Error) return attrs;
  const id = ids[0];
  return [
    {
      subject: 'dojot.device-manager.device',
      key: id,
      value: {
        event: 'configure',
        data: { attrs, id },
        meta: { service: tenant, timestamp: now, deviceid: id },
        metadata: { tenant },
      },
    },
  ];
}
