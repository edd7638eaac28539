// How many tenant runtimes may be starting at once (DOJOT_RUNTIME_START_CONCURRENCY). A Node-RED
// start takes a core for a second or more and its memory peaks while it loads; hundreds of them
// at once (a platform start with many tenants, a burst of wakes) would starve the platform and
// each other. A start holds a slot from the spawn until the runtime is ready or gone. Waiting
// starts go in order, those someone waits for (a device message, an editor request, a wake, a
// restart) before the background ones (the platform's own start); a background start that
// someone comes to wait for moves to the front.

/** A start's place: granted (it may spawn) or waiting; released once the runtime is ready or gone. */
export interface StartTicket {
  /** Whether it still waits for a slot. */
  readonly waiting: boolean;
  /** Someone waits for this start now: ahead of every background start. */
  promote(): void;
  /** Gives the slot back (or leaves the queue); idempotent. */
  release(): void;
}

interface Entry extends StartTicket {
  urgent: boolean;
  state: 'waiting' | 'granted' | 'done';
  onGranted: () => void;
}

export class StartSlots {
  private active = 0;
  /** Urgent entries first, then background ones; first come first served within each. */
  private readonly queue: Entry[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`start concurrency must be at least 1, got ${limit}`);
  }

  /** Starts being made now. */
  get running(): number {
    return this.active;
  }

  /** Starts waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Asks for a slot; `onGranted` runs at once when one is free, else when its turn comes. */
  take(urgent: boolean, onGranted: () => void): StartTicket {
    const entry: Entry = {
      urgent,
      state: 'waiting',
      onGranted,
      get waiting() {
        return entry.state === 'waiting';
      },
      promote: () => {
        if (entry.state !== 'waiting' || entry.urgent) return;
        this.remove(entry);
        entry.urgent = true;
        this.enqueue(entry);
      },
      release: () => {
        if (entry.state === 'waiting') this.remove(entry);
        else if (entry.state === 'granted') {
          this.active -= 1;
          queueMicrotask(() => this.pump());
        }
        entry.state = 'done';
      },
    };
    this.enqueue(entry);
    this.pump();
    return entry;
  }

  private enqueue(entry: Entry): void {
    if (!entry.urgent) {
      this.queue.push(entry);
      return;
    }
    const firstBackground = this.queue.findIndex((e) => !e.urgent);
    this.queue.splice(firstBackground === -1 ? this.queue.length : firstBackground, 0, entry);
  }

  private remove(entry: Entry): void {
    const i = this.queue.indexOf(entry);
    if (i !== -1) this.queue.splice(i, 1);
  }

  private pump(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      const next = this.queue.shift()!;
      next.state = 'granted';
      this.active += 1;
      next.onGranted();
    }
  }
}
