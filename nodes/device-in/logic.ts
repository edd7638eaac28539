import type { HeadEvent, RawEvent } from '../_shared/event.js';
import type { Msg } from '../_shared/red.js';
import type { DeviceInConfig } from './config.js';

/** The deprecated heads fired on publish only (§5.2.3). */
export const accepts = (cfg: DeviceInConfig, raw: RawEvent): boolean =>
  raw.event === 'publish' && raw.deviceId === cfg.deviceId;

/** ... with msg.payload = the attributes alone (static values merged). */
export const toMsg = (ev: HeadEvent): Msg => ({ payload: ev.data.attrs });
