import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `http` (§5.3). */
export const KEYS = ['name', 'method', 'url', 'body', 'ret', 'response'] as const;

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'use'] as const;
export const RETURNS = ['txt', 'bin', 'obj'] as const;

export interface HttpConfig {
  method: (typeof METHODS)[number];
  /** May hold {{path}} placeholders, filled from msg. */
  url: string;
  /** Path to a JSON string (or object) {headers?, payload?}; '' = no body. */
  body: string;
  ret: (typeof RETURNS)[number];
  response: string;
}

export function parse(def: Record<string, unknown>): HttpConfig {
  const url = str(def, 'url').trim();
  if (!url) throw new ConfigError('url', 'is required');
  return {
    method: oneOf(def, 'method', METHODS, 'GET'),
    url,
    body: str(def, 'body').trim() ? pathField(def, 'body') : '',
    ret: oneOf(def, 'ret', RETURNS, 'txt'),
    response: pathField(def, 'response'),
  };
}
