// The IPC protocol between the supervisor and a tenant runtime (Node's child_process channel).
// Both sides speak the same shapes: requests with an id and their answers, and one-way events.
//   {"t":"req","id":7,"op":"flows.get","args":[]}        → {"t":"res","id":7,"ok":true,"value":[...]}
//   {"t":"ev","ev":"heartbeat","data":{...}}              (no answer)
import type { CronJobSpec } from '../../core-services/cron/client.js';
import type { FullDevice } from '../../core-services/device-manager/client.js';
import type { BusDelivery as DeliveredMessage, InboundSubject } from '../../nodes/_shared/services.js';
import type { TenantKafkaCredentials } from './kafka-tenant-access.js';
import type { EgressException } from './sandbox/egress-rules.js';

/** The header through which the platform's proxy shows a runtime the secret of its start. */
export const PROXY_SECRET_HEADER = 'x-dojot-runtime-secret';

/** Requests the child makes of the supervisor (the tenant is implied by the channel). */
export type ChildRequests = {
  /** The first request: what the runtime runs with (sent over the channel, never argv or the environment). */
  'launch.options': () => TenantLaunchOptions;
  'flows.get': () => unknown[];
  /** author: the editor user who deployed (Node-RED's admin user), for the revision history. */
  'flows.save': (config: unknown[], author: string | null) => void;
  'credentials.get': () => Record<string, unknown>;
  'credentials.save': (creds: unknown) => void;
  'state.get': (name: string) => unknown;
  'state.save': (name: string, value: unknown) => void;
  'context.load': () => { scope: string; key: string; value: unknown }[];
  'context.write': (writes: { scope: string; key: string | null; value?: unknown }[]) => void;
  /** Resolves to the user when the token is a valid platform token of this runtime's tenant, else null. */
  'token.verify': (token: string) => { username: string; profile: string } | null;
  /** Publishes on `<tenant>.<subject>` for each message, in order; resolves once the bus holds them. */
  'bus.publish': (messages: { subject: string; key: string | null; value: unknown }[]) => void;
  /** The tenant's device (dojot's FullDevice), or null: static values and templates for the head nodes. */
  'device.get': (id: string) => FullDevice | null;
  /** Creates (or replaces, with an id) a job of the tenant's scheduler; resolves to its id. */
  'cron.create': (spec: CronJobSpec, jobId: string | null) => string;
  /** false when the tenant has no such job. */
  'cron.remove': (jobId: string) => boolean;
  /** This runtime's own Kafka client certificate (and its ACLs made sure of); null: the broker is PLAINTEXT. */
  'kafka.credentials': () => TenantKafkaCredentials | null;
};

/** Requests the supervisor makes of the child. */
export type ParentRequests = {
  /** Reloads the config from storage (after a change over REST) and restarts the flows. */
  'flows.reload': () => void;
  /** Stops the flows and Node-RED cleanly before the process exits. */
  'runtime.stop': () => void;
};

export interface HeartbeatData {
  rssBytes: number;
  heapUsedBytes: number;
  /** Messages sent between nodes since start. */
  nodeMessages: number;
  busIn: number;
  busOut: number;
  /** Failed attempts to store persistent-context writes (they are kept and retried). */
  contextWriteFailures: number;
  /** Persistent-context writes not stored yet. */
  contextWritesPending: number;
  /**
   * Timers pending in the runtime that keep its event loop alive: a delay or trigger node holding a
   * message, an inject node's interval or cron, a flow's own setTimeout. A runtime with any does not hibernate.
   */
  timers: number;
  /** Websockets open on the runtime (editors): a runtime with any does not hibernate. */
  editors: number;
  /** TCP connections the flows opened themselves (mqtt in, websocket clients): a runtime with any does not hibernate. */
  sockets: number;
}

/** A batch of one subject's messages; each becomes a node's delivered message (nodes/_shared/services.ts). */
export interface BusDelivery {
  subject: InboundSubject;
  messages: Omit<DeliveredMessage, 'subject'>[];
}

/** Events, child → supervisor and supervisor → child. */
export interface ChildEvents {
  /**
   * functionInterrupt: the runtime runs function nodes under the global timeout so that SIGINT
   * stops them (runtime/tenant/function-interrupt.ts); the supervisor sends it when they overrun.
   */
  ready: { port: number; functionInterrupt?: boolean };
  heartbeat: HeartbeatData;
  /** The subjects the runtime's nodes listen to (only these are forwarded). */
  'bus.subscriptions': { subjects: string[] };
  /** A debug node's message, for the editors connected to the tenant's runtimes on other instances. */
  'debug.share': { data: unknown };
}
export interface ParentEvents {
  'bus.deliver': BusDelivery;
  /** Whether this runtime holds its tenant's timer lease (runtime/tenant/timer-gate.ts). */
  'timers.owner': { owner: boolean };
  /** A debug node's message from the tenant's runtime on another instance, for this one's editors. */
  'debug.remote': { data: unknown };
}

// A signature of any parameters: `unknown[]` would not accept handlers with typed parameters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => unknown;
type Packet =
  | { t: 'req'; id: number; op: string; args: unknown[] }
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; error: { message: string; code?: string } }
  | { t: 'ev'; ev: string; data: unknown };

