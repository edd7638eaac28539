// The runtime's own egress check, the second line behind the kernel's rules
// (runtime/supervisor/sandbox/egress-firewall.ts): every TCP or TLS connection a node opens
// (http request, websocket, mqtt, email, ...) goes through net.Socket#connect, which this wraps to
// refuse local, loopback and link-local destinations, after name resolution too, and Unix sockets.
// Hostile code that holds `process` can undo a JavaScript patch; the kernel's rules it cannot.
import dns from 'node:dns';
import net from 'node:net';
import { EgressPolicy, type EgressException } from '../supervisor/sandbox/egress-rules.js';

export class EgressRefused extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(what: string) {
    super(
      `a tenant's flows may not connect to ${what} (a local, loopback or link-local address; an operator may allow it with DOJOT_RUNTIME_EGRESS_ALLOW)`,
    );
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

export function installEgressGuard(opts: { localAddresses: string[]; exceptions: EgressException[] }): EgressPolicy {
  const policy = new EgressPolicy(opts.localAddresses, opts.exceptions);
  const original = net.Socket.prototype.connect;
  // The signature is Node's overloaded one; only the destination is looked at.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node's overloads, passed through untouched
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: any[]) {
    // net.connect() hands over its already-normalised [options, callback] array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read as Node reads it, checked below
    let options: Record<string, any>;
    if (first && typeof first === 'object') options = first;
    else if (typeof first === 'string' && !/^\d+$/.test(first)) options = { path: first };
    else {
      // connect(port[, host][, callback]) becomes connect({port, host}[, callback]).
      options = { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
      const cb = args.find((a) => typeof a === 'function');
      args = cb ? [options, cb] : [options];
    }
    const refuse = (what: string) => {
      process.nextTick(() => this.destroy(new EgressRefused(what)));
      return this;
    };
    // http.Agent passes `path: null` for TCP; only a string names a Unix socket.
    if (typeof options.path === 'string') return refuse(`the Unix socket ${options.path}`);
    const port = Number(options.port);
    const host: string = options.host ?? 'localhost';
    if (net.isIP(host)) {
      if (policy.refuses(host, port)) return refuse(`${host}:${port}`);
    } else {
      // A name is checked on what it resolves to, so a DNS answer of 127.0.0.1 is refused too.
      const lookup = options.lookup ?? dns.lookup;
      options.lookup = (hostname: string, lookupOpts: dns.LookupOptions, cb: LookupCallback) =>
        lookup(
          hostname,
          lookupOpts,
          (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
            if (err) return cb(err, address, family);
            const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
            const bad = all.find((a) => policy.refuses(a, port));
            if (bad) return cb(new EgressRefused(`${hostname} (${bad}):${port}`), address, family);
            cb(null, address, family);
          },
        );
    }
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;
  return policy;
}
