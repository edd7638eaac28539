// The runtime driver seam: how one tenant's runtime process is started, watched for resources
// and told apart from the others is one module chosen by configuration (DOJOT_RUNTIME_DRIVER), as
// FlowFuse chooses its container drivers. The supervisor (tenant-runtime.ts) only sees
// RuntimeProcess: a message channel, an exit, a kill, and the resident memory the driver measured.
// A driver for one container per tenant implements the same two interfaces (docs/sandbox.md).
import type { TenantLaunchOptions } from '../ipc.js';

/** What a runtime is started with. The options reach the child over its channel, never argv or env. */
export interface RuntimeLaunch {
  tenant: string;
  options: TenantLaunchOptions;
  /** V8 old-space cap, MB. */
  maxOldSpaceMb: number;
}

/** How a runtime process ended, as the driver saw it. */
export interface RuntimeExit {
  code: number | null;
  signal: string | null;
  /** The end of what it wrote to stderr (V8 fatal errors). */
  stderr: string;
  /** Set when the driver itself knows why (its memory cap killed it, say). */
  reason?: string;
}

/** One started runtime, whatever runs it. */
export interface RuntimeProcess {
  /** The operating system's pid, where there is one. */
  readonly pid: number | null;
  /** Whether messages can still be sent. */
  readonly connected: boolean;
  /** Sends one packet of the IPC protocol (ipc.ts); throws once the channel is closed. */
  send(packet: unknown): void;
  onMessage(fn: (packet: unknown) => void): void;
  /** Called once, when the process is gone and its output read to the end. */
  onExit(fn: (exit: RuntimeExit) => void): void;
  kill(signal: NodeJS.Signals): void;
  /** Resident memory measured from outside the runtime (never what the runtime says of itself), bytes. */
  rssBytes(): number | null;
}

/** Which defences hold for the runtimes this driver starts: shown on /health and /flows/v1/runtime. */
export interface IsolationReport {
  driver: string;
  /** True only when every defence below is on. */
  isolated: boolean;
  /** Each defence and how it is enforced, or why it is not. */
  defences: Record<string, { on: boolean; how: string }>;
}

export interface RuntimeDriver {
  readonly name: string;
  /** Once, before the first runtime starts (firewall rules, cgroup parents, capability checks). */
  prepare(): Promise<void>;
  start(launch: RuntimeLaunch): Promise<RuntimeProcess>;
  /** The tenant is gone: whatever the driver kept for it (its directory, its uid) may go too. */
  forget(tenant: string): Promise<void>;
  isolation(): IsolationReport;
  close(): Promise<void>;
}
