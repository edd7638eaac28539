// Who a device is and which topics it may use: one table, the literal shapes in comments.
// A device is named `<tenant>:<device>` by its MQTT username (dojot's VerneMQ agent, §3.1) or,
// when the username is not of that shape, by its client id (legacy mosca agent, §3.2). It is fixed
// at CONNECT, so the hot path only compares a topic with four precomputed strings.
import { TENANT_PATTERN } from '../platform/contracts/identity.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';

/** dojot device ids are 5–6 hex chars; we accept what fits a topic level and a bus key. */
const DEVICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface DeviceIdentity {
  tenant: string;
  device: string;
  /** `<tenant>:<device>`: the username, and the prefix of the session ids of this device. */
  name: string;
  topics: DeviceTopics;
  /** `admin.device-data` — where this device's messages go on the bus */
  busTopic: string;
}

/** The topics one device may use; built once per connection. */
export interface DeviceTopics {
  /** `admin:a1b2c3/attrs` — publish (uplink) */
  attrs: string;
  /** `/admin/a1b2c3/attrs` — publish, legacy form */
  legacyAttrs: string;
  /** `admin:a1b2c3/config` — subscribe (downlink) */
  config: string;
  /** `/admin/a1b2c3/config` — subscribe, legacy form */
  legacyConfig: string;
}

/** The ACL as data: what each MQTT action may target, for a device `tenant:device`. */
export const ACL = {
  publish: ['attrs', 'legacyAttrs'],
  subscribe: ['config', 'legacyConfig'],
} as const satisfies Record<'publish' | 'subscribe', readonly (keyof DeviceTopics)[]>;

export function topicsOf(tenant: string, device: string): DeviceTopics {
  return {
    attrs: `${tenant}:${device}/attrs`,
    legacyAttrs: `/${tenant}/${device}/attrs`,
    config: `${tenant}:${device}/config`,
    legacyConfig: `/${tenant}/${device}/config`,
  };
}

/** Parses `<tenant>:<device>`; null when it is not exactly that shape. */
export function parseDeviceName(name: string | undefined | null): DeviceIdentity | null {
  if (!name) return null;
  const colon = name.indexOf(':');
  if (colon < 0) return null;
  const tenant = name.slice(0, colon);
  const device = name.slice(colon + 1);
  if (!TENANT_PATTERN.test(tenant) || !DEVICE_PATTERN.test(device)) return null;
  return { tenant, device, name, topics: topicsOf(tenant, device), busTopic: topicOf(tenant, SUBJECTS.deviceData) };
}

/**
 * Whether a topic is one devices publish to (`…/attrs`): no device may subscribe to it (those end
 * in `/config`), so a message on it has no one to reach on the broker.
 */
export function isUplinkTopic(topic: string): boolean {
  return topic.endsWith('/attrs');
}

export function mayPublish(id: DeviceIdentity, topic: string): boolean {
  return allowed(ACL.publish, id.topics, topic);
}

export function maySubscribe(id: DeviceIdentity, topic: string): boolean {
  return allowed(ACL.subscribe, id.topics, topic);
}

// A plain loop: this runs once per message and must not allocate.
function allowed(keys: readonly (keyof DeviceTopics)[], topics: DeviceTopics, topic: string): boolean {
  for (let i = 0; i < keys.length; i++) if (topics[keys[i]] === topic) return true;
  return false;
}
