import { ConfigError, str } from '../_shared/config-error.js';

/** The keys of dojot's deprecated `device template in` (§5.3). */
export const KEYS = ['name', 'device_template_id', 'status'] as const;

export interface DeviceTemplateInConfig {
  templateId: number;
}

export function parse(def: Record<string, unknown>): DeviceTemplateInConfig {
  const raw = str(def, 'device_template_id').trim();
  if (!raw) throw new ConfigError('device_template_id', 'is required');
  const templateId = Number(raw);
  if (!Number.isInteger(templateId))
    throw new ConfigError('device_template_id', `must be a template id (a number), got "${raw}"`);
  return { templateId };
}
