// In-process bus for one machine. Each consumer group has its own FIFO queue, so per-key order is
// kept; a batch whose handler throws is retried after a back-off (at least once). Producers wait
// when a group's queue passes HIGH_WATER, so a slow consumer slows publishers instead of
// growing memory without bound. With a dead-letter sink, a batch the handler fails on is split
// to set aside the message at fault (poison.ts) and the rest goes on. Each topic retains its last
// RETAINED_PER_TOPIC messages, which a new group subscribing `fromBeginning` reads first.
import { randomUUID } from 'node:crypto';
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

/** Messages a group may have waiting before publishers wait for it. */
export const HIGH_WATER_MESSAGES = 50_000;
const RETRY_BASE_MS = 50;
const RETRY_MAX_MS = 5_000;
/** Messages each topic keeps for groups that start from the beginning (Kafka's retention, in small). */
export const RETAINED_PER_TOPIC = 1_000;

class GroupQueue {
  private queue: BusMessage[] = [];
  private running = false;
  private closed = false;
  private waiters: (() => void)[] = [];
  private idle: (() => void)[] = [];
  /** When the batch in hand was first tried (epoch ms), 0 when idle. */
  private busySince = 0;
  private failures = 0;
  private deadLetters = 0;

  constructor(
    readonly opts: SubscribeOptions,
    private readonly log?: Logger,
    private readonly sink?: DeadLetterSink,
  ) {}

  status(now: number): ConsumerStatus {
    const t = this.opts.topic;
    return {
      group: this.opts.group,
      topic: typeof t === 'string' ? t : String(t),
      busyMs: this.busySince ? now - this.busySince : 0,
      oldestMs: this.queue.length ? now - this.queue[0].timestamp : 0,
      failures: this.failures,
      deadLetters: this.deadLetters,
      waiting: this.queue.length,
    };
  }

  matches(topic: string): boolean {
    const t = this.opts.topic;
    return typeof t === 'string' ? t === topic : t.test(topic);
  }

  get depth(): number {
    return this.queue.length;
  }

