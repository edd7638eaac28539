// One tenant's Node-RED process as a state machine: `state` is what is, `targetState` what should
// be. A process that dies (or stops answering heartbeats) while it should run is restarted after a
// back-off; too many crashes in a row start it in safe mode (editor up, flows stopped), which is
// reported on /flows/v1/runtime rather than retried forever.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core-services/platform/log.js';
import type { RuntimeDriver, RuntimeExit, RuntimeProcess } from './drivers/driver.js';
import { IpcPeer, type BusDelivery, type HeartbeatData, type SupervisorSide, type TenantLaunchOptions } from './ipc.js';
import type { StartSlots, StartTicket } from './start-slots.js';

/**
 * `queued`: its start waits for a free start slot (DOJOT_RUNTIME_START_CONCURRENCY); device
 * messages are held meanwhile.
 * `failed`: it kept crashing even in safe mode; it is retried only when asked again (a request or a change).
 * `hibernating`: it was idle for `idleMs` and its process stopped (or, at the platform's start, it
 * was not started: see `startAsleep`); a device message, an editor request or a change starts it
 * again, and device messages are held meanwhile.
 */
export type RuntimeState =
  'stopped' | 'queued' | 'starting' | 'running' | 'crashed' | 'stopping' | 'failed' | 'hibernating';

/** `background`: nobody waits for this start (the platform's own start); it yields to the others. */
export type StartPriority = 'urgent' | 'background';

/** What woke a hibernating runtime. */
export type WakeReason = 'device message' | 'editor' | 'request';

/** First restart delay, ms; doubles per consecutive crash. */
const RESTART_BACKOFF_BASE_MS = 250;
/** Longest restart delay, ms. */
const RESTART_BACKOFF_MAX_MS = 10_000;
/** A run this long resets the crash count, ms. */
const STABLE_RUN_MS = 30_000;
/** Consecutive crashes before the next start is in safe mode (flows not started). */
export const MAX_CRASHES_BEFORE_SAFE_MODE = 5;
/** Consecutive crashes (safe-mode starts included) after which no restart is tried on its own. */
export const MAX_CRASHES_BEFORE_GIVING_UP = 8;
/** How long Node-RED may take to start before the start counts as a crash, ms. */
const START_TIMEOUT_MS = 60_000;
/** What V8 writes to stderr when the heap reaches its cap. */
const V8_OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;
/** Bytes of randomness in the secret the platform's proxy shows the runtime's HTTP server. */
const PROXY_SECRET_BYTES = 32;

/** Why a runtime that was meant to run exited, from what it wrote to stderr last. */
export function crashReason(stderr: string, maxOldSpaceMb: number): string {
  return V8_OUT_OF_MEMORY.test(stderr)
    ? `out of memory (heap capped at ${maxOldSpaceMb} MB: DOJOT_RUNTIME_MAX_OLD_SPACE_MB)`
    : 'crashed';
}
/** How long `runtime.stop` may take before the process is killed, ms. */
const STOP_GRACE_MS = 5_000;
/**
 * Device messages that arrive between a (re)start and the nodes saying they listen to their
 * subject are held, at most this many, and handed over once the runtime is ready and they have
 * (the nodes may say it before `ready` or after, and one subject at a time); what is still held
 * READY_LISTEN_GRACE_MS after `ready`, on a subject no node listens to, is dropped.
 */
const BACKLOG_MAX_MESSAGES = 10_000;
const READY_LISTEN_GRACE_MS = 5_000;

export interface RuntimeSettings {
  /** V8 old-space cap of the process, MB. */
  maxOldSpaceMb: number;
  /** Heartbeat period, ms. */
  heartbeatMs: number;
  /** A process silent this long is killed and restarted (an endless loop blocks its event loop), ms. */
  heartbeatTimeoutMs: number;
  launch: Omit<TenantLaunchOptions, 'tenant' | 'safeMode' | 'instance' | 'proxySecret' | 'egress'>;
  /** This platform instance. */
  instance: string;
  /** Whether the runtime's HTTP server demands the proxy's secret (DOJOT_RUNTIME_SANDBOX_OFF=proxy-secret turns it off). */
  proxySecret: boolean;
  /**
   * A runtime with no device message, no editor request, no message between its nodes, no editor
   * open and no timer pending for this long hibernates, ms (0: never; DOJOT_RUNTIME_IDLE_SECONDS).
   */
  idleMs?: number;
  /** How many runtimes may be starting at once (DOJOT_RUNTIME_START_CONCURRENCY; absent: no bound). */
  startConcurrency?: number;
  /** Restart back-off, ms (tests of the state machine shorten it). */
  backoff?: { baseMs: number; maxMs: number };
}

