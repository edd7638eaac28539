// What DeviceManager publishes, in dojot's envelope (docs/dojot-compatibility.md §2.4), on topic
// `<tenant>.dojot.device-manager.device`, keyed by device id so one device's events keep their order:
//   {"event":"create|update|remove","meta":{"service":"<tenant>"},"data":FullDevice}
//   {"event":"configure","meta":{"service":"<tenant>","timestamp":<ms>},"data":{"attrs":{...},"id":"<dev>"}}
//   {"event":"template.update","meta":{"service":"<tenant>"},"data":{"affected":[ids],"template":T}}  (deprecated in dojot; key null)
import type { Bus } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';
import type { ConfigureData, DeviceEvent } from '../platform/contracts/messages.js';
import type { FullDevice } from './client.js';
import type { TemplateView } from './views.js';

export interface Outgoing {
  topic: string;
  key: string | null;
  value: DeviceEvent;
}

export const deviceTopic = (tenant: string): string => topicOf(tenant, SUBJECTS.deviceManager);

export function deviceEvent(tenant: string, event: 'create' | 'update' | 'remove', device: FullDevice): Outgoing {
  return { topic: deviceTopic(tenant), key: device.id, value: { event, meta: { service: tenant }, data: device } };
}

export function configureEvent(tenant: string, id: string, attrs: Record<string, unknown>, now = Date.now()): Outgoing {
  const data: ConfigureData = { attrs, id };
  return {
    topic: deviceTopic(tenant),
    key: id,
    value: { event: 'configure', meta: { service: tenant, timestamp: now }, data },
  };
}

export function templateUpdateEvent(tenant: string, affected: string[], template: TemplateView): Outgoing {
  return {
    topic: deviceTopic(tenant),
    key: null,
    value: { event: 'template.update', meta: { service: tenant }, data: { affected, template } },
  };
}

/** Told of every device created or removed by this instance, right after the commit. */
export interface LocalWrites {
  applyLocal(tenant: string, event: string, id: string): void;
}

/**
 * Publishes after the transaction has committed. A publish that fails is logged, not thrown: the
 * change is already stored, and an error reply would invite a client to repeat a create.
 */
export class EventPublisher {
  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly local: LocalWrites,
  ) {}

  async emit(tenant: string, messages: Outgoing[]): Promise<void> {
    for (const m of messages) if (m.key !== null) this.local.applyLocal(tenant, m.value.event, m.key);
    if (messages.length === 0) return;
    try {
      await this.bus.publishMany(messages);
    } catch (err) {
      this.log.error(
        { err, tenant, count: messages.length, events: [...new Set(messages.map((m) => m.value.event))] },
        'device events not published',
      );
    }
  }
}