/** An error that crossed the channel: matched on `code`, never with instanceof. */
export class IpcError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

/**
 * One end of the channel. `Out` are the requests this end may make, `In` those it serves;
 * `OutEv`/`InEv` the events it sends and receives.
 */
export class IpcPeer<Out extends Record<string, Fn>, In extends Record<string, Fn>, OutEv, InEv> {
  private seq = 0;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a reply's type is the request's, known only to its caller
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private handlers: Partial<{
    [K in keyof In]: (...args: Parameters<In[K]>) => Promise<ReturnType<In[K]>> | ReturnType<In[K]>;
  }> = {};
  private listeners: Partial<{ [K in keyof InEv]: (data: InEv[K]) => void }> = {};

  constructor(private readonly send: (packet: Packet) => void) {}

  request<K extends keyof Out & string>(op: K, ...args: Parameters<Out[K]>): Promise<Awaited<ReturnType<Out[K]>>> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.send({ t: 'req', id, op, args });
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  emit<K extends keyof OutEv & string>(ev: K, data: OutEv[K]): void {
    this.send({ t: 'ev', ev, data });
  }

  serve<K extends keyof In>(
    op: K,
    fn: (...args: Parameters<In[K]>) => Promise<ReturnType<In[K]>> | ReturnType<In[K]>,
  ): this {
    this.handlers[op] = fn;
    return this;
  }

  on<K extends keyof InEv>(ev: K, fn: (data: InEv[K]) => void): this {
    this.listeners[ev] = fn;
    return this;
  }

  /** Feed every packet received from the other end through here. */
  receive(raw: unknown): void {
    const p = raw as Packet;
    if (!p || typeof p !== 'object') return;
    if (p.t === 'res') {
      const w = this.pending.get(p.id);
      if (!w) return;
      this.pending.delete(p.id);
      if (p.ok) w.resolve(p.value);
      else w.reject(new IpcError(p.error.message, p.error.code));
    } else if (p.t === 'req') {
      void this.answer(p.id, p.op, p.args);
    } else if (p.t === 'ev') {
      (this.listeners as Record<string, ((d: unknown) => void) | undefined>)[p.ev]?.(p.data);
    }
  }

  /** Fails every request still waiting (the other end went away). */
  failPending(reason: string): void {
    for (const w of this.pending.values()) w.reject(new IpcError(reason, 'IPC_CLOSED'));
    this.pending.clear();
  }

  private async answer(id: number, op: string, args: unknown[]): Promise<void> {
    const fn = (this.handlers as Record<string, Fn | undefined>)[op];
    try {
      if (!fn) throw new IpcError(`unknown request ${op}`, 'IPC_UNKNOWN_OP');
      const value = await fn(...args);
      this.send({ t: 'res', id, ok: true, value: value === undefined ? null : value });
    } catch (err) {
      const e = err as Error & { code?: string };
      try {
        this.send({ t: 'res', id, ok: false, error: { message: e.message, code: e.code } });
      } catch {
        /* channel closed: the requester fails its pending requests itself */
      }
    }
  }
}

export type SupervisorSide = IpcPeer<ParentRequests, ChildRequests, ParentEvents, ChildEvents>;
export type TenantSide = IpcPeer<ChildRequests, ParentRequests, ChildEvents, ParentEvents>;

/** What the supervisor passes to a tenant process (its first request, `launch.options`): the child reads no environment. */
export interface TenantLaunchOptions {
  tenant: string;
  logLevel: string;
  /** Seconds a function node may run synchronously before it is interrupted (0 = no limit). */
  functionTimeoutSeconds: number;
  /** Extra folders of Node-RED nodes (the dojot nodes). */
  nodesDirs: string[];
  /** Start without running flows (after a crash loop). */
  safeMode: boolean;
  /** ms between heartbeats */
  heartbeatMs: number;
  /** The project root: where editor-theme/ and docs live. */
  projectRoot: string;
  /** URL of our docs, for the editor's help links. */
  docsUrl: string;
  /** Node-RED's user directory (it keeps nothing there that matters: storage is the platform store). */
  userDir: string;
  /** Names this platform instance's own consumer groups (for what every instance must hear). */
  instance: string;
  /** Set when the platform runs on Kafka: the runtime then reads and writes its tenant's topics itself. */
  kafka: TenantKafkaOptions | null;
  /** Whether timers wait for the supervisor's word on the tenant's timer lease (several instances). */
  timersLeased: boolean;
  /** Whether debug messages are shared with the tenant's runtimes on other instances (several instances). */
  shareDebug: boolean;
  /** What every request to the runtime's HTTP server must carry (x-dojot-runtime-secret); null: not checked. */
  proxySecret: string | null;
  /** The runtime's own egress check (the kernel's rules are the first line); null: no check. */
  egress: { localAddresses: string[]; exceptions: EgressException[] } | null;
}

export interface TenantKafkaOptions {
  brokers: string[];
  partitions: number;
  replicationFactor: number;
  groupPrefix: string;
}
