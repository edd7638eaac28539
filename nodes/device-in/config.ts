import { ConfigError, str } from '../_shared/config-error.js';

/** The keys of dojot's deprecated `device in` (§5.3). */
export const KEYS = ['name', '_device_id', 'status'] as const;

export interface DeviceInConfig {
  deviceId: string;
}

export function parse(def: Record<string, unknown>): DeviceInConfig {
  const deviceId = str(def, '_device_id').trim();
  if (!deviceId) throw new ConfigError('_device_id', 'is required');
  return { deviceId };
}
