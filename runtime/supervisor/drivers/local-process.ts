// The hardened local driver (the default): each tenant runtime is a Node.js process on this host,
// started as the tenant's own unprivileged user, under Node's permission model, with a resident
// memory cap and a low CPU weight, its egress to local addresses cut by the kernel, and its HTTP
// server answering only requests that carry the proxy's secret (runtime/tenant/main.ts). Each
// defence that cannot be had here (no root, no cgroups, no iptables) is reported, never faked:
// isolation() says which hold, and the supervisor warns at every start while one does not.
import { fork, type ChildProcess } from 'node:child_process';
import dns from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxDefence } from '../../../core-services/platform/config.js';
import type { Logger } from '../../../core-services/platform/log.js';
import type { Store } from '../../../core-services/platform/store/index.js';
import { canSwitchUser } from '../sandbox/capabilities.js';
import { detectCgroups, type CgroupDriver, type RuntimeCgroup } from '../sandbox/cgroups.js';
import { installEgressFirewall, removeEgressFirewall } from '../sandbox/egress-firewall.js';
import { exceptionOf, parseEgressRule, type EgressException } from '../sandbox/egress-rules.js';
import { RuntimeFiles } from '../sandbox/runtime-files.js';
import { TenantUids } from '../sandbox/tenant-uids.js';
import type { IsolationReport, RuntimeDriver, RuntimeExit, RuntimeLaunch, RuntimeProcess } from './driver.js';
import { HOLD_SIGINT_WATCHDOG_FLAG } from '../../tenant/function-interrupt.js';

/** How much of a dying process's stderr is kept, chars. */
const STDERR_KEEP_CHARS = 4_000;
/** V8's largest semi-space of the young generation in a runtime, MB. */
const MAX_SEMI_SPACE_MB = 16;
/**
 * V8's background threads (concurrent marking, sweeping, compiling) per runtime. Node starts four;
 * each keeps a stack and a malloc arena of its own, ~5 MB of an idle runtime's ~36 MB of
 * anonymous memory, and a box running dozens of runtimes has only its few cores to run them on.
 * One costs nothing measurable in the flow bench (docs/benchmarks.md, "Idle runtime memory: one V8
 * background thread").
 */
const V8_POOL_THREADS = 1;
/** How often resident memory is read when no cgroup caps it, ms. */
const RSS_POLL_MS = 500;
/** Nice value of every runtime: the platform's own work goes first under contention. */
const RUNTIME_NICE = 10;
const PAGE_BYTES = 4096;

/**
 * The only environment variables a tenant runtime gets. Flows read the environment
 * (`env.get()` in a function node, `$env` in a change node), so the platform's own
 * (DOJOT_POSTGRES_URL with its password, DOJOT_REDIS_URL, ...) must never reach it; the runtime
 * gets its settings over its channel instead. What is left is what outbound requests and
 * formatting need.
 */
const RUNTIME_ENV_ALLOWED = [
  'PATH',
  'TZ',
  'LANG',
  'LC_ALL',
  'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function runtimeEnvironment(from: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { KAFKAJS_NO_PARTITIONER_WARNING: '1', HOME: home };
  for (const name of RUNTIME_ENV_ALLOWED) if (from[name] !== undefined) env[name] = from[name];
  return env;
}

export interface LocalDriverOptions {
  store: Store;
  log: Logger;
  projectRoot: string;
  dataDir: string;
  /** Extra node folders the runtimes load (they must be able to read them). */
  nodesDirs: string[];
  uidRange: [number, number];
  maxRssMb: number;
  cpuShares: number;
  /** DOJOT_RUNTIME_EGRESS_ALLOW, plus what the runtimes themselves must reach (Kafka brokers). */
  egressAllow: string[];
  off: ReadonlySet<SandboxDefence>;
}

type Defence = { on: boolean; how: string };