/** Where the proxy reaches a running runtime, and the secret its requests must carry. */
export interface RuntimeEndpoint {
  port: number;
  secret: string | null;
}

export interface RuntimeReport {
  tenant: string;
  state: RuntimeState;
  targetState: 'running' | 'stopped';
  safeMode: boolean;
  pid: number | null;
  port: number | null;
  restarts: number;
  memory: { rssBytes: number; heapUsedBytes: number } | null;
  /** busDropped: device messages dropped because the runtime could not take them yet (a full backlog). */
  messages: { nodes: number; busIn: number; busOut: number; busDropped: number };
  /** Persistent-context writes: failed attempts to store them, and those still waiting (retried). */
  context: { writeFailures: number; writesPending: number };
  startedAt: number | null;
  /** Whether this instance holds the tenant's timer lease: its inject timers fire here (null: one instance, no lease). */
  timersOwner: boolean | null;
  lastExit: { code: number | null; signal: string | null; at: number; reason: string } | null;
  /** Times it hibernated since the platform started. */
  hibernations: number;
  /** Times a function node ran past the function timeout and was interrupted (SIGINT) since the platform started. */
  functionInterrupts: number;
  /**
   * What keeps it from hibernating, at its last heartbeat: pending timers, open editors, sockets
   * the flows opened; and how long it has been idle, ms. Null while it does not run.
   */
  busy: { timers: number; editors: number; sockets: number; idleMs: number } | null;
  /**
   * The last wake from hibernation: what woke it, when, how long the start took (wake → ready,
   * ms) and how long the first held device message waited (its arrival → handed to the runtime,
   * ms; null when no message was held).
   */
  lastWake: WakeReport | null;
}

export interface WakeReport {
  reason: WakeReason;
  at: number;
  startMs: number | null;
  firstMessageMs: number | null;
}

export class TenantRuntime {
  state: RuntimeState = 'stopped';
  targetState: 'running' | 'stopped' = 'stopped';
  port: number | null = null;
  restarts = 0;
  safeMode = false;
  subjects = new Set<string>();
  /** Whether this instance holds the tenant's timer lease; null until known (or when there is no lease). */
  timersOwner: boolean | null = null;
  /** Whether the nodes have said what they listen to since the last start. */
  private listening = false;
  /**
   * Whether READY_LISTEN_GRACE_MS has passed since the start: nodes announce their subjects one
   * by one as the flows start, so until then a message on a subject not (yet) listened to is held.
   */
  private settled = false;
  private backlog: BusDelivery[] = [];
  private backlogSize = 0;
  /** Device messages dropped from a full backlog, since this object was made / since the last start. */
  private busDropped = 0;
  private droppedSinceStart = 0;
  /** When the oldest message still held arrived (epoch ms). */
  private backlogSince: number | null = null;
  /** Last sign of use: a device message, an editor request, messages moving in the runtime. */
  private lastActivity = Date.now();
  /** Set while the process stops to hibernate, and while it hibernates. */
  private sleeping = false;
  /**
   * False for a runtime asleep since the platform's start: it never said what its nodes listen
   * to, so a device message on any subject wakes it.
   */
  private subjectsKnown = true;
  /** Its place among the starts (DOJOT_RUNTIME_START_CONCURRENCY), from spawn until ready or gone. */
  private ticket: StartTicket | null = null;
  /** Whether the next spawn waits behind the starts someone waits for. */
  private priority: StartPriority = 'urgent';
  /** A wake asked for while the process was still stopping to hibernate. */
  private wakeAsked: WakeReason | null = null;
  /** The wake under way (until the first held message is handed over, or none was held). */
  private waking: { reason: WakeReason; at: number; report: WakeReport | null } | null = null;
  private hibernations = 0;
  private lastWake: WakeReport | null = null;
  private child: RuntimeProcess | null = null;
  private secret: string | null = null;
  /** Counts spawns: a process whose start resolves after a newer spawn is not this runtime's. */
  private generation = 0;
  private ipc: SupervisorSide | null = null;
  private crashes = 0;
  private startedAt: number | null = null;
  private lastBeat = 0;
  private beat: HeartbeatData | null = null;
  private lastExit: RuntimeReport['lastExit'] = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private killReason = '';
  /** Whether the running process stops an overrunning function node on SIGINT (its `ready` said so). */
  private interruptible = false;
  /** The silence (ms) at which SIGINT was sent, until the next heartbeat; 0: none sent. */
  private interruptedAtSilence = 0;
  private interrupts = 0;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Those waiting for the current process to be gone. */
  private exitWaiters: (() => void)[] = [];
  private reloadPending = false;

