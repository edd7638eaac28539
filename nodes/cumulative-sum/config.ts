import { ConfigError, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `cumulative sum` (§5.3). */
export const KEYS = ['name', 'timePeriod', 'targetAttribute', 'timestamp', 'output'] as const;

export interface CumulativeSumConfig {
  /** Window length, ms (configured in minutes). */
  windowMs: number;
  targetAttribute: string;
  timestamp: string;
  output: string;
}

export function parse(def: Record<string, unknown>): CumulativeSumConfig {
  const raw = str(def, 'timePeriod').trim();
  const minutes = Number(raw);
  if (!raw || !Number.isFinite(minutes) || minutes <= 0)
    throw new ConfigError('timePeriod', `must be a number of minutes above 0 (got "${raw}")`);
  return {
    windowMs: minutes * 60_000,
    targetAttribute: pathField(def, 'targetAttribute'),
    timestamp: pathField(def, 'timestamp'),
    output: pathField(def, 'output'),
  };
}
