// The bus bridge of a runtime on Kafka: the runtime consumes its own tenant's topics with its own
// consumer group, shared with the same tenant's runtimes on the other instances (each device
// message runs the flows once), and produces to them directly. Nothing passes the supervisor.
//
// Consumers start with the runtime, before its flows do, so where a new group begins reading is
// fixed before the runtime reports ready. A message is handed to the nodes, and only then
// committed, once the flows run: while they are stopped (starting, or a full deploy in progress)
// the batch waits, and Kafka keeps what comes behind it. With the flows running, a message no
// node listens to is committed unread, as on the in-process bus.
//
// Waiting for the flows is an outage, not poison: those errors are marked transient so the bus
// redelivers the batch whole. A message the bridge fails on otherwise is set aside by the bus
// (poison.ts) and published on `<tenant>.dojot-red.dead-letters`, which the platform keeps: a
// runtime has no store of its own.
import type { KafkaBus } from '../../core-services/platform/bus/kafka.js';
import {
  transientError,
  type BusMessage,
  type DeadLetter,
  type Subscription,
} from '../../core-services/platform/bus/index.js';
import { SUBJECTS } from '../../core-services/platform/contracts/topics.js';
import type { Logger } from '../../core-services/platform/log.js';
import {
  INBOUND_SUBJECTS,
  OUTBOUND_SUBJECTS,
  runtimeBusGroup,
  runtimeWatchGroup,
  type BusBridge,
  type InboundSubject,
  type OutboundSubject,
  type TenantBusHandler,
  type TenantBusMessage,
} from './bus-bridge.js';

/**
 * How long a batch waits for the flows to run before it is handed back to Kafka (redelivered after
 * a back-off); below the consumer's session timeout, so a long start costs no rebalance, ms.
 */
const FLOWS_WAIT_MS = 10_000;
/** What watch() may listen to: only device events are kept as state (the device cache). */
const WATCHED_SUBJECTS: readonly InboundSubject[] = ['dojot.device-manager.device'];

export class KafkaBusBridge implements BusBridge {
  private readonly shared = new Map<string, Set<TenantBusHandler>>();
  private readonly watchers = new Map<string, Set<TenantBusHandler>>();
  private readonly subscriptions: Subscription[] = [];
  private flowsRunning = false;
  private flowsWaiters: { wake: () => void; fail: (err: Error) => void }[] = [];
  private closing = false;
  received = 0;
  published = 0;

  constructor(
    readonly tenant: string,
    private readonly bus: KafkaBus,
    /** This platform instance: names the group of watch(), which every instance must read whole. */
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  /** Joins the consumer groups; resolves once they read. */
  async start(): Promise<void> {
    this.bus.deadLetters = (letters) => this.publishDeadLetters(letters);
    for (const subject of INBOUND_SUBJECTS) {
      const topic = `${this.tenant}.${subject}`;
      this.subscriptions.push(
        await this.bus.subscribe({
          topic,
          group: runtimeBusGroup(this.tenant),
          handler: (b) => this.deliverShared(subject, b),
        }),
      );
    }
    for (const subject of WATCHED_SUBJECTS) {
      this.subscriptions.push(
        await this.bus.subscribe({
          topic: `${this.tenant}.${subject}`,
          group: runtimeWatchGroup(this.tenant, this.instance),
          handler: async (b) => this.deliver(this.watchers, subject, b),
        }),
      );
    }
  }

  /** Node-RED started or stopped the flows: messages are handed over only while they run. */
  setFlowsRunning(running: boolean): void {
    this.flowsRunning = running;
    if (running) for (const w of this.flowsWaiters.splice(0)) w.wake();
  }

  subscribe(subject: InboundSubject, handler: TenantBusHandler): () => void {
    return this.listen(this.shared, subject, handler);
  }

  watch(subject: InboundSubject, handler: TenantBusHandler): () => void {
    if (!WATCHED_SUBJECTS.includes(subject)) throw new Error(`a runtime cannot watch ${subject}`);
    return this.listen(this.watchers, subject, handler);
  }

  async publish(subject: OutboundSubject, key: string | null, value: unknown): Promise<void> {
    if (!(OUTBOUND_SUBJECTS as readonly string[]).includes(subject))
      throw new Error(`a flow cannot publish to ${subject}`);
    this.published += 1;
    // The Kafka bus coalesces publishes made while a request is in flight into the next one.
    await this.bus.publish(`${this.tenant}.${subject}`, key, value);
  }

  async close(): Promise<void> {
    // A waiting batch is not handed to nobody: it fails, stays uncommitted, and is read again by
    // whichever runtime of the tenant has the partition next.
    this.closing = true;
    for (const w of this.flowsWaiters.splice(0)) w.fail(transientError('the runtime is stopping'));
    for (const s of this.subscriptions.splice(0)) await s.close();
    await this.bus.close();
  }

  private listen(
    map: Map<string, Set<TenantBusHandler>>,
    subject: InboundSubject,
    handler: TenantBusHandler,
  ): () => void {
    if (!(INBOUND_SUBJECTS as readonly string[]).includes(subject))
      throw new Error(`a flow cannot listen to ${subject}`);
    let set = map.get(subject);
    if (!set) map.set(subject, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) map.delete(subject);
    };
  }

  private publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    const topic = `${this.tenant}.${SUBJECTS.deadLetters}`;
    return this.bus.publishMany(
      letters.map((l) => ({ topic, key: l.key, value: { ...l, value: serialisable(l.value) } })),
    );
  }

  private async deliverShared(subject: InboundSubject, batch: BusMessage[]): Promise<void> {
    if (this.closing) throw transientError('the runtime is stopping');
    if (!this.flowsRunning) await this.untilFlowsRun();
    this.deliver(this.shared, subject, batch);
  }

  private untilFlowsRun(): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.flowsWaiters = this.flowsWaiters.filter((w) => w !== waiter);
        reject(transientError(`the flows of ${this.tenant} are not running yet: the batch goes back to Kafka`));
      }, FLOWS_WAIT_MS);
      this.flowsWaiters.push(waiter);
    });
  }

  private deliver(map: Map<string, Set<TenantBusHandler>>, subject: InboundSubject, batch: BusMessage[]): void {
    const set = map.get(subject);
    if (map === this.shared) this.received += batch.length;
    if (!set) return;
    for (const m of batch) {
      const msg: TenantBusMessage = { subject, key: m.key, value: m.value, id: m.id, timestamp: m.timestamp };
      for (const h of set) {
        try {
          h(msg);
        } catch (err) {
          // A node that throws loses this message; the ones behind it still reach the flows.
          this.log.warn({ err, subject, key: m.key }, 'a flow node failed on a bus message');
        }
      }
    }
  }
}

/** The value itself if JSON can hold it, else a note why not (a value nested too deep, say). */
function serialisable(value: unknown): unknown {
  try {
    JSON.stringify(value);
    return value;
  } catch (err) {
    return `(not serialisable: ${(err as Error).message})`;
  }
}
