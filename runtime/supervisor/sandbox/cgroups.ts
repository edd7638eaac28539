// Resident memory and CPU caps for runtime processes through Linux control groups, v2 or v1
// (these machines mount v1 controllers; most current distributions mount v2). Every runtime gets
// a group of its own under one parent, `dojot-red-runtimes`, made inside the platform's own group
// (so the platform's limits still hold over its runtimes). The parent's CPU weight is what all
// runtimes together get against the platform; each runtime's group has an equal weight inside it.
// When no hierarchy is writable, `detect` says why and the caller polls RSS instead.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PARENT = 'dojot-red-runtimes';
/** cgroup v1's default cpu.shares, the platform's own weight. */
export const DEFAULT_CPU_SHARES = 1024;

export interface RuntimeCgroup {
  /** Moves a process into the group. */
  add(pid: number): void;
  /** How many times the kernel killed a process of this group for memory. */
  oomKills(): number;
  /** Removes the group (its processes are gone). */
  remove(): void;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  /** Makes a group for one runtime with the memory cap (bytes). */
  create(name: string, memoryBytes: number): RuntimeCgroup;
}

const write = (file: string, value: string | number) => writeFileSync(file, String(value));
const counter = (file: string, key: string): number => {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};
function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* still busy or already gone: a later prepare sweeps it */
  }
}
/** Groups of runtimes of an earlier run that died with the platform. */
function sweep(parent: string): void {
  for (const d of readdirSync(parent, { withFileTypes: true }))
    if (d.isDirectory() && d.name.startsWith('rt-')) removeDir(path.join(parent, d.name));
}

/** This process's group in one v1 controller's hierarchy, or in the v2 one (controller ''). */
function ownGroup(controller: string, procCgroup: string): string | null {
  for (const line of procCgroup.split('\n')) {
    const [, ctrls, p] = line.split(':');
    if (ctrls === undefined || p === undefined) continue;
    if (controller === '' ? line.startsWith('0::') : ctrls.split(',').includes(controller)) return p;
  }
  return null;
}

class V1 implements CgroupDriver {
  readonly version = 'v1' as const;
  constructor(
    private readonly memoryParent: string,
    private readonly cpuParent: string | null,
  ) {}

  create(name: string, memoryBytes: number): RuntimeCgroup {
    const mem = path.join(this.memoryParent, name);
    mkdirSync(mem, { recursive: true });
    // Pages the process touched before it was moved are charged here too, where the kernel still
    // offers it (deprecated; newer kernels refuse the write, and the first pages stay uncounted).
    try {
      write(path.join(mem, 'memory.move_charge_at_immigrate'), 3);
    } catch {
      /* not offered */
    }
    write(path.join(mem, 'memory.limit_in_bytes'), memoryBytes);
    if (existsSync(path.join(mem, 'memory.memsw.limit_in_bytes'))) {
      try {
        write(path.join(mem, 'memory.memsw.limit_in_bytes'), memoryBytes);
      } catch {
        /* swap accounting off: there is no swap to escape to */
      }
    }
    const cpu = this.cpuParent ? path.join(this.cpuParent, name) : null;
    if (cpu) {
      mkdirSync(cpu, { recursive: true });
      write(path.join(cpu, 'cpu.shares'), DEFAULT_CPU_SHARES);
    }
    return {
      add: (pid) => {
        write(path.join(mem, 'cgroup.procs'), pid);
        if (cpu) write(path.join(cpu, 'cgroup.procs'), pid);
      },
      oomKills: () => counter(path.join(mem, 'memory.oom_control'), 'oom_kill'),
      remove: () => {
        removeDir(mem);
        if (cpu) removeDir(cpu);
      },
    };
  }
}

class V2 implements CgroupDriver {
  readonly version = 'v2' as const;
  constructor(private readonly parent: string) {}

  create(name: string, memoryBytes: number): RuntimeCgroup {
    const dir = path.join(this.parent, name);
    mkdirSync(dir, { recursive: true });
    write(path.join(dir, 'memory.max'), memoryBytes);
    if (existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), 0);
    return {
      add: (pid) => write(path.join(dir, 'cgroup.procs'), pid),
      oomKills: () => counter(path.join(dir, 'memory.events'), 'oom_kill'),
      remove: () => removeDir(dir),
    };
  }
}

export type CgroupDetection = { driver: CgroupDriver; where: string } | { driver: null; why: string };

/**
 * Finds a writable hierarchy and makes the runtimes' parent group in it, with `cpuShares` as the
 * weight of all runtimes together (1024 = the platform's).
 */
export function detectCgroups(cpuShares: number, root = '/sys/fs/cgroup', procCgroup = readOwn()): CgroupDetection {
  const problems: string[] = [];
  // v2 first: the unified hierarchy, where it has the memory controller.
  const v2Controllers = path.join(root, 'cgroup.controllers');
  if (existsSync(v2Controllers) && /\bmemory\b/.test(readFileSync(v2Controllers, 'utf8'))) {
    try {
      const own = ownGroup('', procCgroup) ?? '/';
      // A v2 group that holds processes cannot hand controllers down: use the hierarchy's root then.
      for (const base of own === '/' ? [root] : [path.join(root, own), root]) {
        try {
          const parent = path.join(base, PARENT);
          mkdirSync(parent, { recursive: true });
          write(path.join(base, 'cgroup.subtree_control'), '+memory +cpu');
          write(path.join(parent, 'cgroup.subtree_control'), '+memory +cpu');
          write(
            path.join(parent, 'cpu.weight'),
            Math.max(1, Math.min(10_000, Math.round((cpuShares * 100) / DEFAULT_CPU_SHARES))),
          );
          sweep(parent);
          return { driver: new V2(parent), where: `cgroup v2 ${parent}` };
        } catch (err) {
          problems.push(`v2 at ${base}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      problems.push(`v2: ${(err as Error).message}`);
    }
  }
  const memRoot = path.join(root, 'memory');
  if (existsSync(path.join(memRoot, 'memory.limit_in_bytes'))) {
    try {
      const memParent = path.join(memRoot, ownGroup('memory', procCgroup) ?? '/', PARENT);
      mkdirSync(memParent, { recursive: true });
      sweep(memParent);
      let cpuParent: string | null = null;
      for (const name of ['cpu', 'cpu,cpuacct']) {
        const cpuRoot = path.join(root, name);
        if (!existsSync(path.join(cpuRoot, 'cpu.shares'))) continue;
        cpuParent = path.join(cpuRoot, ownGroup('cpu', procCgroup) ?? '/', PARENT);
        mkdirSync(cpuParent, { recursive: true });
        write(path.join(cpuParent, 'cpu.shares'), cpuShares);
        sweep(cpuParent);
        break;
      }
      return {
        driver: new V1(memParent, cpuParent),
        where: `cgroup v1 ${memParent}${cpuParent ? ` and ${cpuParent}` : ' (no cpu controller)'}`,
      };
    } catch (err) {
      problems.push(`v1: ${(err as Error).message}`);
    }
  }
  return {
    driver: null,
    why: problems.length ? problems.join('; ') : `no cgroup hierarchy with a memory controller under ${root}`,
  };
}

function readOwn(): string {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return '';
  }
}
