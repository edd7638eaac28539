// Poison isolation, shared by every bus adapter so that every consumer gets it once: when a
// handler fails on a batch, the batch is split in halves until the message it cannot process is
// alone; that message is tried a few more times and then set aside in the dead-letter store with
// the reason, and the rest of the batch goes on. Without it one bad message (a NUL PostgreSQL
// refuses, a 40,000-deep array) is redelivered forever and holds up every tenant behind it.
//
// An outage is not poison: an error marked transient (the store or a broker unreachable, the
// flows not running yet) makes the whole batch go back to the adapter, which redelivers it after
// its back-off, as before. So does a dead-letter store that cannot take the letter.
import type { BatchHandler, BusMessage } from './bus.js';
import type { Logger } from '../log.js';

/** A message set aside, with why and by whom. */
export interface DeadLetter {
  tenant: string;
  /** The consumer group that could not process it. */
  consumer: string;
  topic: string;
  key: string | null;
  /** The bus message id. */
  id: string;
  /** Epoch ms when the bus accepted the message. */
  timestamp: number;
  value: unknown;
  reason: string;
}

/** Keeps dead letters; rejects if it could not (then nothing is dropped: the batch is redelivered). */
export type DeadLetterSink = (letters: DeadLetter[]) => Promise<void>;

/** Tries of a message found alone before it is set aside (the first included). */
export const POISON_ATTEMPTS = 3;
/** Wait before the second try of a lone message; doubles for each further try, ms. */
export const POISON_RETRY_MS = 50;

/** Node network error codes and SQLSTATE classes that say "the backend is away", not "this message is bad". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention, 40 rollback (deadlock, serialization). */
const TRANSIENT_SQLSTATE = /^(08|53|57|40)/;

/** Marks an error as an outage rather than a problem of the message (matched on a property, never instanceof). */
export function transientError(message: string): Error {
  return Object.assign(new Error(message), { transient: true });
}

export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { transient?: unknown; code?: unknown; message?: unknown };
  if (e.transient === true) return true;
  if (
    typeof e.code === 'string' &&
    (TRANSIENT_CODES.has(e.code) || (e.code.length === 5 && TRANSIENT_SQLSTATE.test(e.code)))
  )
    return true;
  return (
    typeof e.message === 'string' && /Connection terminated|connection is closed|the .* is closed/i.test(e.message)
  );
}

export interface IsolationOptions {
  consumer: string;
  sink: DeadLetterSink;
  log?: Logger;
  /** @default POISON_ATTEMPTS */
  attempts?: number;
  /** @default POISON_RETRY_MS */
  retryMs?: number;
  /** Stops retrying (the adapter is closing or lost the partition): the error goes back to the adapter. */
  isRunning?: () => boolean;
}

const reasonOf = (err: unknown): string => {
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.slice(0, 1_000);
};

const tenantOf = (topic: string): string => {
  const i = topic.indexOf('.');
  return i < 0 ? '' : topic.slice(0, i);
};

/**
 * Hands `batch` to `handler`, isolating the messages it fails on. Resolves once every message was
 * handled or set aside (so the adapter may commit the whole batch), with the number set aside;
 * rejects on a transient error or when the sink fails (the adapter then redelivers the batch).
 * Order is kept: the left half of a split is handled before the right.
 */
export async function deliverIsolating(
  batch: BusMessage[],
  handler: BatchHandler,
  opts: IsolationOptions,
): Promise<number> {
  const attempts = opts.attempts ?? POISON_ATTEMPTS;
  const retryMs = opts.retryMs ?? POISON_RETRY_MS;
  let setAside = 0;
  // Once part of this batch went through, a message that fails alone is at fault, not the
  // backend: it is set aside without the waits, so a batch holding many bad messages (a tenant's
  // flow publishing garbage) costs a split, not 150 ms for each of them.
  let someSucceeded = false;

  const run = async (msgs: BusMessage[]): Promise<void> => {
    let failure: unknown;
    try {
      await handler(msgs);
      someSucceeded = true;
      return;
    } catch (err) {
      if (isTransient(err)) throw err;
      failure = err;
    }
    if (msgs.length > 1) {
      const mid = msgs.length >> 1;
      await run(msgs.slice(0, mid));
      await run(msgs.slice(mid));
      return;
    }
    for (let attempt = 2; attempt <= attempts && !someSucceeded; attempt++) {
      if (opts.isRunning && !opts.isRunning()) throw failure;
      await new Promise((r) => setTimeout(r, retryMs * 2 ** (attempt - 2)));
      try {
        await handler(msgs);
        someSucceeded = true;
        return;
      } catch (err) {
        if (isTransient(err)) throw err;
        failure = err;
      }
    }
    const m = msgs[0];
    const reason = reasonOf(failure);
    await opts.sink([
      {
        tenant: tenantOf(m.topic),
        consumer: opts.consumer,
        topic: m.topic,
        key: m.key,
        id: m.id,
        timestamp: m.timestamp,
        value: m.value,
        reason,
      },
    ]);
    setAside += 1;
    opts.log?.error(
      { consumer: opts.consumer, topic: m.topic, key: m.key, id: m.id, reason },
      'bus: a message failed every try; set aside as a dead letter',
    );
  };

  await run(batch);
  return setAside;
}
