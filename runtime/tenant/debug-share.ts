// Debug messages across instances: with several platform instances each device message runs a
// tenant's flows on one of them, so an editor connected to one instance would show the debug
// sidebar of only its share of the messages. Each runtime hands its debug nodes' messages to its
// supervisor (which puts them on the bus for the other instances), and shows the other instances'
// messages to its own editors. Debug output is for people: it is capped, and what is over the cap
// stays local (Node-RED's own sidebar shows it here).
import type { TenantSide } from '../supervisor/ipc.js';

/** Debug messages shared per second at most, per runtime. */
const SHARED_PER_SECOND = 100;

interface CommsEvent {
  topic?: string;
  data?: unknown;
  retain?: boolean;
  /** Set on what came from another instance: it is not shared again. */
  remote?: boolean;
}

interface Events {
  on(name: string, fn: (...args: unknown[]) => void): void;
  emit(name: string, ...args: unknown[]): void;
}

export class DebugShare {
  shared = 0;
  capped = 0;
  private windowStart = 0;
  private inWindow = 0;

  constructor(
    private readonly events: Events,
    private readonly ipc: TenantSide,
  ) {}

  start(): void {
    this.events.on('comms', (e) => this.onLocal(e as CommsEvent));
    this.ipc.on('debug.remote', ({ data }) =>
      this.events.emit('comms', { topic: 'debug', data, retain: false, remote: true } satisfies CommsEvent),
    );
  }

  private onLocal(e: CommsEvent): void {
    if (e?.topic !== 'debug' || e.remote) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow > SHARED_PER_SECOND) {
      this.capped += 1;
      return;
    }
    this.shared += 1;
    try {
      this.ipc.emit('debug.share', { data: e.data });
    } catch {
      /* the supervisor is gone: this process is about to end */
    }
  }
}