  constructor(
    readonly tenant: string,
    private readonly settings: RuntimeSettings,
    private readonly log: Logger,
    /** Wires the supervisor's request handlers onto a new channel. */
    private readonly attach: (ipc: SupervisorSide, rt: TenantRuntime) => void,
    private readonly driver: RuntimeDriver,
    /** Bounds the starts made at once, shared by the supervisor's runtimes (none: unbounded). */
    private readonly slots: StartSlots | null = null,
  ) {}

  /** Where the platform's proxy reaches the runtime, while it runs. */
  endpoint(): RuntimeEndpoint | null {
    return this.state === 'running' && this.port !== null ? { port: this.port, secret: this.secret } : null;
  }

  /**
   * Makes the runtime run; resolves once it serves (or rejects when it cannot start). A
   * hibernating runtime wakes; `reason` says who asked (an editor request counts as use). A
   * `background` start waits behind the others for a start slot; any other start of a runtime
   * still waiting for its slot moves it to the front.
   */
  start(reason: WakeReason = 'request', priority: StartPriority = 'urgent'): Promise<void> {
    this.targetState = 'running';
    this.lastActivity = Date.now();
    if (this.state === 'running') return Promise.resolve();
    if (priority === 'urgent') this.promote();
    this.priority = priority;
    const p = this.whenRunning();
    if (this.sleeping) this.wake(reason);
    else {
      if (this.state === 'failed') this.crashes = MAX_CRASHES_BEFORE_SAFE_MODE;
      if (this.state === 'stopped' || this.state === 'failed') this.spawn();
    }
    return p;
  }

  /**
   * At the platform's start, for a tenant whose flows have nothing to run of their own (hibernation
   * on): it is left hibernating without a process, and wakes as a hibernated one does. What its
   * nodes listen to is not known yet, so a device message on any subject wakes it.
   */
  startAsleep(): void {
    if (this.state !== 'stopped') return;
    this.targetState = 'running';
    this.sleeping = true;
    this.subjectsKnown = false;
    this.setState('hibernating');
  }

  /** Someone waits for this runtime: a start still waiting for its slot goes ahead of the background ones. */
  private promote(): void {
    this.priority = 'urgent';
    if (this.ticket?.waiting) this.ticket.promote();
  }

  whenRunning(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async stop(): Promise<void> {
    this.targetState = 'stopped';
    this.sleeping = false;
    this.wakeAsked = null;
    this.waking = null;
    if (this.backlogSize > 0) {
      // Stopped on purpose (tenant disabled or removed): what it held goes, counted and said.
      this.busDropped += this.backlogSize;
      this.log.info({ dropped: this.backlogSize }, 'tenant runtime stopped: device messages held for it were dropped');
    }
    this.dropBacklog();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (!child) {
      this.releaseSlot();
      // A start still under way in the driver is killed when it arrives.
      this.generation += 1;
      if (this.watchdog) clearInterval(this.watchdog);
      this.watchdog = null;
      this.setState('stopped');
      for (const w of this.waiters.splice(0)) w.reject(new Error('tenant runtime stopped'));
      return;
    }
    this.setState('stopping');
    await this.shutdown(child);
  }

  /** Asks the process to stop its flows and exit; kills it past the grace. */
  private async shutdown(child: RuntimeProcess): Promise<void> {
    const exited = new Promise<void>((r) => this.exitWaiters.push(r));
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await Promise.race([this.ipc!.request('runtime.stop'), exited]);
    } catch {
      /* already gone */
    }
    child.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
  }

