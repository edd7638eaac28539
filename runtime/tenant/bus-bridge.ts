// How a tenant runtime's nodes reach the platform bus. Nodes see only this interface (through
// RED.settings.dojot); the tenant is implied, so a node can neither read nor write another
// tenant's topics. Embedded mode: IpcBusBridge, through the supervisor. Kafka mode:
// KafkaBusBridge (kafka-bus-bridge.ts), connected to the `<tenant>.<subject>` topics directly.
//
// The shapes the nodes see (subjects, the delivered message) are defined once, by their consumer,
// in nodes/_shared/services.ts and imported here as types only (nodes/ compile to CommonJS apart);
// the subject lists below are built from the platform's SUBJECTS and the compiler checks that they
// name exactly the nodes' subjects.
import { SUBJECTS } from '../../core-services/platform/contracts/topics.js';
import type { BusDelivery as DeliveredMessage, InboundSubject, OutboundSubject } from '../../nodes/_shared/services.js';
import type { Same } from '../../core-services/platform/types.js';
import type { BusDelivery, TenantSide } from '../supervisor/ipc.js';

export type { InboundSubject, OutboundSubject };

/** Subjects a runtime may receive (dojot fed flows from these two, §5.2). */
export const INBOUND_SUBJECTS = [SUBJECTS.deviceData, SUBJECTS.deviceManager] as const;
/** Subjects a runtime may publish to. */
export const OUTBOUND_SUBJECTS = [
  SUBJECTS.deviceData,
  SUBJECTS.deviceManager,
  SUBJECTS.notifications,
  SUBJECTS.ftp,
] as const;

/** Fails to compile when the lists above and the nodes' subject types drift apart. */
export type SubjectListsMatchNodes = [
  Same<(typeof INBOUND_SUBJECTS)[number], InboundSubject>,
  Same<(typeof OUTBOUND_SUBJECTS)[number], OutboundSubject>,
] extends [true, true]
  ? true
  : never;
const subjectListsMatchNodes: SubjectListsMatchNodes = true;
void subjectListsMatchNodes;

/** The supervisor's group on the in-process bus (one instance), forwarding every tenant's device messages over IPC. */
export const RUNTIME_BUS_GROUP = 'flow-runtimes';

/**
 * On Kafka, the consumer group one tenant's runtimes of every instance share: each device message
 * runs the tenant's flows once. Named after the tenant because a runtime's Kafka principal may use
 * only groups whose names begin with `<tenant>.` (runtime/supervisor/kafka-tenant-access.ts).
 */
export const runtimeBusGroup = (tenant: string): string => `${tenant}.flow-runtimes`;
/** On Kafka, the group of one instance's runtime of the tenant: for what every instance must hear whole (watch()). */
export const runtimeWatchGroup = (tenant: string, instance: string): string => `${tenant}.flow-runtimes-${instance}`;

/** A message as a node receives it (nodes/_shared/services.ts). */
export type TenantBusMessage = DeliveredMessage;

export type TenantBusHandler = (msg: TenantBusMessage) => void;

export interface BusBridge {
  readonly tenant: string;
  /** Listens to one of this tenant's subjects; returns the function that stops listening. */
  subscribe(subject: InboundSubject, handler: TenantBusHandler): () => void;
  /**
   * Like subscribe, but every runtime of the tenant (one per platform instance) hears every
   * message, where subscribe shares them out: for state each runtime keeps (caches).
   */
  watch(subject: InboundSubject, handler: TenantBusHandler): () => void;
  /** Publishes on `<tenant>.<subject>`; resolves once the bus holds the message. */
  publish(subject: OutboundSubject, key: string | null, value: unknown): Promise<void>;
}

export class IpcBusBridge implements BusBridge {
  private handlers = new Map<string, Set<TenantBusHandler>>();
  private outbox: {
    subject: string;
    key: string | null;
    value: unknown;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  received = 0;
  published = 0;

  constructor(
    readonly tenant: string,
    private readonly ipc: TenantSide,
  ) {
    ipc.on('bus.deliver', (d) => this.deliver(d));
  }

  subscribe(subject: InboundSubject, handler: TenantBusHandler): () => void {
    if (!(INBOUND_SUBJECTS as readonly string[]).includes(subject))
      throw new Error(`a flow cannot listen to ${subject}`);
    let set = this.handlers.get(subject);
    if (!set) this.handlers.set(subject, (set = new Set()));
    set.add(handler);
    this.announce();
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(subject);
      this.announce();
    };
  }

  /** One runtime per tenant here (the in-process bus runs one instance): the same as subscribe. */
  watch(subject: InboundSubject, handler: TenantBusHandler): () => void {
    return this.subscribe(subject, handler);
  }

  async publish(subject: OutboundSubject, key: string | null, value: unknown): Promise<void> {
    if (!(OUTBOUND_SUBJECTS as readonly string[]).includes(subject))
      throw new Error(`a flow cannot publish to ${subject}`);
    this.published += 1;
    // Messages published in one turn of the event loop cross the channel as one request: one
    // round trip per message would cap a runtime at a few thousand messages per second.
    return new Promise((resolve, reject) => {
      this.outbox.push({ subject, key, value, resolve, reject });
      if (this.outbox.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.outbox;
    this.outbox = [];
    this.ipc
      .request(
        'bus.publish',
        batch.map(({ subject, key, value }) => ({ subject, key, value })),
      )
      .then(
        () => batch.forEach((m) => m.resolve()),
        (err: Error) => batch.forEach((m) => m.reject(err)),
      );
  }

  private deliver(d: BusDelivery): void {
    const set = this.handlers.get(d.subject);
    if (!set) return;
    for (const m of d.messages) {
      this.received += 1;
      const msg: TenantBusMessage = {
        subject: d.subject,
        key: m.key,
        value: m.value,
        id: m.id,
        timestamp: m.timestamp,
      };
      for (const h of set) h(msg);
    }
  }

  /** The supervisor forwards only the subjects some node listens to. */
  private announce(): void {
    this.ipc.emit('bus.subscriptions', { subjects: [...this.handlers.keys()] });
  }
}
