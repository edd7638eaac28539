import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `cron-batch` (§5.3). */
export const KEYS = ['name', 'operation', 'jobs', 'inJobIds', 'outJobIds', 'timeout'] as const;

/** dojot's default, ms. */
export const DEFAULT_TIMEOUT_MS = 1000;

export interface CronBatchConfig {
  operation: 'CREATE' | 'REMOVE';
  /** Path to the list of job specs (CREATE). */
  jobs: string;
  /** Path to the list of job ids (REMOVE). */
  inJobIds: string;
  /** Where the created ids go. */
  outJobIds: string;
  timeoutMs: number;
}

export function parse(def: Record<string, unknown>): CronBatchConfig {
  const operation = oneOf(def, 'operation', ['CREATE', 'REMOVE'] as const, 'CREATE');
  const t = str(def, 'timeout').trim();
  const timeoutMs = t ? Number(t) : DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new ConfigError('timeout', `must be a number of ms above 0 (got "${t}")`);
  return {
    operation,
    jobs: operation === 'CREATE' ? pathField(def, 'jobs') : '',
    inJobIds: operation === 'REMOVE' ? pathField(def, 'inJobIds') : '',
    outJobIds: str(def, 'outJobIds').trim() ? pathField(def, 'outJobIds') : '',
    timeoutMs,
  };
}
