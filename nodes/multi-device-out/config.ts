import { parseMulti, type TargetConfig } from '../_shared/targets.js';

/** The keys of dojot's `multi device out` (§5.3). */
export const KEYS = ['name', 'device_source', 'devices_source_configured', 'devices_source_dynamic', 'attrs'] as const;

export const parse = (def: Record<string, unknown>): TargetConfig => parseMulti(def);
