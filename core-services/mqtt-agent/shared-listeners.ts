// An MQTT worker's own accepts on the platform's MQTT ports. The platform process sends each worker
// its listening servers (workers.ts); the kernel then gives each new connection to one of the
// processes waiting on the socket, so a connection reaches a worker without the round trip through
// the platform process that a hand-over costs. The platform process keeps listening too: what it
// accepts (when every worker is busy or stopped) it still hands over.
//
// A process may hold only its open-file limit of sockets, and the kernel does not balance accepts
// between processes. So a worker a little short of holding `max` connections (handed over ones
// included) stops accepting, closing only its own copy of the listening socket, and asks for it
// again once it is back under 90 % of that. The room left is for what the platform process hands
// it meanwhile (a connection in flight when it stopped, and more until it is full): only a worker
// at `max` closes a connection unserved.
import { readFileSync } from 'node:fs';
import type net from 'node:net';

export type ListenerKind = 'mqtt' | 'mqtts';

export interface SharedListenersOptions {
  /** Connections this worker may hold before it stops accepting (and being handed any). */
  max: number;
  /** A connection this worker accepted: the broker's from here on. */
  take: (kind: ListenerKind, socket: net.Socket) => void;
  /** Asks the platform process to send the listener of that kind again. */
  askAgain: (kind: ListenerKind) => void;
  onError: (err: Error) => void;
}

/** Sockets kept free of connections: the worker's bus, store and log pipes, and some slack. */
const FILES_KEPT_FREE = 500;
/** Connections short of `max` at which a worker stops accepting by itself: 1 % of max, at most 100. */
export const acceptHeadroom = (max: number): number => Math.min(100, Math.floor(max / 100));

/** The soft open-file limit of this process less what it needs beside connections (Linux). */
export function connectionsWithinFileLimit(limitsText?: string): number {
  let text = limitsText;
  try {
    text ??= readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (!soft || soft === 'unlimited') return Number.POSITIVE_INFINITY;
  return Math.max(100, Number(soft) - FILES_KEPT_FREE);
}

export class SharedListeners {
  private readonly servers = new Map<ListenerKind, net.Server>();
  /** Kinds whose listener was closed at the limit and not asked for again yet. */
  private readonly paused = new Set<ListenerKind>();
  private held = 0;
  private closed = false;
  /** Connections this worker accepted itself (not handed over). */
  accepted = 0;
  /** Connections closed unserved because this worker was full (its clients must try again). */
  closedFull = 0;

  /** opts.max, which may be set later (the worker learns the platform's setting after it starts). */
  max: number;

  constructor(private readonly opts: SharedListenersOptions) {
    this.max = opts.max;
  }

  /** Counts a connection this worker holds, however it came, until it closes. */
  hold(socket: net.Socket): void {
    this.held++;
    socket.once('close', () => {
      this.held--;
      if (this.paused.size && this.held < this.max * 0.9) this.resume();
    });
  }

  /** Closes a connection that came while this worker was full. */
  refuse(socket: net.Socket): void {
    this.closedFull++;
    socket.destroy();
  }

  /** Where this worker stops accepting by itself. */
  private get pauseAt(): number {
    return this.max - acceptHeadroom(this.max);
  }

  /** At its maximum: the platform process hands it nothing more either (workers.ts). */
  get full(): boolean {
    return this.held >= this.max;
  }

  /** Whether this worker accepts by itself now, per kind. */
  listening(): ListenerKind[] {
    return [...this.servers.keys()];
  }

  /** A listening server the platform process sent. */
  adopt(kind: ListenerKind, server: net.Server): void {
    if (this.closed || this.servers.has(kind)) return void server.close();
    if (this.held >= this.pauseAt) {
      this.paused.add(kind);
      return void server.close();
    }
    this.servers.set(kind, server);
    server.on('error', (err) => this.opts.onError(err));
    server.on('connection', (socket: net.Socket) => {
      // Accepted in the same turn as the one that filled this worker (libuv accepts in a loop): its
      // client tries again and reaches another process.
      if (this.full) return this.refuse(socket);
      this.accepted++;
      this.hold(socket);
      this.opts.take(kind, socket);
      if (this.held >= this.pauseAt) this.pause();
    });
  }

  /** Stops accepting here (the platform process and the other workers go on). */
  close(): void {
    this.closed = true;
    for (const s of this.servers.values()) s.close();
    this.servers.clear();
    this.paused.clear();
  }

  private pause(): void {
    for (const [kind, s] of this.servers) {
      s.close();
      this.paused.add(kind);
    }
    this.servers.clear();
  }

  private resume(): void {
    if (this.closed) return;
    for (const kind of this.paused) this.opts.askAgain(kind);
    this.paused.clear();
  }
}
