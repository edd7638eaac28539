// Bus messages → history rows, kept as columns (one array per field) because that is the shape
// the INSERT takes (unnest of arrays) and it spares one object per row on the hot path.
//   device-data  {"metadata":{"deviceid","tenant","timestamp",...},"attrs":{"temp":21.5,...}}
//   configure    {"event":"configure","meta":{"service","timestamp"},"data":{"id","attrs":{...}}}
// Both become one row per attr (§4.3). Malformed messages are skipped, never thrown on: a throw
// would have the bus redeliver the same poison forever.
import type { BusMessage } from '../platform/bus/index.js';
import { tenantOfTopic } from '../platform/contracts/topics.js';
import { toEpochMs } from '../platform/contracts/timestamps.js';

/** The metadata keys that become columns or are implied by them. */
const RESERVED_METADATA = new Set(['deviceid', 'tenant', 'timestamp']);

export class Rows {
  tenant: string[] = [];
  device: string[] = [];
  attr: string[] = [];
  /** epoch ms */
  ts: number[] = [];
  msgId: string[] = [];
  /** JSON text */
  value: string[] = [];
  /** JSON text */
  metadata: string[] = [];

  get length(): number {
    return this.attr.length;
  }

  push(tenant: string, device: string, attr: string, ts: number, msgId: string, value: string, metadata: string): void {
    this.tenant.push(tenant);
    this.device.push(device);
    this.attr.push(attr);
    this.ts.push(ts);
    this.msgId.push(msgId);
    this.value.push(value);
    this.metadata.push(metadata);
  }

  /** Appends rows [from, to) of `src`. */
  copyFrom(src: Rows, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.push(src.tenant[i], src.device[i], src.attr[i], src.ts[i], src.msgId[i], src.value[i], src.metadata[i]);
    }
  }
}

/**
 * metadata.timestamp → epoch ms: numbers by dojot's seconds/ms rule, strings as ISO dates (or
 * numbers). Missing or unusable → the time the bus took the message, which, unlike "now", is
 * the same on every redelivery and so keeps the de-duplication key stable.
 */
export function timestampMs(value: unknown, fallback: number): number {
  return toEpochMs(value) ?? fallback;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON of the metadata without the reserved keys; '{}' without building anything when none are left. */
function extraMetadata(meta: Record<string, unknown>): string {
  let extra: Record<string, unknown> | null = null;
  for (const k in meta) {
    if (RESERVED_METADATA.has(k) || !Object.prototype.hasOwnProperty.call(meta, k)) continue;
    (extra ??= {})[k] = meta[k];
  }
  return extra ? JSON.stringify(extra) : '{}';
}

function pushAttrs(
  out: Rows,
  tenant: string,
  device: string,
  attrs: Record<string, unknown>,
  ts: number,
  msgId: string,
  metadata: string,
): number {
  let n = 0;
  for (const attr in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, attr)) continue;
    const v = attrs[attr];
    if (v === undefined) continue;
    out.push(tenant, device, attr, ts, msgId, JSON.stringify(v), metadata);
    n += 1;
  }
  return n;
}

/** Appends the rows of one `<tenant>.device-data` message; returns how many (0 when malformed). */
export function deviceDataRows(msg: BusMessage, out: Rows): number {
  const v = msg.value as { metadata?: unknown; attrs?: unknown } | null;
  if (!isObject(v) || !isObject(v.metadata) || !isObject(v.attrs)) return 0;
  const device = v.metadata.deviceid;
  const tenant = tenantOfTopic(msg.topic);
  if (typeof device !== 'string' || !device || !tenant) return 0;
  const ts = timestampMs(v.metadata.timestamp, msg.timestamp);
  return pushAttrs(out, tenant, device, v.attrs, ts, msg.id, extraMetadata(v.metadata));
}

/** Appends the rows of a `configure` device event (actuations appear in history); other events add none. */
export function configureRows(msg: BusMessage, out: Rows): number {
  const v = msg.value as { event?: unknown; meta?: unknown; data?: unknown } | null;
  if (!isObject(v) || v.event !== 'configure' || !isObject(v.data) || !isObject(v.data.attrs)) return 0;
  const device = v.data.id;
  const tenant = tenantOfTopic(msg.topic);
  if (typeof device !== 'string' || !device || !tenant) return 0;
  const meta = isObject(v.meta) ? v.meta : {};
  const ts = timestampMs(meta.timestamp, msg.timestamp);
  // meta.service is the tenant, already a column; what else meta says is kept.
  const { service: _service, ...rest } = meta;
  return pushAttrs(out, tenant, device, v.data.attrs, ts, msg.id, extraMetadata(rest));
}
