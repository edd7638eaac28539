import { ConfigError, bool, str } from '../_shared/config-error.js';

/** The keys of dojot's `event device in` (§5.3); the .html defaults list the same. */
export const KEYS = ['name', 'device_id', 'event_configure', 'event_publish'] as const;

export interface EventDeviceInConfig {
  deviceId: string;
  publish: boolean;
  configure: boolean;
}

export function parse(def: Record<string, unknown>): EventDeviceInConfig {
  const deviceId = str(def, 'device_id').trim();
  if (!deviceId) throw new ConfigError('device_id', 'is required');
  return { deviceId, publish: bool(def, 'event_publish', true), configure: bool(def, 'event_configure', false) };
}