  push(msg: BusMessage): void {
    if (this.closed) return;
    this.queue.push(msg);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.pump());
    }
  }

  /** Past its high water: publishers wait (whenBelowHighWater). */
  get full(): boolean {
    return this.queue.length >= HIGH_WATER_MESSAGES && !this.closed;
  }

  whenBelowHighWater(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async pump(): Promise<void> {
    const max = this.opts.maxBatch ?? 500;
    let attempt = 0;
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, max);
      this.busySince ||= Date.now();
      try {
        if (this.sink) {
          const { group, handler } = this.opts;
          this.deadLetters += await deliverIsolating(batch, handler, {
            consumer: group,
            sink: this.sink,
            log: this.log,
            isRunning: () => !this.closed,
          });
        } else await this.opts.handler(batch);
        this.queue.splice(0, batch.length);
        attempt = 0;
        this.busySince = 0;
        this.failures = 0;
      } catch (err) {
        attempt += 1;
        this.failures = attempt;
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
        this.log?.warn({ err, group: this.opts.group, attempt, delay }, 'bus handler failed; redelivering batch');
        await new Promise((r) => setTimeout(r, delay));
      }
      if (this.queue.length < HIGH_WATER_MESSAGES && this.waiters.length) {
        for (const w of this.waiters.splice(0)) w();
      }
    }
    this.running = false;
    for (const w of this.idle.splice(0)) w();
  }

  /** Resolves once everything queued so far has been handled. */
  drained(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    for (const w of this.waiters.splice(0)) w();
    for (const w of this.idle.splice(0)) w();
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory';
  private closed = false;
  private groups = new Map<string, GroupQueue[]>();
  private byTopic = new Map<string, GroupQueue[]>();
  private readonly prefix = randomUUID().slice(0, 8);
  private seq = 0;
  /** Per topic, its last RETAINED_PER_TOPIC messages with their publication order. */
  private retained = new Map<string, { seq: number; msg: BusMessage }[]>();

  constructor(
    private readonly log?: Logger,
    private readonly deadLetters?: DeadLetterSink,
  ) {}

  // One message is what every device PUBLISH sends: no batch, no set and no await of its own, and
  // a promise already resolved unless a queue is past its high water (~4 % of the platform's thread
  // in the ingest bench went to the general path below).
  publish(topic: string, key: string | null, value: unknown): Promise<void> {
    const msg = this.stamp(topic, key, value, Date.now());
    let full: Promise<void>[] | null = null;
    for (const q of this.queuesFor(topic)) {
      q.push(msg);
      if (q.full) (full ??= []).push(q.whenBelowHighWater());
    }
    return full ? Promise.all(full).then(() => undefined) : Promise.resolve();
  }

  async publishMany(messages: { topic: string; key: string | null; value: unknown }[]): Promise<void> {
    const now = Date.now();
    const touched = new Set<GroupQueue>();
    for (const m of messages) {
      const msg = this.stamp(m.topic, m.key, m.value, now);
      for (const q of this.queuesFor(m.topic)) {
        q.push(msg);
        touched.add(q);
      }
    }
    for (const q of touched) await q.whenBelowHighWater();
  }

  /** The message as consumers get it, with its id; retained for groups that start from the beginning. */
  private stamp(topic: string, key: string | null, value: unknown, timestamp: number): BusMessage {
    const msg: BusMessage = { topic, key, value, id: `${this.prefix}-${++this.seq}`, timestamp };
    this.retain(msg);
    return msg;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const opts = withEventFilter(options);
    // One queue per group: a second subscriber of the same group shares it, as Kafka would.
    const q = new GroupQueue(opts, this.log, this.deadLetters);
    const list = this.groups.get(opts.group) ?? [];
    // As on Kafka, only a new group starts from the beginning; a member joining a group reads on.
    if (opts.fromBeginning && list.length === 0) for (const m of this.retainedFor(q)) q.push(m);
    list.push(q);
    this.groups.set(opts.group, list);
    this.byTopic.clear();
    return {
      close: async () => {
        q.close();
        const l = this.groups.get(opts.group) ?? [];
        this.groups.set(
          opts.group,
          l.filter((x) => x !== q),
        );
        this.byTopic.clear();
      },
    };
  }

  /** Test and shutdown helper: resolves when every queue is empty and idle. */
  async drained(): Promise<void> {
    for (const list of this.groups.values()) for (const q of list) await q.drained();
  }

  consumers(): ConsumerStatus[] {
    const now = Date.now();
    return [...this.groups.values()].flatMap((qs) => qs.map((q) => q.status(now)));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.groups.values()) for (const q of list) q.close();
    this.groups.clear();
    this.byTopic.clear();
    this.retained.clear();
  }

  private retain(msg: BusMessage): void {
    let log = this.retained.get(msg.topic);
    if (!log) this.retained.set(msg.topic, (log = []));
    log.push({ seq: this.seq, msg });
    // Trimmed once it holds twice what it keeps, not at every message: dropping the oldest of a full
    // log at each publish moved the whole array each time (~9 % of the platform's thread at 3,000 msg/s).
    if (log.length >= 2 * RETAINED_PER_TOPIC) log.splice(0, log.length - RETAINED_PER_TOPIC);
  }

  /** What the topics a new queue matches retain, in publication order. */
  private retainedFor(q: GroupQueue): BusMessage[] {
    const entries: { seq: number; msg: BusMessage }[] = [];
    for (const [topic, log] of this.retained) if (q.matches(topic)) entries.push(...log.slice(-RETAINED_PER_TOPIC));
    return entries.sort((a, b) => a.seq - b.seq).map((e) => e.msg);
  }

  private queuesFor(topic: string): GroupQueue[] {
    let list = this.byTopic.get(topic);
    if (!list) {
      list = [];
      for (const qs of this.groups.values()) {
        // Within one group a topic goes to exactly one member queue (the first that matches).
        const member = qs.find((q) => q.matches(topic));
        if (member) list.push(member);
      }
      this.byTopic.set(topic, list);
    }
    return list;
  }
}