/** Node's permission model: what a runtime may read and write, and nothing it may spawn. */
export function permissionFlags(projectRoot: string, tenantDir: string, nodesDirs: string[]): string[] {
  const dirs = [
    path.join(projectRoot, 'dist'),
    path.join(projectRoot, 'node_modules'),
    path.join(projectRoot, 'editor-theme'),
    ...nodesDirs,
  ];
  return [
    '--experimental-permission',
    // Node-RED reads its own files and the palette; the package.json says the code is ES modules.
    ...dirs.map((d) => `--allow-fs-read=${d}${path.sep}`),
    `--allow-fs-read=${path.join(projectRoot, 'package.json')}`,
    `--allow-fs-read=${tenantDir}${path.sep}`,
    `--allow-fs-write=${tenantDir}${path.sep}`,
    // No --allow-child-process, --allow-worker or --allow-addons: all three stay refused.
    '--disable-warning=ExperimentalWarning',
  ];
}

export class LocalProcessDriver implements RuntimeDriver {
  readonly name = 'local';
  private readonly files: RuntimeFiles;
  private readonly uids: TenantUids;
  private cgroups: CgroupDriver | null = null;
  private switchUser = false;
  private defences: Record<string, Defence> = {};
  private egress: { localAddresses: string[]; exceptions: EgressException[] } | null = null;
  private firewallInstalled = false;

  constructor(private readonly o: LocalDriverOptions) {
    this.files = new RuntimeFiles(o.dataDir, path.join(o.dataDir, 'flows'));
    this.uids = new TenantUids(o.store, o.uidRange);
  }

  async prepare(): Promise<void> {
    const { off, log } = this.o;
    const d: Record<string, Defence> = {};
    const offByOperator = (name: SandboxDefence) => ({
      on: false,
      how: `turned off by DOJOT_RUNTIME_SANDBOX_OFF=${name}`,
    });

    this.switchUser = !off.has('uid') && canSwitchUser();
    d.uid = off.has('uid')
      ? offByOperator('uid')
      : this.switchUser
        ? {
            on: true,
            how: `one uid per tenant from DOJOT_RUNTIME_UIDS (${this.o.uidRange[0]}-${this.o.uidRange[1]}); tenant folders 0700, the data directory closed to them`,
          }
        : {
            on: false,
            how: 'the platform is neither root nor holds CAP_SETUID and CAP_SETGID: runtimes run as the platform user and can read its files',
          };
    try {
      this.files.lockDataDir();
    } catch (err) {
      // The platform still starts; runtimes may then read whatever other users may read there.
      log.warn({ err }, 'could not close the data directory to other users');
    }

    d.permissions = off.has('permissions')
      ? offByOperator('permissions')
      : {
          on: true,
          how: "Node's permission model: reads of the platform's code and the tenant folder only, writes to the tenant folder only, no child processes, workers or addons",
        };

    if (!off.has('memory') || !off.has('cpu')) {
      const found = detectCgroups(this.o.cpuShares);
      if (found.driver) this.cgroups = found.driver;
      else
        log.warn(
          { why: found.why },
          'tenant runtimes: no writable cgroup hierarchy; resident memory is polled instead and CPU is only niced',
        );
      d.memory = off.has('memory')
        ? offByOperator('memory')
        : found.driver
          ? { on: true, how: `${found.where}: ${this.o.maxRssMb} MB per runtime (DOJOT_RUNTIME_MAX_RSS_MB)` }
          : {
              on: true,
              how: `resident memory read every ${RSS_POLL_MS} ms, a runtime over ${this.o.maxRssMb} MB is killed (no cgroup: ${found.why})`,
            };
      d.cpu = off.has('cpu')
        ? offByOperator('cpu')
        : {
            on: true,
            how: `nice ${RUNTIME_NICE}${found.driver ? `, and all runtimes together weigh ${this.o.cpuShares} against the platform's 1024 (${found.where})` : ' only (no cgroup)'}; the heartbeat watchdog kills a blocked runtime`,
          };
    } else {
      d.memory = offByOperator('memory');
      d.cpu = offByOperator('cpu');
    }

    if (off.has('egress')) d.egress = offByOperator('egress');
    else {
      this.egress = { localAddresses: localAddresses(), exceptions: await this.exceptions() };
      const kernel = this.switchUser
        ? await installEgressFirewall({ uidRange: this.o.uidRange, exceptions: this.egress.exceptions })
        : { on: false as const, why: 'runtimes share the platform uid' };
      this.firewallInstalled = kernel.on;
      d.egress = kernel.on
        ? { on: true, how: `${kernel.how}; the network nodes check too` }
        : {
            on: false,
            how: `only the runtime's own check, which hostile code can undo (kernel rules not installed: ${kernel.why})`,
          };
    }
    d['proxy-secret'] = off.has('proxy-secret')
      ? offByOperator('proxy-secret')
      : {
          on: true,
          how: 'a secret per runtime start, sent over its channel; a request to its port without it is dropped unanswered',
        };
    this.defences = d;
    for (const [name, def] of Object.entries(d))
      if (!def.on)
        log.warn({ defence: name, why: def.how }, `tenant runtimes are NOT isolated: ${name} defence is off`);
  }

