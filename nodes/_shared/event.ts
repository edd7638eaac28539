// The pre-processing dojot's flowbroker applied before a head node saw a message (§5.2.2):
//   device-data  {"metadata":{"deviceid","tenant","timestamp",...},"attrs":{...}}
//     → {"event":"publish","data":{"id","attrs"},"metadata":{"tenant","timestamp",...}}
//   device event {"event","meta":{"service",...},"data":...}
//     → {"event","data":...,"metadata":{"tenant",...}}, create/update attrs flattened to {label: attr}
// publish and configure get the device's static attribute values merged into data.attrs.
import type { BusDelivery, DeviceView } from './services.js';

export type HeadEventName = 'publish' | 'configure' | 'create' | 'update' | 'remove';

export interface HeadEvent {
  event: HeadEventName;
  data: { id: string; attrs: Record<string, unknown>; [k: string]: unknown };
  metadata: { tenant: string; timestamp: number; [k: string]: unknown };
}

/** What a bus message says before any device lookup. */
export interface RawEvent {
  event: HeadEventName;
  deviceId: string;
  /** The template ids the message itself names (create/update/remove carry the device). */
  templates: number[] | null;
  delivery: BusDelivery;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const EVENTS: readonly string[] = ['configure', 'create', 'update', 'remove'];

/** Reads a bus message; null for what no head node fires on (malformed, template.update). */
export function rawEvent(d: BusDelivery): RawEvent | null {
  const v = d.value;
  if (!isObject(v)) return null;
  if (d.subject === 'device-data') {
    const meta = isObject(v.metadata) ? v.metadata : {};
    const id = typeof meta.deviceid === 'string' ? meta.deviceid : d.key;
    if (!id || !isObject(v.attrs)) return null;
    return { event: 'publish', deviceId: id, templates: null, delivery: d };
  }
  if (typeof v.event !== 'string' || !EVENTS.includes(v.event) || !isObject(v.data)) return null;
  const id = v.data.id;
  if (typeof id !== 'string') return null;
  const templates = Array.isArray(v.data.templates) ? v.data.templates.map(Number) : null;
  return { event: v.event as HeadEventName, deviceId: id, templates, delivery: d };
}

/** The device's static values by label (override or template value). */
export function staticValues(device: DeviceView | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attrs of Object.values(device?.attrs ?? {})) {
    for (const a of attrs) if (a.type === 'static' && a.static_value !== undefined) out[a.label] = a.static_value;
  }
  return out;
}

/** dojot's create/update data lists attrs by template; flows see them by label. */
function flatten(attrs: unknown): Record<string, unknown> {
  if (!isObject(attrs)) return {};
  const out: Record<string, unknown> = {};
  for (const list of Object.values(attrs))
    if (Array.isArray(list)) for (const a of list) if (isObject(a) && typeof a.label === 'string') out[a.label] = a;
  return out;
}

/** The message a head node emits as msg.payload. */
export function headEvent(raw: RawEvent, tenant: string, device: DeviceView | null): HeadEvent {
  const v = raw.delivery.value as Record<string, unknown>;
  if (raw.event === 'publish') {
    const {
      deviceid: _id,
      tenant: _t,
      timestamp,
      ...rest
    } = (isObject(v.metadata) ? v.metadata : {}) as Record<string, unknown>;
    const attrs = { ...staticValues(device), ...(v.attrs as Record<string, unknown>) };
    return {
      event: 'publish',
      data: { id: raw.deviceId, attrs },
      metadata: { ...rest, tenant, timestamp: toMs(timestamp, raw.delivery.timestamp) },
    };
  }
  const { service: _s, timestamp, ...rest } = (isObject(v.meta) ? v.meta : {}) as Record<string, unknown>;
  const data = { ...(v.data as Record<string, unknown>) };
  if (raw.event === 'configure') data.attrs = { ...staticValues(device), ...(isObject(data.attrs) ? data.attrs : {}) };
  else if (raw.event !== 'remove' || isObject(data.attrs)) data.attrs = flatten(data.attrs);
  else data.attrs = {};
  return {
    event: raw.event,
    data: data as HeadEvent['data'],
    metadata: { ...rest, tenant, timestamp: toMs(timestamp, raw.delivery.timestamp) },
  };
}

/** dojot timestamps: epoch ms, epoch s (≤ 2^31-1) or an ISO string; else the bus's own. */
export function toMs(ts: unknown, fallback: number): number {
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts > 2 ** 31 - 1 ? ts : ts * 1000;
  if (typeof ts === 'string') {
    const n = Number(ts);
    if (ts.trim() !== '' && Number.isFinite(n)) return toMs(n, fallback);
    const d = Date.parse(ts);
    if (!Number.isNaN(d)) return d;
  }
  return fallback;
}
