// A driver that runs no Node-RED: each "runtime" is an object in this process that speaks the
// runtime's side of the IPC protocol (asks for its options, says ready, beats), so the
// supervisor's state machine (start, crash, back-off, safe mode, give up, stop) can be tested in
// milliseconds. Tests steer it: crash a runtime, make the next starts fail, or silence its heartbeat.
import { IpcPeer, type BusDelivery, type TenantLaunchOptions, type TenantSide } from '../ipc.js';
import type { IsolationReport, RuntimeDriver, RuntimeExit, RuntimeLaunch, RuntimeProcess } from './driver.js';

export interface StubBehaviour {
  /** The next this-many starts die before saying ready. */
  failStarts: number;
  /** Whether new runtimes beat (a silent one is killed by the watchdog). */
  heartbeat: boolean;
  /** The subjects new runtimes' nodes listen to. */
  subjects: string[];
  /** Whether the nodes say what they listen to before `ready` (as Node-RED's flows may), rather than after. */
  subscribeBeforeReady: boolean;
  /** Whether the nodes say it one subject at a time (as a node listening to two subjects does). */
  subscribeStepwise: boolean;
  /** What new runtimes' heartbeats say beyond the counters (pending timers, open editors). */
  beat: { timers: number; editors: number; sockets: number };
  /** How long `runtime.stop` takes, ms. */
  stopDelayMs: number;
  /** How long a start takes before the runtime says ready, ms. */
  readyDelayMs: number;
  /** What new runtimes' `ready` says: whether SIGINT stops an overrunning function node. */
  functionInterrupt: boolean;
}

let nextPid = 1_000_000;

export class StubRuntime implements RuntimeProcess {
  readonly pid = nextPid++;
  connected = true;
  /** The launch options the runtime asked for (what a real child would run with). */
  options: TenantLaunchOptions | null = null;
  /** Device messages handed to this runtime, in order. */
  readonly received: BusDelivery[] = [];
  private readonly child: TenantSide;
  private toParent: ((p: unknown) => void) | null = null;
  private exitFn: ((e: RuntimeExit) => void) | null = null;
  private beat: NodeJS.Timeout | null = null;
  private ended = false;
  /** Set while its event loop is blocked: in a function node, or elsewhere. */
  private blocked: 'function' | 'elsewhere' | null = null;
  /** Every signal sent to it, in order. */
  readonly signals: NodeJS.Signals[] = [];

  constructor(
    readonly tenant: string,
    behaviour: StubBehaviour,
    dieAtStart: boolean,
  ) {
    this.child = new IpcPeer((p) => {
      if (!this.ended) queueMicrotask(() => this.toParent?.(p));
    });
    // Stopping the flows takes stopDelayMs; then the process exits.
    this.child.serve('runtime.stop', async () => {
      // Stopped flows close their nodes, which stop listening (as Node-RED's do).
      this.child.emit('bus.subscriptions', { subjects: [] });
      await new Promise((r) => setTimeout(r, behaviour.stopDelayMs));
      setImmediate(() => this.exit(0, null));
    });
    this.child.serve('flows.reload', () => undefined);
    this.child.on('bus.deliver', (d) => this.received.push(d));
    setImmediate(async () => {
      try {
        this.options = await this.child.request('launch.options');
      } catch {
        return;
      }
      if (behaviour.readyDelayMs > 0) await new Promise((r) => setTimeout(r, behaviour.readyDelayMs));
      if (this.ended) return;
      if (dieAtStart) return this.exit(1, null, 'stub: failed at start');
      const subjects = behaviour.subjects;
      const subscribe = () => {
        if (behaviour.subscribeStepwise)
          subjects.forEach((_, i) => this.child.emit('bus.subscriptions', { subjects: subjects.slice(0, i + 1) }));
        else this.child.emit('bus.subscriptions', { subjects });
      };
      if (behaviour.subscribeBeforeReady) subscribe();
      this.child.emit('ready', { port: 0, functionInterrupt: behaviour.functionInterrupt });
      if (!behaviour.subscribeBeforeReady) subscribe();
      if (behaviour.heartbeat) {
        const send = () =>
          this.blocked ||
          this.child.emit('heartbeat', {
            rssBytes: 1,
            heapUsedBytes: 1,
            nodeMessages: 0,
            busIn: this.received.length,
            busOut: 0,
            contextWriteFailures: 0,
            contextWritesPending: 0,
            ...behaviour.beat,
          });
        send();
        this.beat = setInterval(send, this.options?.heartbeatMs ?? 100);
      }
    });
  }

  send(packet: unknown): void {
    if (!this.connected) throw new Error('tenant runtime channel closed');
    queueMicrotask(() => this.child.receive(packet));
  }

  onMessage(fn: (packet: unknown) => void): void {
    this.toParent = fn;
  }

  onExit(fn: (exit: RuntimeExit) => void): void {
    this.exitFn = fn;
  }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    // SIGINT stops a function node and the loop goes on; anywhere else it ends the process (--trace-sigint).
    if (signal === 'SIGINT' && this.blocked === 'function') {
      this.blocked = null;
      return;
    }
    setImmediate(() => this.exit(null, signal));
  }

  /** As an endless loop: no heartbeat until SIGINT stops it (in a function node) or the process ends. */
  block(where: 'function' | 'elsewhere'): void {
    this.blocked = where;
  }

  rssBytes(): number | null {
    return this.ended ? null : 1;
  }

  /** As a crash: the process is gone. */
  crash(): void {
    this.exit(1, null, 'stub: crashed');
  }

  private exit(code: number | null, signal: string | null, stderr = ''): void {
    if (this.ended) return;
    this.ended = true;
    this.connected = false;
    if (this.beat) clearInterval(this.beat);
    this.exitFn?.({ code, signal, stderr });
  }
}

export class StubDriver implements RuntimeDriver {
  readonly name = 'stub';
  readonly behaviour: StubBehaviour = {
    failStarts: 0,
    heartbeat: true,
    subjects: [],
    subscribeBeforeReady: false,
    subscribeStepwise: false,
    beat: { timers: 0, editors: 0, sockets: 0 },
    stopDelayMs: 0,
    readyDelayMs: 0,
    functionInterrupt: true,
  };
  /** Every runtime started, newest last. */
  readonly started: StubRuntime[] = [];

  async prepare(): Promise<void> {}

  async start(launch: RuntimeLaunch): Promise<RuntimeProcess> {
    const die = this.behaviour.failStarts > 0;
    if (die) this.behaviour.failStarts -= 1;
    const rt = new StubRuntime(launch.tenant, this.behaviour, die);
    this.started.push(rt);
    return rt;
  }

  /** The newest runtime of a tenant. */
  latest(tenant: string): StubRuntime | undefined {
    return this.started.filter((r) => r.tenant === tenant).at(-1);
  }

  async forget(): Promise<void> {}

  isolation(): IsolationReport {
    return {
      driver: this.name,
      isolated: false,
      defences: { all: { on: false, how: 'the stub driver runs no process: for tests of the supervisor only' } },
    };
  }

  async close(): Promise<void> {}
}
