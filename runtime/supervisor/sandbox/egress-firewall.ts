// The kernel's line of egress defence: netfilter rules matching the runtimes' uids (owner match),
// which no code inside a runtime can undo. New connections from those uids to this host's own
// addresses, loopback or link-local are rejected, except the allowed ones (egress-rules.ts); replies
// on connections made to a runtime (the platform's proxy calling its HTTP server) pass.
// The chain is rebuilt in one iptables-restore transaction, so it is never half-written.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { DENIED_RANGES, type EgressException } from './egress-rules.js';

const run = promisify(execFile);

export interface FirewallPlan {
  uidRange: [number, number];
  exceptions: EgressException[];
}

export type FirewallResult = { on: true; how: string } | { on: false; why: string };

export function chainName(uidRange: [number, number]): string {
  return `DOJOT-RED-EGRESS-${uidRange[0]}`;
}

/** The iptables-restore input for one family (exported for tests). */
export function rulesFor(family: 4 | 6, plan: FirewallPlan): string {
  const chain = chainName(plan.uidRange);
  const lines = ['*filter', `:${chain} - [0:0]`, `-A ${chain} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`];
  for (const e of plan.exceptions.filter((x) => x.family === family)) {
    if (e.port === null) lines.push(`-A ${chain} -d ${e.cidr} -j RETURN`);
    else
      for (const proto of ['tcp', 'udp'])
        lines.push(`-A ${chain} -d ${e.cidr} -p ${proto} -m ${proto} --dport ${e.port} -j RETURN`);
  }
  lines.push(`-A ${chain} -m addrtype --dst-type LOCAL -j REJECT`);
  for (const r of DENIED_RANGES[family]) lines.push(`-A ${chain} -d ${r} -j REJECT`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

async function restore(cmd: string, input: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile(cmd, ['-w', '5', '--noflush'], (err, _out, stderr) =>
      err ? reject(new Error(`${cmd}: ${stderr.trim() || err.message}`)) : resolve(),
    );
    child.stdin?.end(input);
  });
}

async function ensureJump(cmd: string, plan: FirewallPlan): Promise<void> {
  const match = [
    '-m',
    'owner',
    '--uid-owner',
    `${plan.uidRange[0]}-${plan.uidRange[1]}`,
    '-j',
    chainName(plan.uidRange),
  ];
  try {
    await run(cmd, ['-w', '5', '-C', 'OUTPUT', ...match]);
  } catch {
    await run(cmd, ['-w', '5', '-I', 'OUTPUT', '1', ...match]);
  }
}

/** Installs (or refreshes) the rules; says why not when it cannot (no iptables, no privilege). */
export async function installEgressFirewall(plan: FirewallPlan): Promise<FirewallResult> {
  try {
    await restore('iptables-restore', rulesFor(4, plan));
    await ensureJump('iptables', plan);
  } catch (err) {
    return { on: false, why: (err as Error).message.split('\n')[0] };
  }
  let v6 = 'IPv4 and IPv6';
  try {
    await restore('ip6tables-restore', rulesFor(6, plan));
    await ensureJump('ip6tables', plan);
  } catch (err) {
    // Without IPv6 netfilter there may be no IPv6 at all; the runtime's own check still covers it.
    v6 = `IPv4 only (IPv6: ${(err as Error).message.split('\n')[0]})`;
  }
  return {
    on: true,
    how: `netfilter chain ${chainName(plan.uidRange)} for uids ${plan.uidRange[0]}-${plan.uidRange[1]}, ${v6}`,
  };
}

/**
 * Takes the rules away again, but only when no process of the uid range is left on this host:
 * other platform instances here may share the range (and so the chain) and still run runtimes.
 */
export async function removeEgressFirewall(uidRange: [number, number]): Promise<boolean> {
  if (processesInRange(uidRange)) return false;
  const match = ['-m', 'owner', '--uid-owner', `${uidRange[0]}-${uidRange[1]}`, '-j', chainName(uidRange)];
  for (const cmd of ['iptables', 'ip6tables']) {
    try {
      await run(cmd, ['-w', '5', '-D', 'OUTPUT', ...match]);
      await run(cmd, ['-w', '5', '-F', chainName(uidRange)]);
      await run(cmd, ['-w', '5', '-X', chainName(uidRange)]);
    } catch {
      /* not installed for this family */
    }
  }
  return true;
}

/** Whether any process on this host runs under a uid of the range. */
function processesInRange([first, last]: [number, number]): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const uid = m ? Number(m[1]) : -1;
      if (uid >= first && uid <= last) return true;
    } catch {
      /* gone meanwhile */
    }
  }
  return false;
}