  /** Whether the runtime has been idle long enough to hibernate (checked with every heartbeat period). */
  private idle(): boolean {
    const idleMs = this.settings.idleMs ?? 0;
    return (
      idleMs > 0 &&
      this.state === 'running' &&
      this.targetState === 'running' &&
      !this.sleeping &&
      this.child !== null &&
      this.beat !== null &&
      this.beat.timers === 0 &&
      this.beat.editors === 0 &&
      this.beat.sockets === 0 &&
      this.backlog.length === 0 &&
      !this.reloadPending &&
      Date.now() - this.lastActivity >= idleMs
    );
  }

  /** Stops an idle runtime's process; it wakes on the next device message, editor request or change. */
  private async hibernate(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.sleeping = true;
    this.listening = false;
    this.log.info({ idleMs: this.settings.idleMs, pid: child.pid }, 'tenant runtime idle: hibernating');
    this.setState('stopping');
    await this.shutdown(child);
  }

  private wake(reason: WakeReason): void {
    if (this.state !== 'hibernating') {
      // Still stopping to hibernate: it starts again once gone.
      this.wakeAsked ??= reason;
      return;
    }
    this.sleeping = false;
    this.waking = { reason, at: Date.now(), report: null };
    this.log.info({ reason }, 'tenant runtime waking from hibernation');
    this.spawn();
  }

  /** Applies a change made to the store over REST: reload now, or once the process is up. */
  async reload(): Promise<void> {
    if (this.state === 'running' && this.ipc) {
      this.safeMode = false;
      await this.ipc.request('flows.reload');
    } else if (this.state === 'starting') this.reloadPending = true;
  }

  /** Hands device messages to the runtime, holding them while it (re)starts. */
  deliver(delivery: BusDelivery): void {
    if (this.targetState !== 'running') return;
    if (this.sleeping) {
      // What the runtime listened to before it slept is what it listens to on waking.
      if (this.subjectsKnown && !this.subjects.has(delivery.subject)) return;
      this.hold(delivery);
      this.wake('device message');
      return;
    }
    this.lastActivity = Date.now();
    if (!this.listening || this.state !== 'running') {
      this.hold(delivery);
      this.promote();
      return;
    }
    if (!this.subjects.has(delivery.subject)) {
      if (!this.settled) this.hold(delivery);
      return;
    }
    try {
      this.ipc?.emit('bus.deliver', delivery);
    } catch {
      /* the runtime is going away: what it held is re-sent to nobody (device data is a stream) */
    }
  }

  private hold(delivery: BusDelivery): void {
    if (this.backlog.length === 0) this.backlogSince = Date.now();
    this.backlog.push(delivery);
    this.backlogSize += delivery.messages.length;
    let dropped = 0;
    while (this.backlogSize > BACKLOG_MAX_MESSAGES && this.backlog.length > 1) {
      const n = this.backlog.shift()!.messages.length;
      this.backlogSize -= n;
      dropped += n;
    }
    if (dropped > 0) {
      // Counted (the report's messages.busDropped) and said once per start, not per batch.
      if (this.droppedSinceStart === 0)
        this.log.warn(
          { dropped, held: this.backlogSize, max: BACKLOG_MAX_MESSAGES },
          'tenant runtime is not listening yet and holds too many device messages: dropping the oldest',
        );
      this.droppedSinceStart += dropped;
      this.busDropped += dropped;
    }
  }

  private dropBacklog(): void {
    this.backlog = [];
    this.backlogSize = 0;
    this.droppedSinceStart = 0;
    this.backlogSince = null;
  }

  /**
   * The nodes said what they listen to (or the grace passed). Their word may come before `ready`
   * (flows start inside RED.start): the backlog then waits for `ready`, which flushes it.
   */
  private startListening(): void {
    this.listening = true;
    this.flushBacklog();
  }

