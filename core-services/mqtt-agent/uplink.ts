// One device PUBLISH → one `<tenant>.device-data` message (§3.1, §3.2):
//   {"metadata":{"deviceid":"a1b2c3","tenant":"admin","timestamp":1700000000000},"attrs":{"temp":21.5}}
// The payload must be a JSON object. A `timestamp` key in it (epoch seconds or ms, or an ISO
// string) becomes metadata.timestamp in ms and stays in attrs, as the mosca agent did; otherwise
// the receive time is used.
//
// A payload must also be something every consumer can take (docs/api.md, MQTT): no NUL and no
// lone UTF-16 surrogate in any string or key (PostgreSQL refuses them; we refuse the message
// rather than change the reading), nested at most MAX_PAYLOAD_DEPTH deep and with at most
// MAX_PAYLOAD_KEYS keys and array items in all. Anything else is dropped with its reason.
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import type { DropReason } from './counters.js';
import { toEpochMs } from '../platform/contracts/timestamps.js';

export { toEpochMs };

/** Deepest nesting of objects and arrays in a payload (the payload object itself is level 1). */
export const MAX_PAYLOAD_DEPTH = 32;
/** Most object keys plus array items in a payload, all levels together. */
export const MAX_PAYLOAD_KEYS = 1_000;

const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a parsed payload object cannot go on, or null. Walks without recursion. */
export function payloadProblem(payload: object): DropReason | null {
  const stack: [unknown, number][] = [[payload, 1]];
  let keys = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return 'bad_text';
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (depth > MAX_PAYLOAD_DEPTH) return 'too_deep';
    if (Array.isArray(v)) {
      keys += v.length;
      if (keys > MAX_PAYLOAD_KEYS) return 'too_many_keys';
      for (const item of v) stack.push([item, depth + 1]);
      continue;
    }
    for (const [k, item] of Object.entries(v)) {
      if (++keys > MAX_PAYLOAD_KEYS) return 'too_many_keys';
      if (BAD_TEXT.test(k)) return 'bad_text';
      stack.push([item, depth + 1]);
    }
  }
  return null;
}

/**
 * Builds the device-data message, or says why the payload is dropped. Returns a string reason
 * rather than a result object so the accepted path allocates only the message itself.
 */
export function toDeviceData(
  tenant: string,
  device: string,
  payload: Buffer | string,
  limitBytes: number,
  receivedAt: number,
): DeviceDataMessage | DropReason {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > limitBytes) return 'too_large';
  let attrs: unknown;
  try {
    attrs = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return 'not_json';
  }
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return 'not_object';
  const problem = payloadProblem(attrs);
  if (problem) return problem;
  const given = (attrs as Record<string, unknown>).timestamp;
  const timestamp = given === undefined ? receivedAt : (toEpochMs(given) ?? receivedAt);
  return { metadata: { deviceid: device, tenant, timestamp }, attrs: attrs as Record<string, unknown> };
}
