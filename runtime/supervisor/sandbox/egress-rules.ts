// Where a tenant's flows may not connect: this host's own addresses (the platform's ports, other
// runtimes, the store, the cache), loopback and link-local (cloud metadata), unless an operator
// allow-list (DOJOT_RUNTIME_EGRESS_ALLOW) or the platform's own needs (its Kafka brokers, the DNS
// resolvers) say otherwise. One parser for both lines of defence: the kernel's rules
// (egress-firewall.ts) and the runtime's own check (runtime/tenant/egress-guard.ts).
import net from 'node:net';

export interface EgressException {
  /** An address or a CIDR block. */
  cidr: string;
  family: 4 | 6;
  /** TCP/UDP port, or null for every port. */
  port: number | null;
}

/** Ranges denied besides the host's own addresses, by family. */
export const DENIED_RANGES: Record<4 | 6, string[]> = {
  4: ['127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8'],
  6: ['::1/128', 'fe80::/10', '::/128', '::ffff:127.0.0.0/104', '::ffff:169.254.0.0/112'],
};

/** "10.0.0.5:9092", "127.0.0.1/8", "[::1]:80", "localhost:9092" (names are resolved by the caller). */
export function parseEgressRule(rule: string): { host: string; prefix: number | null; port: number | null } {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?:\/(\d{1,3}))?(?::(\d{1,5}))?$/.exec(rule);
  const v4 = /^([A-Za-z0-9.-]+)(?:\/(\d{1,2}))?(?::(\d{1,5}))?$/.exec(rule);
  const m = v6 ?? v4;
  if (!m) throw new Error(`not an egress rule: ${rule}`);
  return {
    host: m[1],
    prefix: m[2] === undefined ? null : Number(m[2]),
    port: m[3] === undefined ? null : Number(m[3]),
  };
}

/** Turns a parsed rule whose host is an IP address into an exception; null for a host name. */
export function exceptionOf(host: string, prefix: number | null, port: number | null): EgressException | null {
  const family = net.isIP(host);
  if (family === 0) return null;
  const bits = prefix ?? (family === 4 ? 32 : 128);
  return { cidr: `${host}/${bits}`, family: family as 4 | 6, port };
}

/** A matcher of destinations, for the runtime's in-process check. */
export class EgressPolicy {
  private readonly denied = new net.BlockList();
  private readonly allowed: { list: net.BlockList; port: number | null }[] = [];

  constructor(localAddresses: string[], exceptions: EgressException[]) {
    for (const family of [4, 6] as const) {
      for (const r of DENIED_RANGES[family]) {
        const [a, p] = r.split('/');
        this.denied.addSubnet(a, Number(p), family === 4 ? 'ipv4' : 'ipv6');
      }
    }
    for (const a of localAddresses) {
      const f = net.isIP(a);
      if (f) this.denied.addAddress(a, f === 4 ? 'ipv4' : 'ipv6');
    }
    for (const e of exceptions) {
      const list = new net.BlockList();
      const [a, p] = e.cidr.split('/');
      list.addSubnet(a, Number(p), e.family === 4 ? 'ipv4' : 'ipv6');
      this.allowed.push({ list, port: e.port });
    }
  }

  /** Whether a connection to this address and port is refused. */
  refuses(address: string, port: number | null): boolean {
    const family = net.isIP(address);
    if (family === 0) return true;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (!this.denied.check(address, type)) return false;
    return !this.allowed.some((a) => (a.port === null || a.port === port) && a.list.check(address, type));
  }
}