  /** Hands over what was held, once the runtime both runs and listens. */
  private flushBacklog(): void {
    if (!this.listening || this.state !== 'running' || this.backlog.length === 0) return;
    const held = this.backlog;
    const since = this.backlogSince;
    if (this.droppedSinceStart > 0)
      this.log.warn(
        { dropped: this.droppedSinceStart },
        'tenant runtime listens: the oldest device messages held while it started were dropped',
      );
    this.dropBacklog();
    for (const d of held) this.deliver(d);
    // Those on subjects not listened to yet are held again, until the grace passes.
    const handed = held.length > this.backlog.length;
    const report = this.waking?.report;
    if (report && since !== null && handed) {
      report.firstMessageMs = Math.max(0, Date.now() - Math.max(since, this.waking!.at));
      this.waking = null;
      this.log.info(report, 'tenant runtime woke: held device messages handed over');
    }
  }

  /** The supervisor renewed (or lost) the tenant's timer lease. */
  setTimersOwner(owner: boolean): void {
    const changed = owner !== this.timersOwner;
    this.timersOwner = owner;
    if (changed)
      this.log.info(
        { owner },
        owner ? 'timers of this tenant run on this instance' : 'timers of this tenant run on another instance',
      );
    if (this.state === 'running' || this.state === 'starting') this.tellTimers();
  }

  private tellTimers(): void {
    if (this.timersOwner === null || !this.ipc) return;
    try {
      this.ipc.emit('timers.owner', { owner: this.timersOwner });
    } catch {
      /* the runtime is going away; its successor is told when it starts */
    }
  }

  get channel(): SupervisorSide | null {
    return this.state === 'running' ? this.ipc : null;
  }

  report(): RuntimeReport {
    return {
      tenant: this.tenant,
      state: this.state,
      targetState: this.targetState,
      safeMode: this.safeMode,
      pid: this.child?.pid ?? null,
      port: this.port,
      restarts: this.restarts,
      // Resident memory as the driver measured it; the runtime's own word only for the heap.
      memory: this.beat
        ? { rssBytes: this.child?.rssBytes() ?? this.beat.rssBytes, heapUsedBytes: this.beat.heapUsedBytes }
        : null,
      messages: {
        nodes: this.beat?.nodeMessages ?? 0,
        busIn: this.beat?.busIn ?? 0,
        busOut: this.beat?.busOut ?? 0,
        busDropped: this.busDropped,
      },
      context: {
        writeFailures: this.beat?.contextWriteFailures ?? 0,
        writesPending: this.beat?.contextWritesPending ?? 0,
      },
      startedAt: this.startedAt,
      timersOwner: this.settings.launch.timersLeased ? this.timersOwner : null,
      lastExit: this.lastExit,
      hibernations: this.hibernations,
      functionInterrupts: this.interrupts,
      busy: this.beat
        ? {
            timers: this.beat.timers,
            editors: this.beat.editors,
            sockets: this.beat.sockets,
            idleMs: Date.now() - this.lastActivity,
          }
        : null,
      lastWake: this.lastWake,
    };
  }

  /** Starts a process once a start slot is free (at once without slots). */
  private spawn(): void {
    this.releaseSlot();
    const generation = ++this.generation;
    if (!this.slots) return this.launch(generation);
    this.setState('queued');
    const urgent = this.priority === 'urgent';
    this.priority = 'urgent';
    // Granted at once when a slot is free; a start stopped meanwhile (a newer generation) gives it back.
    const ticket = this.slots.take(urgent, () => {
      if (generation === this.generation) this.launch(generation);
      else ticket.release();
    });
    if (generation === this.generation) this.ticket = ticket;
    else ticket.release();
  }

  private releaseSlot(): void {
    this.ticket?.release();
    this.ticket = null;
  }

