import { getPath } from '../_shared/msg.js';
import type { Msg } from '../_shared/red.js';
import type { GetContextConfig } from './config.js';

/** dojot's tenant layer is Node-RED's global context; its flow layer the flow context. */
export const scopeOf = (cfg: GetContextConfig): 'global' | 'flow' => (cfg.layer === 'tenant' ? 'global' : 'flow');

/** The context name to read, or an Error when the message does not hold one. */
export function contextName(cfg: GetContextConfig, msg: Msg): string | Error {
  if (cfg.nameType === 'str') return cfg.name;
  const v = getPath(msg, cfg.name);
  return typeof v === 'string' && v ? v : new Error(`${cfg.name} must hold a context name`);
}
