import { ConfigError, bool, str } from '../_shared/config-error.js';

/** The keys of dojot's `event template in` (§5.3); the .html defaults list the same. */
export const KEYS = [
  'name',
  'template_id',
  'event_create',
  'event_update',
  'event_remove',
  'event_configure',
  'event_publish',
] as const;

export const EVENTS = ['create', 'update', 'remove', 'configure', 'publish'] as const;
export type TemplateEvent = (typeof EVENTS)[number];

export interface EventTemplateInConfig {
  templateId: number;
  events: Set<TemplateEvent>;
}

export function parse(def: Record<string, unknown>): EventTemplateInConfig {
  const raw = str(def, 'template_id').trim();
  const templateId = Number(raw);
  if (!raw) throw new ConfigError('template_id', 'is required');
  if (!Number.isInteger(templateId))
    throw new ConfigError('template_id', `must be a template id (a number), got "${raw}"`);
  const events = new Set<TemplateEvent>(EVENTS.filter((e) => bool(def, `event_${e}`, e === 'publish')));
  return { templateId, events };
}
