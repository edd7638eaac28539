// What every benchmark prints and computes: the conditions of the run, and percentiles.
import os from 'node:os';

export function intFlag(flags: Record<string, string>, name: string, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function conditions(extra: Record<string, string | number>): string {
  const cpus = os.cpus();
  const lines: [string, string | number][] = [
    [
      'cpu',
      `${cpus[0]?.model ?? 'unknown'} × ${cpus.length} (load avg ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start)`,
    ],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['node', process.version],
    ['platform', `${os.platform()} ${os.release()}`],
    ...Object.entries(extra),
  ];
  return lines.map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join('\n');
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Epoch ms with sub-ms precision, comparable between threads of one process. */
export const nowMs = () => performance.timeOrigin + performance.now();
