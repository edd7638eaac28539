import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `get context` (§5.3). */
export const KEYS = ['name', 'contextLayer', 'contextName', 'contextNameType', 'contextContent'] as const;

export interface GetContextConfig {
  layer: 'tenant' | 'flow';
  /** A name, or a path to it when nameType is msg. */
  name: string;
  nameType: 'str' | 'msg';
  output: string;
}

export function parse(def: Record<string, unknown>): GetContextConfig {
  const layer = oneOf(def, 'contextLayer', ['tenant', 'flow'] as const, 'tenant');
  const nameType = oneOf(def, 'contextNameType', ['str', 'msg'] as const, 'str');
  const name = nameType === 'msg' ? pathField(def, 'contextName') : str(def, 'contextName').trim();
  if (!name) throw new ConfigError('contextName', 'is required');
  return { layer, name, nameType, output: pathField(def, 'contextContent') };
}
