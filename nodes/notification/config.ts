import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `notification` (§5.3). */
export const KEYS = ['name', 'source', 'msgType', 'messageStatic', 'messageDynamic'] as const;

export interface NotificationConfig {
  /** Path to the object that becomes metaAttrsFilter ('' = none). */
  source: string;
  msgType: 'static' | 'dynamic';
  messageStatic: string;
  messageDynamic: string;
}

export function parse(def: Record<string, unknown>): NotificationConfig {
  const msgType = oneOf(def, 'msgType', ['static', 'dynamic'] as const, 'static');
  const source = str(def, 'source').trim() ? pathField(def, 'source') : '';
  const messageStatic = str(def, 'messageStatic');
  if (msgType === 'static' && !messageStatic)
    throw new ConfigError('messageStatic', 'is required for a static message');
  const messageDynamic = msgType === 'dynamic' ? pathField(def, 'messageDynamic') : '';
  return { source, msgType, messageStatic, messageDynamic };
}
