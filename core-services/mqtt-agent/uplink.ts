// One device PUBLISH → one `<tenant>.device-data` message (§3.1, §3.2):
//   {"metadata":{"deviceid":"a1b2c3","tenant":"admin","timestamp":1700000000000},"attrs":{"temp":21.5}}
// The payload must be a JSON object. A `timestamp` key in it (epoch seconds or ms, or an ISO
// string) becomes metadata.timestamp in ms and stays in attrs, as the mosca agent did; otherwise
// the receive time is used.
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import type { DropReason } from './counters.js';
import { toEpochMs } from '../platform/contracts/timestamps.js';

export { toEpochMs };

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
  const given = (attrs as Record<string, unknown>).timestamp;
  const timestamp = given === undefined ? receivedAt : (toEpochMs(given) ?? receivedAt);
  return { metadata: { deviceid: device, tenant, timestamp }, attrs: attrs as Record<string, unknown> };
}