  private launch(generation: number): void {
    this.setState('starting');
    this.safeMode = this.crashes >= MAX_CRASHES_BEFORE_SAFE_MODE;
    if (this.safeMode)
      this.log.warn(
        { crashes: this.crashes },
        'tenant runtime keeps crashing: starting it in safe mode (flows stopped)',
      );
    const isolation = this.driver.isolation();
    if (!isolation.isolated) {
      const off = Object.entries(isolation.defences)
        .filter(([, d]) => !d.on)
        .map(([name, d]) => `${name}: ${d.how}`);
      this.log.warn(
        { driver: isolation.driver, off },
        'starting a tenant runtime that is NOT isolated from other tenants and the platform',
      );
    }
    this.secret = this.settings.proxySecret ? randomBytes(PROXY_SECRET_BYTES).toString('base64url') : null;
    const options: TenantLaunchOptions = {
      ...this.settings.launch,
      instance: this.settings.instance,
      tenant: this.tenant,
      safeMode: this.safeMode,
      proxySecret: this.secret,
      egress: null,
    };
    this.killReason = '';
    this.lastBeat = Date.now();
    this.startWatchdog();
    this.driver.start({ tenant: this.tenant, options, maxOldSpaceMb: this.settings.maxOldSpaceMb }).then(
      (child) => {
        if (generation === this.generation) this.attachProcess(child, options);
        else child.kill('SIGKILL');
      },
      (err: Error) => {
        if (generation !== this.generation) return;
        this.log.error({ err }, 'tenant runtime could not be started');
        this.onExit(null, { code: null, signal: null, stderr: '', reason: `could not start: ${err.message}` });
      },
    );
  }

  private attachProcess(child: RuntimeProcess, options: TenantLaunchOptions): void {
    this.child = child;
    if (this.targetState !== 'running') child.kill('SIGTERM');
    const ipc: SupervisorSide = new IpcPeer((p) => child.send(p));
    this.ipc = ipc;
    this.subjects = new Set();
    // The options travel over the channel, never argv or the environment: /proc/<pid>/cmdline is
    // readable by every user of the host, and the options carry the proxy secret.
    ipc.serve('launch.options', () => options);
    this.attach(ipc, this);
    this.interruptible = false;
    this.interruptedAtSilence = 0;
    ipc.on('ready', ({ port, functionInterrupt }) => {
      this.interruptible = functionInterrupt === true;
      this.onReady(port);
    });
    ipc.on('heartbeat', (b) => {
      const was = this.beat;
      // Messages moving inside the runtime (http in, a flow's own work) count as use.
      if (!was || was.nodeMessages !== b.nodeMessages || was.busIn !== b.busIn || was.busOut !== b.busOut)
        this.lastActivity = Date.now();
      this.beat = b;
      this.lastBeat = Date.now();
      this.interruptedAtSilence = 0;
    });
    this.listening = false;
    this.settled = false;
    ipc.on('bus.subscriptions', ({ subjects }) => {
      // A runtime stopping to hibernate closes its nodes: what they listened to is kept, to know
      // which device messages wake it.
      if (this.sleeping) return;
      this.subjects = new Set(subjects);
      this.subjectsKnown = true;
      this.startListening();
    });
    child.onMessage((m) => ipc.receive(m));
    child.onExit((exit) => {
      if (exit.stderr.trim()) this.log.warn({ stderr: exit.stderr.trim() }, 'tenant runtime wrote to stderr');
      this.onExit(child, exit);
    });
    this.lastBeat = Date.now();
  }

  private onReady(port: number): void {
    this.releaseSlot();
    this.port = port;
    this.startedAt = Date.now();
    this.setState('running');
    this.log.info({ pid: this.child?.pid, port, safeMode: this.safeMode }, 'tenant runtime running');
    for (const w of this.waiters.splice(0)) w.resolve();
    if (this.waking) {
      this.waking.report = {
        reason: this.waking.reason,
        at: this.waking.at,
        startMs: Date.now() - this.waking.at,
        firstMessageMs: null,
      };
      this.lastWake = this.waking.report;
      this.log.info(this.waking.report, 'tenant runtime woke from hibernation');
      if (this.backlog.length === 0) this.waking = null;
    }
    // Told now, not at fork: a message sent before the child listens is lost. Timers that fire
    // before this wait for it (timer-gate.ts).
    this.tellTimers();
    const child = this.child;
    // The nodes may have said what they listen to already (before `ready`).
    this.flushBacklog();
    setTimeout(() => {
      if (this.child !== child || this.state !== 'running') return;
      this.settled = true;
      this.startListening();
    }, READY_LISTEN_GRACE_MS).unref();
    if (this.reloadPending) {
      this.reloadPending = false;
      void this.reload().catch((err) => this.log.warn({ err }, 'reload after start failed'));
    }
  }

