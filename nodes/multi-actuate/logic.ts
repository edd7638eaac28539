// Per device: `<tenant>.dojot.device-manager.device`
//   {"event":"configure","data":{"attrs":{...},"id"},"meta":{"service":<tenant>,"timestamp":<ms>}} (§5.3, §2.4)
// which the MQTT agent sends to the device on its config topic.
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import { attrsOf, targets, type TargetConfig } from '../_shared/targets.js';

export function configureEvents(cfg: TargetConfig, msg: Msg, tenant: string, now: number): Outgoing[] | Error {
  const ids = targets(cfg, msg);
  if (ids instanceof Error) return ids;
  const attrs = attrsOf(cfg, msg);
  if (attrs instanceof Error) return attrs;
  return ids.map((id) => ({
    subject: 'dojot.device-manager.device',
    key: id,
    value: { event: 'configure', data: { attrs, id }, meta: { service: tenant, timestamp: now } },
  }));
}
