// One client websocket on one topic: filter (where), select (fields), send; close on lifetime end,
// on a bad filter, and when the client reads too slowly to keep its unsent data under the limit.
import type { WebSocket } from 'ws';
import type { BusMessage } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import { CLOSE, FilterError } from './close-codes.js';
import type { Fanout, Listener } from './fanout.js';
import { applyMask, parseFields, type Mask } from './fields.js';
import { matches, parseWhere, type Condition } from './where.js';

/** After a close frame is queued, how long a client gets to read it before the socket is cut, ms. */
const CLOSE_GRACE_MS = 5000;

export interface ConnectionOptions {
  topic: string;
  where: string | null;
  fields: string | null;
  /** ms until the connection is closed with 4408 */
  lifetimeMs: number;
  maxBufferBytes: number;
}

export async function serveConnection(
  ws: WebSocket,
  fanout: Fanout,
  opts: ConnectionOptions,
  log: Logger,
): Promise<void> {
  let conditions: Condition[];
  let mask: Mask | null;
  try {
    conditions = opts.where ? parseWhere(opts.where) : [];
    mask = opts.fields ? parseFields(opts.fields) : null;
  } catch (err) {
    if (err instanceof FilterError) return closeWith(ws, err.closeCode, err.message);
    throw err;
  }
  let open = true;
  const listener: Listener = {
    deliver(message: BusMessage) {
      if (!open) return;
      const value = typeof message.value === 'string' ? tryJson(message.value) : message.value;
      if (!matches(conditions, value)) return;
      const out = mask ? applyMask(value, mask) : value;
      if (out === undefined) return;
      const text = JSON.stringify(out);
      // ws queues whatever the socket cannot take: bound that queue instead of the client's patience.
      if (ws.bufferedAmount + Buffer.byteLength(text) > opts.maxBufferBytes) {
        log.info({ topic: opts.topic, buffered: ws.bufferedAmount }, 'kafka-ws: dropped a slow consumer');
        return stop(CLOSE.SLOW_CONSUMER, 'Slow consumer: too much unread data');
      }
      ws.send(text);
    },
  };
  const stop = (code: number, reason: string) => {
    if (!open) return;
    open = false;
    clearTimeout(lifetime);
    fanout.remove(opts.topic, listener);
    closeWith(ws, code, reason);
  };
  const lifetime = setTimeout(() => stop(CLOSE.LIFETIME, 'Connection lifetime'), opts.lifetimeMs);
  ws.on('close', () => {
    open = false;
    clearTimeout(lifetime);
    fanout.remove(opts.topic, listener);
  });
  ws.on('error', () => ws.terminate());
  // Clients only listen; anything they send is ignored.
  ws.on('message', () => undefined);
  try {
    await fanout.add(opts.topic, listener);
  } catch (err) {
    log.error({ err, topic: opts.topic }, 'kafka-ws: could not follow the topic');
    stop(CLOSE.INTERNAL, 'Internal error');
  }
}

function closeWith(ws: WebSocket, code: number, reason: string): void {
  // A close reason is at most 123 bytes [RFC 6455 5.5].
  ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
