// Timers across instances: every platform instance runs every tenant's flows, and device messages
// are shared out between them by Kafka, but a timer (an inject node's interval or cron, its "once
// at start") would fire on every instance, and a flow's own subscription to an outside broker
// (mqtt in) would receive each message once per instance. Only the instance that holds the
// tenant's timer lease (the supervisor claims it, runtime/storage/timer-leases.ts) lets these
// nodes send; elsewhere their messages are dropped at the source. A button press in the editor
// fires on the instance it was pressed on.
export const LEASED_SOURCE_TYPES: ReadonlySet<string> = new Set(['inject', 'mqtt in']);

/** How long a button press in the editor lets its inject node send, ms. */
const MANUAL_PASS_MS = 2_000;

interface SendEvent {
  source?: { id?: string; node?: { type?: string } };
}

export class TimerGate {
  private owner: boolean | null;
  private waiting: ((owner: boolean) => void)[] = [];
  private readonly manual = new Map<string, number>();
  dropped = 0;

  /** leased: the supervisor says whether this runtime holds the lease; otherwise it always does. */
  constructor(leased: boolean) {
    this.owner = leased ? null : true;
  }

  get isOwner(): boolean | null {
    return this.owner;
  }

  setOwner(owner: boolean): void {
    this.owner = owner;
    for (const wake of this.waiting.splice(0)) wake(owner);
  }

  /** The editor's inject button was pressed for this node. */
  allowManual(nodeId: string): void {
    this.manual.set(nodeId, Date.now() + MANUAL_PASS_MS);
  }

  /** Node-RED's onSend hook: false stops the send; a promise while the lease is not known yet. */
  readonly onSend = (events: unknown): false | undefined | Promise<false | undefined> => {
    const first = (Array.isArray(events) ? events[0] : events) as SendEvent | undefined;
    const type = first?.source?.node?.type;
    if (!type || !LEASED_SOURCE_TYPES.has(type)) return undefined;
    const id = first.source?.id ?? '';
    const pass = this.manual.get(id);
    if (pass !== undefined) {
      this.manual.delete(id);
      if (pass >= Date.now()) return undefined;
    }
    if (this.owner === null)
      return new Promise((resolve) => this.waiting.push((owner) => resolve(this.verdict(owner))));
    return this.verdict(this.owner);
  };

  private verdict(owner: boolean): false | undefined {
    if (owner) return undefined;
    this.dropped += 1;
    return false;
  }
}