  private startWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastBeat;
      const limit = this.state === 'starting' ? START_TIMEOUT_MS : this.settings.heartbeatTimeoutMs;
      if (this.child && (this.state === 'running' || this.state === 'starting') && silent > limit) {
        this.killReason = this.state === 'starting' ? 'did not start in time' : `no heartbeat for ${silent} ms`;
        this.log.warn({ pid: this.child.pid, silent }, `tenant runtime unresponsive (${this.killReason}): killing it`);
        this.child.kill('SIGKILL');
      } else if (this.child && this.shouldInterrupt(silent)) {
        this.interruptedAtSilence = silent;
        this.interrupts += 1;
        this.log.warn(
          { pid: this.child.pid, silent, functionTimeoutSeconds: this.settings.launch.functionTimeoutSeconds },
          'a function node ran past the function timeout: interrupting it',
        );
        this.child.kill('SIGINT');
      } else if (this.idle()) void this.hibernate();
    }, this.settings.heartbeatMs);
    this.watchdog.unref();
  }

  /**
   * Whether a silent running runtime should be sent SIGINT: its function timeout plus one heartbeat
   * period has passed since it last beat (runtime/tenant/function-interrupt.ts), once per silence.
   */
  private shouldInterrupt(silent: number): boolean {
    const timeoutMs = this.settings.launch.functionTimeoutSeconds * 1000;
    return (
      this.interruptible &&
      timeoutMs > 0 &&
      this.state === 'running' &&
      this.interruptedAtSilence === 0 &&
      silent > timeoutMs + this.settings.heartbeatMs
    );
  }

  private onExit(child: RuntimeProcess | null, exit: RuntimeExit): void {
    if (child !== this.child) return;
    // SIGINT while no function node ran ends the process (Node's --trace-sigint): it was blocked elsewhere.
    if (!this.killReason && this.interruptedAtSilence > 0 && exit.signal === 'SIGINT')
      this.killReason = `no heartbeat for ${this.interruptedAtSilence} ms (blocked outside a function node; SIGINT ended it)`;
    this.releaseSlot();
    const { code, signal } = exit;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.ipc?.failPending('tenant runtime exited');
    this.child = null;
    this.ipc = null;
    this.port = null;
    this.beat = null;
    this.secret = null;
    for (const w of this.exitWaiters.splice(0)) w();
    const ranMs = this.startedAt ? Date.now() - this.startedAt : 0;
    this.startedAt = null;
    const reason =
      this.killReason ||
      exit.reason ||
      (this.targetState === 'stopped' ? 'stopped' : crashReason(exit.stderr, this.settings.maxOldSpaceMb));
    if (this.sleeping && this.targetState === 'running' && !this.killReason) {
      this.lastExit = { code, signal, at: Date.now(), reason: 'hibernated' };
      this.hibernations += 1;
      this.setState('hibernating');
      const asked = this.wakeAsked;
      this.wakeAsked = null;
      if (asked) this.wake(asked);
      return;
    }
    this.sleeping = false;
    this.lastExit = { code, signal, at: Date.now(), reason };
    if (this.targetState === 'stopped') {
      this.setState('stopped');
      for (const w of this.waiters.splice(0)) w.reject(new Error('tenant runtime stopped'));
      return;
    }
    this.crashes = ranMs >= STABLE_RUN_MS ? 1 : this.crashes + 1;
    if (this.crashes >= MAX_CRASHES_BEFORE_GIVING_UP) {
      this.log.error(
        { code, signal, reason, crashes: this.crashes },
        'tenant runtime crashes even in safe mode: not restarting it until asked again',
      );
      this.setState('failed');
      for (const w of this.waiters.splice(0)) w.reject(new Error('tenant runtime failed'));
      return;
    }
    const { baseMs, maxMs } = this.settings.backoff ?? {
      baseMs: RESTART_BACKOFF_BASE_MS,
      maxMs: RESTART_BACKOFF_MAX_MS,
    };
    const delay = Math.min(maxMs, baseMs * 2 ** (this.crashes - 1));
    this.log.warn(
      { code, signal, reason, crashes: this.crashes, delay },
      `tenant runtime exited (${reason}); restarting in ${delay} ms`,
    );
    this.setState('crashed');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.targetState !== 'running') return;
      this.restarts += 1;
      this.spawn();
    }, delay);
  }

  private setState(s: RuntimeState): void {
    this.state = s;
  }
}
