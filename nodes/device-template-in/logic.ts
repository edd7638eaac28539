import type { HeadEvent, RawEvent } from '../_shared/event.js';
import type { Msg } from '../_shared/red.js';
import type { DeviceView } from '../_shared/services.js';
import type { DeviceTemplateInConfig } from './config.js';

export const accepts = (raw: RawEvent): boolean => raw.event === 'publish';

export const matches = (cfg: DeviceTemplateInConfig, device: DeviceView | null): boolean =>
  (device?.templates ?? []).map(Number).includes(cfg.templateId);

/** The deprecated heads emitted the attributes alone (§5.2.3). */
export const toMsg = (ev: HeadEvent): Msg => ({ payload: ev.data.attrs });
