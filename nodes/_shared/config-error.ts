// A node config that cannot run: the message names the field, as dojot's configs name it.
import { isPath } from './msg.js';
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export const str = (def: Record<string, unknown>, field: string, fallback = ''): string => {
  const v = def[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(field, 'must be a string');
  return String(v);
};

export function oneOf<T extends string>(
  def: Record<string, unknown>,
  field: string,
  values: readonly T[],
  fallback: T,
): T {
  const v = str(def, field, fallback) || fallback;
  if (!(values as readonly string[]).includes(v))
    throw new ConfigError(field, `must be one of ${values.join(', ')} (got "${v}")`);
  return v as T;
}

/** dojot's editor stored checkboxes as booleans, some exports as "true"/"false". */
export const bool = (def: Record<string, unknown>, field: string, fallback = false): boolean => {
  const v = def[field];
  if (v === undefined || v === null || v === '') return fallback;
  return v === true || v === 'true' || v === 1 || v === '1';
};

/** A dotted msg path (`payload.a.b`, `msg.payload.a`); required unless a fallback is given. */
export function pathField(def: Record<string, unknown>, field: string, fallback?: string): string {
  const v = str(def, field, fallback ?? '').trim() || fallback;
  if (!v) throw new ConfigError(field, 'is required');
  if (!isPath(v)) throw new ConfigError(field, `is not a path inside msg (got "${v}")`);
  return v;
}
