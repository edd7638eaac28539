import type { RawEvent } from '../_shared/event.js';
import type { DeviceView } from '../_shared/services.js';
import type { EventTemplateInConfig } from './config.js';

/** The event is one the node is set for (§5.2.3). */
export const accepts = (cfg: EventTemplateInConfig, raw: RawEvent): boolean => cfg.events.has(raw.event);

/** The device is built with the template: from the message itself (create/update/remove), else the device. */
export function matches(cfg: EventTemplateInConfig, raw: RawEvent, device: DeviceView | null): boolean {
  const templates = raw.templates ?? device?.templates ?? [];
  return templates.map(Number).includes(cfg.templateId);
}
