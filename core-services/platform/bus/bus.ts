// The bus: topics are `<tenant>.<subject>`, messages are keyed (the device id) so one key's
// messages keep their order, delivery is at least once. Adapters: memory (default), kafka.

export interface BusMessage<T = unknown> {
  topic: string;
  /** Partition key: the device id for device messages; order is kept per key. */
  key: string | null;
  value: T;
  /** Unique per published message, stable across redeliveries: consumers de-duplicate on it. */
  id: string;
  /** Epoch ms when the bus accepted the message. */
  timestamp: number;
}

/** Receives messages in batches (one batch ⊂ one topic pattern, in order). Throwing redelivers the batch. */
export type BatchHandler = (batch: BusMessage[]) => Promise<void>;

export interface SubscribeOptions {
  /** An exact topic, or a pattern matching topics of every tenant (e.g. /^.+\.device-data$/). */
  topic: string | RegExp;
  /** Consumer group: each group sees every message once; instances of one group share the work. */
  group: string;
  handler: BatchHandler;
  /** Largest batch handed to the handler. @default 500 */
  maxBatch?: number;
  /**
   * For a group new to the bus: start from the earliest retained message rather than only new
   * ones (Kafka: the topic's retention; memory: each topic's last RETAINED_PER_TOPIC). A member
   * joining an existing group reads on from where the group is. @default false
   */
  fromBeginning?: boolean;
  /**
   * Only messages whose value is an object with an `event` among these reach the handler; the others
   * are acknowledged unread. A filter rather than a check in the handler, so a bus can drop them before
   * they travel: the MQTT workers' downlink wants configure and remove events of the device manager,
   * not every device created, and the platform process no longer sends the others over IPC.
   */
  events?: readonly string[];
}

/** opts with its handler given only the messages its `events` filter keeps (opts itself without one). */
export function withEventFilter(opts: SubscribeOptions): SubscribeOptions {
  const { events, handler } = opts;
  if (!events) return opts;
  const keep = (m: BusMessage) => {
    const event = (m.value as { event?: unknown } | null)?.event;
    return typeof event === 'string' && events.includes(event);
  };
  return {
    ...opts,
    handler: async (batch) => {
      const kept = batch.filter(keep);
      if (kept.length > 0) await handler(kept);
    },
  };
}

export interface Subscription {
  close(): Promise<void>;
}

/** How one subscription is doing, for /health: a consumer stuck on a batch or far behind shows here. */
export interface ConsumerStatus {
  group: string;
  topic: string;
  /** How long the batch in hand has been failing or running, ms (0 when idle). */
  busyMs: number;
  /** Age of the oldest message waiting or in hand, ms (0 when nothing waits). */
  oldestMs: number;
  /** Deliveries of the batch in hand that failed in a row. */
  failures: number;
  /** Messages this subscription set aside as dead letters since it started. */
  deadLetters: number;
  /**
   * Messages known to wait for this subscription (its lag): the in-process queue's depth; on Kafka,
   * the high watermark less the consumer's own position, per partition it read from, summed.
   */
  waiting: number;
}

export interface Bus {
  readonly kind: string;
  /** Resolves once the bus holds the message (after which it will be delivered at least once). */
  publish(topic: string, key: string | null, value: unknown): Promise<void>;
  /** Publishes several messages with one round trip; per-key order is the array order. */
  publishMany(messages: { topic: string; key: string | null; value: unknown }[]): Promise<void>;
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  /** Every subscription of this process, for /health. */
  consumers(): ConsumerStatus[];
  /** Resolves if the bus answers (the brokers, for Kafka); for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Calls `fn` for each message of a batch in order: a handler for consumers that need no batching. */
export function eachMessage(fn: (msg: BusMessage) => Promise<void> | void): BatchHandler {
  return async (batch) => {
    for (const m of batch) await fn(m);
  };
}
