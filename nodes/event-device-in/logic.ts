import type { RawEvent } from '../_shared/event.js';
import type { EventDeviceInConfig } from './config.js';

/** Fires for the configured device's publish and/or configure events (§5.2.3). */
export function accepts(cfg: EventDeviceInConfig, raw: RawEvent): boolean {
  if (raw.deviceId !== cfg.deviceId) return false;
  return (raw.event === 'publish' && cfg.publish) || (raw.event === 'configure' && cfg.configure);
}
