// The final report of `dojot-red load`: its JSON shape (--json) and its text form.
import { fmt } from '../../bench/support.js';

export interface Spread {
  workers: number;
  /** Source addresses bound before connecting (round-robin); empty: none. */
  sources: string[];
  /** Addresses connected to instead of --mqtt-host (round-robin); empty: none. */
  targets: string[];
}

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  conditions: Record<string, string | number | number[]>;
  /** Time to make (or read) the devices, and to have their certificates signed (MQTTS). */
  setup: { devicesSeconds: number; certificatesSeconds: number | null };
  connect: { attempted: number; connected: number; failed: number; seconds: number; perSecond: number };
  publish: { sent: number; acked: number; seconds: number; perSecond: number; ackedPerSecond: number };
  pubackMs: Latency | null;
  storedMs: ({ method: string } & (Latency | { count: 0 })) | null;
  flowMs: ({ method: string } & (Latency | { count: 0 })) | null;
  loss: { devicesChecked: number; sent: number; acked: number; stored: number; lost: number; method: string } | null;
  actuations: { sent: number; failed: number; delivered: number; lost: number; latencyMs: Latency | null } | null;
  errors: Record<string, number>;
}

const lat = (l: Latency | { count: 0 } | null | undefined) =>
  l && 'p50' in l
    ? `p50 ${fmt(l.p50, 1)} ms  p99 ${fmt(l.p99, 1)} ms  max ${fmt(l.max, 1)} ms  (${fmt(l.count)} timed)`
    : 'none timed';

export function renderReport(r: LoadReport): string {
  const out: string[] = ['dojot-red load report', ''];
  for (const [k, v] of Object.entries(r.conditions))
    out.push(`  ${k.padEnd(20)} ${Array.isArray(v) ? v.join(' ') : v}`);
  out.push('');
  const s = r.setup;
  out.push(
    `setup              devices in ${fmt(s.devicesSeconds, 1)} s${s.certificatesSeconds === null ? '' : `, certificates signed in ${fmt(s.certificatesSeconds, 1)} s`}`,
  );
  const c = r.connect;
  out.push(
    `connect            ${fmt(c.connected)}/${fmt(c.attempted)} connected (${fmt(c.failed)} failed) in ${fmt(c.seconds, 1)} s: ${fmt(c.perSecond)} connections/s`,
  );
  const p = r.publish;
  out.push(
    `publish            ${fmt(p.sent)} sent in ${fmt(p.seconds, 1)} s: ${fmt(p.perSecond)} msg/s; ${fmt(p.acked)} acknowledged (${fmt(p.ackedPerSecond)} msg/s)`,
  );
  if (r.pubackMs) out.push(`PUBACK latency     ${lat(r.pubackMs)}`);
  if (r.storedMs) out.push(`publish→stored     ${lat(r.storedMs)}, ${r.storedMs.method}`);
  else out.push('publish→stored     not sampled (the payload has no {{seq}} attribute)');
  if (r.flowMs) out.push(`publish→flow       ${lat(r.flowMs)}, ${r.flowMs.method}`);
  else out.push('publish→flow       not sampled (--flow-latency)');
  if (r.loss) {
    const l = r.loss;
    out.push(
      `loss               ${fmt(l.lost)} acknowledged but not stored, of ${fmt(l.acked)} acknowledged (${fmt(l.sent)} sent, ${fmt(l.stored)} stored) on ${fmt(l.devicesChecked)} devices checked`,
    );
    out.push(`                   (${l.method})`);
  }
  if (r.actuations) {
    const a = r.actuations;
    out.push(
      `actuations         ${fmt(a.sent)} sent over REST (${fmt(a.failed)} refused), ${fmt(a.delivered)} delivered, ${fmt(a.lost)} lost`,
    );
    out.push(`REST→device        ${lat(a.latencyMs)}`);
  }
  const kinds = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
  out.push(`errors             ${kinds.length === 0 ? 'none' : ''}`);
  for (const [k, n] of kinds) out.push(`  ${fmt(n).padStart(8)}  ${k}`);
  return `${out.join('\n')}\n`;
}
