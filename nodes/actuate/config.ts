import { parseSingle, type TargetConfig } from '../_shared/targets.js';

/** The keys of dojot's deprecated `actuate` (§5.3). */
export const KEYS = ['name', 'device_source', '_device_id', 'device_source_msg', 'attrs'] as const;

export const parse = (def: Record<string, unknown>): TargetConfig => parseSingle(def);
