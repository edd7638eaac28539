// Kafka bus (kafkajs). One idempotent producer per bus; one kafkajs consumer per subscription.
// Longer than most files because the parts share private state: the producer's outbox, the
// topic cache that tells pattern subscriptions about new topics, and the subscriptions.
//
// - Topics are created on demand (DOJOT_KAFKA_PARTITIONS partitions) before the first publish or
//   subscribe; the message key is the given key (the device id), so one device keeps its order.
// - Publishes are coalesced: while one produce request is in flight the next ones queue, and go
//   out together as one request (acks = all). One request in flight keeps the idempotent
//   producer's sequence numbers valid and the order of every key.
// - The message id travels in the `dojot-id` header, set once at publish, so a redelivered
//   message keeps it (consumers de-duplicate on it).
// - A consumer's Kafka group id is `<group>:<topic or /pattern/>`: instances subscribing alike
//   share the work, and one service's several subscriptions (history reads device-data and
//   device-manager topics under one group name) never share a Kafka group whose members would
//   want different topics.
// - Offsets are committed only after the handler resolved; a throwing handler gets the same
//   messages again after a back-off, on the same partition, so nothing behind them overtakes.
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import {
  withEventFilter,
  type Bus,
  type BusMessage,
  type ConsumerStatus,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import type { Logger } from '../log.js';
import { deliverIsolating, type DeadLetterSink } from './poison.js';

export const ID_HEADER = 'dojot-id';
const RETRY_BASE_MS = 50;
const RETRY_MAX_MS = 5_000;
/** How often pattern subscriptions look for topics made by other instances, ms. */
const TOPIC_REFRESH_MS = 5_000;
/** Largest produce request we build; the broker's default message.max.bytes is 1 MiB, bytes. */
const MAX_REQUEST_BYTES = 900_000;
/** Per-message bytes beyond key and value (header, framing), a rough figure for the cap above. */
const MESSAGE_OVERHEAD_BYTES = 80;
/** Longest an idle fetch waits on the broker; also bounds how soon a member notices a rebalance, ms. */
const FETCH_MAX_WAIT_MS = 1_000;
const HEARTBEAT_MS = 1_000;
/** Longest close() waits for pending publishes, ms. */
const CLOSE_FLUSH_MS = 10_000;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface KafkaBusOptions {
  brokers: string[];
  /** Partitions of each topic created on demand. */
  partitions: number;
  replicationFactor: number;
  log?: Logger;
  /** @default 'dojot-red' */
  clientId?: string;
  /** Put before every consumer group id (tests; several deployments on one cluster). @default '' */
  groupPrefix?: string;
  /** @default TOPIC_REFRESH_MS */
  topicRefreshMs?: number;
  /**
   * How long the group waits for a member that stopped heartbeating before it hands its
   * partitions to others; also how long a member's restart waits to rejoin after a crash.
   * @default kafkajs's 30,000 ms
   */
  sessionTimeoutMs?: number;
  /**
   * TLS towards the brokers (PEM `ca`, and `cert` + `key` for a client certificate); absent:
   * PLAINTEXT. kafkajs reads this object at every new connection, so changing its fields (a
   * renewed certificate) takes effect on the next one.
   */
  ssl?: TlsOptions;
  /** Keeps the messages a handler fails on every try; without it they are redelivered until handled. */
  deadLetters?: DeadLetterSink;
}

interface Ticket {
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}
interface Outgoing {
  topic: string;
  message: Message;
  bytes: number;
  ticket: Ticket;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (attempt: number) => Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));

/**
 * kafkajs logs through our pino logger. Its INFO (joins, starts) is our debug, and so are the
 * error responses its connection layer reports one by one ("Response Heartbeat ... rebalancing",
 * "topic already exists"): the layers above retry them, and log what they cannot handle.
 */
function logCreator(log: Logger) {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...extra } = entry;
      const routine = namespace === 'Connection' && message.startsWith('Response ');
      const method =
        level === KafkaLevel.ERROR && !routine
          ? 'error'
          : level === KafkaLevel.WARN
            ? 'warn'
            : level <= KafkaLevel.INFO
              ? 'debug'
              : 'trace';
      log[method]({ kafkajs: namespace, ...extra }, message);
    };
}