  isolation(): IsolationReport {
    return { driver: this.name, isolated: Object.values(this.defences).every((x) => x.on), defences: this.defences };
  }

  async start(launch: RuntimeLaunch): Promise<RuntimeProcess> {
    const { tenant, options } = launch;
    const uid = this.switchUser ? await this.uids.uidOf(tenant) : null;
    const dir = this.files.prepare(tenant, uid);
    options.userDir = this.files.root;
    options.egress = this.egress;
    // A young generation of up to 16 MB per semi-space, as V8 would size it for a larger heap: with
    // 2 MB, a busy runtime spent ~12 % of its time in GC and ran a Kafka flow ~15 % slower. An idle
    // runtime does not keep it: V8's memory reducer shrinks it to 1 MB after 10–20 s of idling
    // (docs/benchmarks.md, "Idle runtime memory").
    // HOLD_SIGINT_WATCHDOG_FLAG: function nodes are stopped at the function timeout by the
    // supervisor's SIGINT, not by a watchdog thread per call (runtime/tenant/function-interrupt.ts).
    const execArgv = [
      `--max-old-space-size=${launch.maxOldSpaceMb}`,
      `--max-semi-space-size=${MAX_SEMI_SPACE_MB}`,
      `--v8-pool-size=${V8_POOL_THREADS}`,
      // For one collection once the runtime is quiet (runtime/tenant/idle-collect.ts).
      '--expose-gc',
      HOLD_SIGINT_WATCHDOG_FLAG,
    ];
    if (!this.o.off.has('permissions')) execArgv.push(...permissionFlags(this.o.projectRoot, dir, this.o.nodesDirs));
    const child = fork(path.join(this.o.projectRoot, 'dist', 'runtime', 'tenant', 'main.js'), [], {
      execArgv,
      cwd: dir,
      // stdout carries the child's pino lines (same format as ours); stderr (V8 fatal errors,
      // crash traces) is kept to say why it died.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: runtimeEnvironment(process.env, dir),
      ...(uid === null ? {} : { uid, gid: uid }),
    });
    const cgroup = this.confine(child, tenant);
    return new LocalRuntimeProcess(child, cgroup, this.o.off.has('memory') ? null : this.o.maxRssMb, this.o.log);
  }

  /** Puts a new process under the memory and CPU caps; returns its cgroup, if any. */
  private confine(child: ChildProcess, tenant: string): RuntimeCgroup | null {
    const pid = child.pid;
    if (pid === undefined) return null;
    if (!this.o.off.has('cpu')) {
      try {
        os.setPriority(pid, RUNTIME_NICE);
      } catch (err) {
        this.o.log.warn({ err, tenant }, 'could not lower the runtime priority');
      }
    }
    if (!this.cgroups) return null;
    try {
      const group = this.cgroups.create(
        `rt-${pid}`,
        this.o.off.has('memory') ? Number.MAX_SAFE_INTEGER : this.o.maxRssMb * 1024 * 1024,
      );
      group.add(pid);
      return group;
    } catch (err) {
      this.o.log.error({ err, tenant }, 'could not put the runtime in its cgroup: killing it');
      child.kill('SIGKILL');
      return null;
    }
  }

  async forget(tenant: string): Promise<void> {
    this.files.remove(tenant);
    await this.uids.release(tenant);
  }

