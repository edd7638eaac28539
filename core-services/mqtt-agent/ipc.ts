// The wire between the platform process and its MQTT workers (workers.ts, worker-main.ts): requests,
// replies and events over Node's IPC channel, batched. Everything queued during one turn of the
// event loop leaves in one IPC message (one serialisation, one write), so a worker forwarding
// thousands of PUBLISHes a second sends a few hundred IPC messages, not thousands. Order is kept:
// messages leave in the order they were queued and are handled in the order they arrive.

/** One item of a batch. `a` are the arguments, `v` a reply's value, `e` its error message. */
export type Wire =
  | { k: 'req'; id: number; op: string; a: unknown[] }
  | { k: 'res'; id: number; v?: unknown; e?: string }
  | { k: 'ev'; op: string; a: unknown[] };

/** A batch as it crosses the IPC channel. */
export interface WireBatch {
  dojotMqtt: Wire[];
}

export function isWireBatch(m: unknown): m is WireBatch {
  return typeof m === 'object' && m !== null && Array.isArray((m as WireBatch).dojotMqtt);
}

export type WireTopic = string | { source: string; flags: string };

export function topicToWire(t: string | RegExp): WireTopic {
  return typeof t === 'string' ? t : { source: t.source, flags: t.flags };
}

export function topicFromWire(t: WireTopic): string | RegExp {
  return typeof t === 'string' ? t : new RegExp(t.source, t.flags);
}

/** What the platform sends with the socket it hands over. */
export interface SocketNote {
  dojotMqttSocket: 'mqtt' | 'mqtts';
}

/** A worker's word that it holds the socket last handed to it: the next may go (workers.ts). */
export interface SocketTaken {
  dojotMqttSocketTaken: true;
  /**
   * Whether the worker is full once it holds it: said with the word that lets the next socket go,
   * so a worker filled by hand-overs is never handed one more (its stats come only every 250 ms).
   */
  full?: boolean;
}

export const isSocketTaken = (m: unknown): m is SocketTaken =>
  typeof m === 'object' && m !== null && (m as SocketTaken).dojotMqttSocketTaken === true;

/**
 * What the platform sends with its listening server of that port: the worker accepts on the same
 * socket itself (the kernel gives each connection to one of the processes waiting on it).
 */
export interface ListenerNote {
  dojotMqttListener: 'mqtt' | 'mqtts';
}

/** A worker that stopped accepting near its open-file limit asks for the listener again. */
export interface ListenAgain {
  dojotMqttListenAgain: 'mqtt' | 'mqtts';
}

const isKind = (k: unknown): k is 'mqtt' | 'mqtts' => k === 'mqtt' || k === 'mqtts';

export const isListenerNote = (m: unknown): m is ListenerNote =>
  typeof m === 'object' && m !== null && isKind((m as ListenerNote).dojotMqttListener);

export const isListenAgain = (m: unknown): m is ListenAgain =>
  typeof m === 'object' && m !== null && isKind((m as ListenAgain).dojotMqttListenAgain);

/** Items queued beyond this leave at once rather than at the end of the turn. */
const MAX_BATCH = 2_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares its own arguments
type Handler = (...args: any[]) => unknown;
/** Takes every request of one op found in one batch together; one answer per request, in order. */
type GroupHandler = (calls: unknown[][]) => Promise<void>;

export class Channel {
  private out: Wire[] = [];
  private scheduled = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private broken: Error | null = null;

  constructor(
    private readonly post: (batch: WireBatch) => void,
    private readonly handlers: Record<string, Handler> = {},
    /** Ops whose requests of one batch are handled together (e.g. publishes: one bus round trip). */
    private readonly groups: Record<string, GroupHandler> = {},
  ) {}

  request<T>(op: string, ...a: unknown[]): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue({ k: 'req', id, op, a });
    });
  }

  event(op: string, ...a: unknown[]): void {
    if (!this.broken) this.queue({ k: 'ev', op, a });
  }

  /** Hands an arrived batch to the handlers; replies are queued as they are ready. */
  receive(batch: WireBatch): void {
    const grouped = new Map<string, { ids: number[]; calls: unknown[][] }>();
    for (const w of batch.dojotMqtt) {
      if (w.k === 'res') {
        const p = this.pending.get(w.id);
        if (!p) continue;
        this.pending.delete(w.id);
        if (w.e !== undefined) p.reject(new Error(w.e));
        else p.resolve(w.v);
      } else if (this.groups[w.op] && w.k === 'req') {
        let g = grouped.get(w.op);
        if (!g) grouped.set(w.op, (g = { ids: [], calls: [] }));
        g.ids.push(w.id);
        g.calls.push(w.a);
      } else this.dispatch(w);
    }
    for (const [op, g] of grouped)
      this.groups[op](g.calls).then(
        () => {
          for (const id of g.ids) this.queue({ k: 'res', id });
        },
        (err: unknown) => {
          for (const id of g.ids) this.queue({ k: 'res', id, e: messageOf(err) });
        },
      );
  }

  /** The other side is gone: every request waiting for it fails, later ones fail at once. */
  fail(err: Error): void {
    this.broken = err;
    this.out = [];
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private dispatch(w: Exclude<Wire, { k: 'res' }>): void {
    const h = this.handlers[w.op];
    if (w.k === 'ev') {
      if (h) h(...w.a);
      return;
    }
    if (!h) return this.queue({ k: 'res', id: w.id, e: `unknown request ${w.op}` });
    let result: unknown;
    try {
      result = h(...w.a);
    } catch (err) {
      return this.queue({ k: 'res', id: w.id, e: messageOf(err) });
    }
    Promise.resolve(result).then(
      (v) => this.queue({ k: 'res', id: w.id, v }),
      (err: unknown) => this.queue({ k: 'res', id: w.id, e: messageOf(err) }),
    );
  }

  private queue(w: Wire): void {
    if (this.broken) return;
    this.out.push(w);
    if (this.out.length >= MAX_BATCH) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.out.length === 0 || this.broken) return;
    const batch = this.out;
    this.out = [];
    try {
      this.post({ dojotMqtt: batch });
    } catch (err) {
      this.fail(err as Error);
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