function kafkaLevel(log?: Logger): KafkaLevel {
  if (!log) return KafkaLevel.NOTHING;
  if (log.isLevelEnabled('trace')) return KafkaLevel.DEBUG;
  if (log.isLevelEnabled('debug')) return KafkaLevel.INFO;
  return KafkaLevel.WARN;
}

function toBusMessage(topic: string, partition: number, m: KafkaMessage): BusMessage {
  const text = m.value?.toString('utf8');
  let value: unknown = null;
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      value = text; // a foreign producer's non-JSON payload: hand it over as text, never loop on it
    }
  }
  const header = m.headers?.[ID_HEADER];
  return {
    topic,
    key: m.key ? m.key.toString('utf8') : null,
    value,
    // Without our header (a foreign producer) the position is just as stable across redeliveries.
    id: header ? header.toString() : `${topic}/${partition}/${m.offset}`,
    timestamp: Number(m.timestamp),
  };
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka';
  readonly kafka: Kafka;
  private readonly producer: Producer;
  readonly admin: Admin;
  private readonly known = new Set<string>();
  private readonly creating = new Map<string, Promise<void>>();
  private readonly subs = new Set<KafkaSubscription>();
  private outbox: Outgoing[] = [];
  private flushing?: Promise<void>;
  private refreshTimer?: NodeJS.Timeout;
  private closed = false;
  /** Where dead letters go; set before subscribing (a tenant runtime's bridge sets its own). */
  deadLetters?: DeadLetterSink;

  constructor(readonly opts: KafkaBusOptions) {
    this.deadLetters = opts.deadLetters;
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'dojot-red',
      brokers: opts.brokers,
      logLevel: kafkaLevel(opts.log),
      logCreator: opts.log ? logCreator(opts.log) : () => () => {},
      ...(opts.ssl ? { ssl: opts.ssl } : {}),
    });
    // Idempotent (Kafka ≥ 0.11): a produce retried after a lost response is not written twice.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
  }

  get log(): Logger | undefined {
    return this.opts.log;
  }

  async connect(): Promise<this> {
    await this.admin.connect();
    await this.producer.connect();
    const refresh = this.opts.topicRefreshMs ?? TOPIC_REFRESH_MS;
    this.refreshTimer = setInterval(
      () => void this.refreshPatterns().catch((err) => this.log?.warn({ err }, 'kafka: topic refresh failed')),
      refresh,
    );
    this.refreshTimer.unref();
    return this;
  }

  // Both go to produce(), not one through the other: the metrics count each (metrics.ts).
  publish(topic: string, key: string | null, value: unknown): Promise<void> {
    return this.produce([{ topic, key, value }]);
  }

  publishMany(messages: { topic: string; key: string | null; value: unknown }[]): Promise<void> {
    return this.produce(messages);
  }

  private async produce(messages: { topic: string; key: string | null; value: unknown }[]): Promise<void> {
    if (this.closed) throw new Error('the Kafka bus is closed');
    if (messages.length === 0) return;
    const topics = new Set(messages.map((m) => m.topic));
    // Known topics take the synchronous path, so back-to-back publishes keep their call order.
    const unknown = [...topics].filter((t) => !this.known.has(t));
    if (unknown.length) await Promise.all(unknown.map((t) => this.ensureTopic(t)));
    // Serialised before anything is queued: a value JSON cannot hold rejects the whole call.
    const values = messages.map((m) => JSON.stringify(m.value ?? null));
    await new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { remaining: messages.length, failed: false, resolve, reject };
      messages.forEach((m, i) => {
        const bytes = values[i].length + (m.key?.length ?? 0) + MESSAGE_OVERHEAD_BYTES;
        this.outbox.push({
          topic: m.topic,
          message: { key: m.key, value: values[i], headers: { [ID_HEADER]: randomUUID() } },
          bytes,
          ticket,
        });
      });
      this.flushing ??= this.flush();
    });
  }

  /** Sends the outbox one request at a time, each as large as the cap allows. */
  private async flush(): Promise<void> {
    await null; // lets the caller store this promise before the loop below can end
    try {
      while (this.outbox.length > 0) await this.sendNext();
    } finally {
      // Runs in the same step as the loop's last look at the outbox: no publish falls between.
      this.flushing = undefined;
    }
  }

  private async sendNext(): Promise<void> {
    let bytes = 0;
    let n = 0;
    while (n < this.outbox.length && (n === 0 || bytes + this.outbox[n].bytes <= MAX_REQUEST_BYTES))
      bytes += this.outbox[n++].bytes;
    const batch = this.outbox.splice(0, n).filter((o) => !o.ticket.failed);
    if (batch.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const o of batch) {
      const list = byTopic.get(o.topic) ?? [];
      list.push(o.message);
      byTopic.set(o.topic, list);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const o of batch) if (--o.ticket.remaining === 0 && !o.ticket.failed) o.ticket.resolve();
    } catch (err) {
      for (const o of batch) {
        if (o.ticket.failed) continue;
        o.ticket.failed = true;
        o.ticket.reject(err);
      }
    }
  }

  /** Creates the topic if it does not exist yet (once per topic and bus). */
  ensureTopic(topic: string): Promise<void> {
    if (this.known.has(topic)) return Promise.resolve();
    let pending = this.creating.get(topic);
    if (!pending) {
      pending = this.createTopic(topic).finally(() => this.creating.delete(topic));
      this.creating.set(topic, pending);
    }
    return pending;
  }

  private async createTopic(topic: string): Promise<void> {
    if (!TOPIC_NAME.test(topic))
      throw new Error(`"${topic}" is not a valid Kafka topic name (letters, digits, . _ -; at most 249)`);
    const created = await this.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: this.opts.partitions, replicationFactor: this.opts.replicationFactor }],
    });
    this.known.add(topic);
    // Our own new topic reaches this bus's pattern subscriptions at once; other instances' new
    // topics are found by the periodic refresh.
    if (created) for (const s of this.subs) if (s.wants(topic)) void s.add([topic]).catch(() => {}); // add() reports its own failure
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('the Kafka bus is closed');
    const opts = withEventFilter(options);
    const sub = new KafkaSubscription(
      this,
      opts,
      `${this.opts.groupPrefix ?? ''}${opts.group}:${typeof opts.topic === 'string' ? opts.topic : String(opts.topic)}`,
    );
    this.subs.add(sub);
    try {
      let topics: string[];
      if (typeof opts.topic === 'string') {
        await this.ensureTopic(opts.topic);
        topics = [opts.topic];
      } else {
        topics = (await this.listTopics()).filter((t) => sub.wants(t));
      }
      await sub.start(topics);
    } catch (err) {
      this.subs.delete(sub);
      await sub.close();
      throw err;
    }
    return {
      close: async () => {
        this.subs.delete(sub);
        await sub.close();
      },
    };
  }

  consumers(): ConsumerStatus[] {
    const now = Date.now();
    return [...this.subs].map((s) => s.status(now));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the Kafka bus is closed');
    await this.admin.describeCluster();
  }

  async listTopics(): Promise<string[]> {
    return (await this.admin.listTopics()).filter((t) => !t.startsWith('__'));
  }

  /** Hands pattern subscriptions the matching topics they do not read yet. */
  async refreshPatterns(): Promise<void> {
    const patterns = [...this.subs].filter((s) => s.isPattern);
    if (patterns.length === 0 || this.closed) return;
    const all = await this.listTopics();
    for (const t of all) this.known.add(t);
    await Promise.all(patterns.map((s) => s.add(all.filter((t) => s.wants(t)))));
  }

  /**
   * Test and shutdown helper: resolves once everything published so far is sent, and every
   * subscription reads every topic it matches and has committed up to each partition's end
   * (or when timeoutMs passed).
   */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.flushing;
    while (Date.now() < deadline) {
      await this.refreshPatterns();
      if (await this.caughtUp()) return true;
      await sleep(100);
    }
    return false;
  }

  private async caughtUp(): Promise<boolean> {
    for (const sub of this.subs) {
      const topics = await sub.settledTopics();
      if (!topics) return false;
      if (topics.length === 0) continue;
      const [committed, ends] = await Promise.all([
        this.admin.fetchOffsets({ groupId: sub.groupId, topics }),
        Promise.all(topics.map(async (t) => [t, await this.admin.fetchTopicOffsets(t)] as const)),
      ]);
      const endOf = new Map(ends.flatMap(([t, parts]) => parts.map((p) => [`${t}/${p.partition}`, p] as const)));
      for (const { topic, partitions } of committed) {
        for (const p of partitions) {
          const end = endOf.get(`${topic}/${p.partition}`);
          if (!end) return false;
          const at = p.offset === '-1' ? Number(end.low) : Number(p.offset);
          if (at < Number(end.high)) return false;
        }
      }
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    // Sends still pending after this (no broker reachable) fail when the producer disconnects.
    await Promise.race([this.flushing, sleep(CLOSE_FLUSH_MS)]);
    await Promise.all([...this.subs].map((s) => s.close()));
    this.subs.clear();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

/** One subscription: a kafkajs consumer, restarted with a larger topic list when a pattern gains topics. */
class KafkaSubscription {
  private consumer?: Consumer;
  private readonly topics = new Set<string>();
  /** First start of a group that has no offsets yet: partition → offset where "new" begins. */
  private readonly floors = new Map<string, string>();
  /** start, add and close run one after another. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The batch in hand: when it was first tried (epoch ms; 0 when idle), its oldest message, failed tries. */
  private busySince = 0;
  private oldestInHand = 0;
  private failures = 0;
  private deadLetters = 0;
  /** Per `topic:partition` read from: high watermark less the next offset to handle (the lag). */
  private readonly lag = new Map<string, number>();

  constructor(
    private readonly bus: KafkaBus,
    private readonly opts: SubscribeOptions,
    readonly groupId: string,
  ) {}

  status(now: number): ConsumerStatus {
    const t = this.opts.topic;
    return {
      group: this.opts.group,
      topic: typeof t === 'string' ? t : String(t),
      busyMs: this.busySince ? now - this.busySince : 0,
      oldestMs: this.oldestInHand ? now - this.oldestInHand : 0,
      failures: this.failures,
      deadLetters: this.deadLetters,
      waiting: [...this.lag.values()].reduce((a, b) => a + b, 0),
    };
  }

  get isPattern(): boolean {
    return typeof this.opts.topic !== 'string';
  }

  wants(topic: string): boolean {
    const t = this.opts.topic;
    if (typeof t === 'string') return t === topic;
    t.lastIndex = 0;
    return t.test(topic);
  }

  start(topics: string[]): Promise<void> {
    return this.serially(async () => {
      if (!this.opts.fromBeginning && topics.length > 0) await this.placeFreshGroup(topics);
      for (const t of topics) this.topics.add(t);
      await this.restart();
    });
  }

  /** Adds topics (a pattern's new matches); they are read from their beginning. */
  add(topics: string[]): Promise<void> {
    return this.serially(async () => {
      const fresh = topics.filter((t) => !this.topics.has(t));
      if (fresh.length === 0 || this.closed) return;
      for (const t of fresh) this.topics.add(t);
      this.bus.log?.debug({ group: this.groupId, topics: fresh }, 'kafka: subscription gains topics');
      await this.restart().catch((err) => {
        this.retryLater(err);
        throw err;
      });
    });
  }

  /** After a failed (re)start: try again later, until it works or the subscription closes. */
  private retryLater(err: unknown): void {
    if (this.closed) return;
    // A consumer that is not running reads nothing: /health counts it as stuck until it runs again.
    this.busySince ||= Date.now();
    this.failures += 1;
    this.bus.log?.error({ err, group: this.groupId }, `kafka: consumer not running; retrying in ${RETRY_MAX_MS} ms`);
    const failed = this.consumer;
    setTimeout(() => {
      void this.serially(async () => {
        if (this.closed || this.consumer !== failed) return; // closed, or restarted since
        await this.restart().catch((e) => this.retryLater(e));
      });
    }, RETRY_MAX_MS).unref();
  }

  /** The topics this subscription reads once pending changes are done, or undefined if it is short of a match. */
  async settledTopics(): Promise<string[] | undefined> {
    await this.chain;
    if (this.closed) return [];
    if (!this.isPattern) return [...this.topics];
    const matching = (await this.bus.listTopics()).filter((t) => this.wants(t));
    return matching.every((t) => this.topics.has(t)) ? matching : undefined;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.serially(() => this.stopConsumer());
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {}); // next's failure goes to its caller; the chain only orders the calls
    return next;
  }

  /**
   * fromBeginning=false means "messages published after subscribe()". The consumer reads
   * uncommitted partitions from their beginning (so topics born later are read whole), so a
   * group that has no offset yet gets its starting points recorded now, before anything is
   * published; they are applied when the consumer is assigned the partitions.
   */
  private async placeFreshGroup(topics: string[]): Promise<void> {
    const committed = await this.bus.admin.fetchOffsets({ groupId: this.groupId, topics });
    if (committed.some((t) => t.partitions.some((p) => p.offset !== '-1'))) return;
    for (const t of topics) {
      for (const p of await this.bus.admin.fetchTopicOffsets(t)) this.floors.set(`${t}/${p.partition}`, p.high);
    }
  }

  private async stopConsumer(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect(); // stops after the batch in hand, leaves the group
  }

  private async restart(): Promise<void> {
    await this.stopConsumer();
    if (this.closed || this.topics.size === 0) return;
    const c = this.bus.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      heartbeatInterval: HEARTBEAT_MS,
      ...(this.bus.opts.sessionTimeoutMs ? { sessionTimeout: this.bus.opts.sessionTimeoutMs } : {}),
    });
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      // Runs before the first fetch of the assignment, so the seek decides where it starts.
      // Only at the group's very first join: later, other members' commits are the truth.
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.floors.get(`${topic}/${partition}`);
          if (offset !== undefined) c.seek({ topic, partition, offset }); // kafkajs commits it
        }
      }
      this.floors.clear();
    });
    c.on(c.events.CRASH, ({ payload }) => {
      // kafkajs restarts a consumer after retriable errors itself; after others it stays down.
      if (payload.restart || this.closed || this.consumer !== c) return;
      this.retryLater(payload.error);
    });
    this.consumer = c;
    await c.connect();
    await c.subscribe({ topics: [...this.topics], fromBeginning: true });
    this.idle();
    await c.run({
      autoCommit: true,
      autoCommitThreshold: 1, // commitOffsetsIfNecessary commits whatever was resolved
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1, // one batch at a time per subscription, like the memory bus
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const max = this.opts.maxBatch ?? 500;
    const { topic, partition, messages } = p.batch;
    // The lag as this batch begins (a consumer stuck on it shows it), then after each slice.
    if (messages.length > 0)
      this.lag.set(`${topic}:${partition}`, Math.max(0, Number(p.batch.highWatermark) - Number(messages[0].offset)));
    for (let i = 0; i < messages.length; i += max) {
      const slice = messages.slice(i, i + max);
      const batch = slice.map((m) => toBusMessage(topic, partition, m));
      this.busySince = Date.now();
      this.oldestInHand = Math.min(...batch.map((m) => m.timestamp || this.busySince));
      for (let attempt = 1; ; attempt++) {
        if (!p.isRunning() || p.isStale()) return this.idle(); // stopping or rebalanced: the next owner re-reads from the commit
        try {
          const sink = this.bus.deadLetters;
          if (sink) {
            const isRunning = () => p.isRunning() && !p.isStale();
            this.deadLetters += await deliverIsolating(batch, this.opts.handler, {
              consumer: this.opts.group,
              sink,
              log: this.bus.log,
              isRunning,
            });
          } else await this.opts.handler(batch);
          break;
        } catch (err) {
          this.failures = attempt;
          const delay = backoff(attempt);
          this.bus.log?.warn(
            { err, group: this.groupId, topic, partition, attempt, delay },
            'bus handler failed; redelivering batch',
          );
          for (let waited = 0; waited < delay && p.isRunning(); waited += HEARTBEAT_MS) {
            await sleep(Math.min(HEARTBEAT_MS, delay - waited));
            await p.heartbeat();
          }
        }
      }
      this.idle();
      const last = slice[slice.length - 1].offset;
      this.lag.set(`${topic}:${partition}`, Math.max(0, Number(p.batch.highWatermark) - Number(last) - 1));
      p.resolveOffset(last);
      await p.commitOffsetsIfNecessary();
      await p.heartbeat();
    }
  }

  private idle(): void {
    this.busySince = 0;
    this.oldestInHand = 0;
    this.failures = 0;
  }
}

/** Connects a Kafka bus; fails if no broker answers. */
export async function createKafkaBus(opts: KafkaBusOptions): Promise<KafkaBus> {
  const bus = new KafkaBus(opts);
  try {
    return await bus.connect();
  } catch (err) {
    await bus.close().catch(() => {}); // the connect error below is the one to report
    throw err;
  }
}