  /** Called once every runtime has stopped. */
  async close(): Promise<void> {
    // Another instance on this host with the same uid range keeps the rules (it still runs runtimes).
    if (this.firewallInstalled) await removeEgressFirewall(this.o.uidRange);
  }

  /** Egress exceptions: the operator's, then the resolvers a runtime needs for names. */
  private async exceptions(): Promise<EgressException[]> {
    const out: EgressException[] = [];
    for (const rule of this.o.egressAllow) {
      const { host, prefix, port } = parseEgressRule(rule);
      const direct = exceptionOf(host, prefix, port);
      if (direct) out.push(direct);
      else {
        for (const a of await dns.lookup(host, { all: true }).catch(() => [])) {
          const e = exceptionOf(a.address, null, port);
          if (e) out.push(e);
        }
      }
    }
    for (const ns of nameservers()) {
      const e = exceptionOf(ns, null, 53);
      if (e) out.push(e);
    }
    return out;
  }
}

/** This host's own addresses (a runtime may not reach the platform through them either). */
function localAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => Boolean(i))
    .map((i) => i.address);
}

function nameservers(): string[] {
  try {
    return [...readFileSync('/etc/resolv.conf', 'utf8').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
  } catch {
    return [];
  }
}

class LocalRuntimeProcess implements RuntimeProcess {
  private stderr = '';
  private killedFor = '';
  private poll: NodeJS.Timeout | null = null;
  private readonly oomBefore: number;

  constructor(
    private readonly child: ChildProcess,
    private readonly cgroup: RuntimeCgroup | null,
    maxRssMb: number | null,
    private readonly log: Logger,
  ) {
    this.oomBefore = cgroup?.oomKills() ?? 0;
    // A send racing the child's exit fails with EPIPE: the exit itself is what the supervisor acts on,
    // and an 'error' event without a listener would take the whole platform down.
    child.on('error', (err) => log.debug({ err, pid: child.pid }, 'tenant runtime channel error'));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_KEEP_CHARS);
    });
    // Without a cgroup the cap is enforced by reading /proc: slower to react, but it holds.
    if (maxRssMb !== null && !cgroup) {
      this.poll = setInterval(() => {
        const rss = this.rssBytes();
        if (rss !== null && rss > maxRssMb * 1024 * 1024) {
          this.killedFor = `out of memory (resident memory over ${maxRssMb} MB: DOJOT_RUNTIME_MAX_RSS_MB)`;
          this.log.warn({ pid: child.pid, rssBytes: rss }, 'tenant runtime over its memory cap: killing it');
          child.kill('SIGKILL');
        }
      }, RSS_POLL_MS);
      this.poll.unref();
    }
    this.maxRssMb = maxRssMb;
  }

  private readonly maxRssMb: number | null;

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  send(packet: unknown): void {
    if (!this.child.connected) throw new Error('tenant runtime channel closed');
    this.child.send(packet as object, (err) => {
      if (err)
        this.log.debug({ err, pid: this.child.pid }, 'a message to a tenant runtime was not sent (it is exiting)');
    });
  }

  onMessage(fn: (packet: unknown) => void): void {
    this.child.on('message', fn);
  }

  onExit(fn: (exit: RuntimeExit) => void): void {
    // 'close' (not 'exit'): by then stderr is read to its end, so the cause of death is known.
    this.child.once('close', (code, signal) => {
      if (this.poll) clearInterval(this.poll);
      if (!this.killedFor && this.cgroup && this.cgroup.oomKills() > this.oomBefore) {
        this.killedFor = `out of memory (resident memory capped at ${this.maxRssMb} MB by its cgroup: DOJOT_RUNTIME_MAX_RSS_MB)`;
      }
      this.cgroup?.remove();
      fn({ code, signal, stderr: this.stderr, ...(this.killedFor ? { reason: this.killedFor } : {}) });
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  rssBytes(): number | null {
    if (this.child.pid === undefined || this.child.exitCode !== null) return null;
    try {
      const pages = Number(readFileSync(`/proc/${this.child.pid}/statm`, 'utf8').split(' ')[1]);
      return Number.isFinite(pages) ? pages * PAGE_BYTES : null;
    } catch {
      return null;
    }
  }
}
