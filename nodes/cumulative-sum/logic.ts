// A sliding-window sum by message timestamp (§5.3). State is kept as dojot kept it,
// {sum, entries:[{timestamp, value}]}; entries that fell out of the window are dropped. A message
// older than the newest one seen is rejected (dojot refused out-of-order input) and leaves the
// state unchanged.

export interface Entry {
  timestamp: number;
  value: number;
}

export interface SumState {
  sum: number;
  entries: Entry[];
}

export const emptyState = (): SumState => ({ sum: 0, entries: [] });

/** A usable state from whatever the context held (nothing, or something else after an edit). */
export function restore(v: unknown): SumState {
  const s = v as SumState | undefined;
  if (!s || !Array.isArray(s.entries)) return emptyState();
  const entries = s.entries.filter((e) => Number.isFinite(e?.timestamp) && Number.isFinite(e?.value));
  return { sum: entries.reduce((a, e) => a + e.value, 0), entries };
}

export function add(state: SumState, value: number, timestamp: number, windowMs: number): SumState | Error {
  const last = state.entries[state.entries.length - 1];
  if (last && timestamp < last.timestamp)
    return new Error(`late message: timestamp ${timestamp} is older than the last one summed (${last.timestamp})`);
  const entries = [...state.entries, { timestamp, value }].filter((e) => e.timestamp > timestamp - windowMs);
  return { sum: entries.reduce((a, e) => a + e.value, 0), entries };
}

/** A number, or a numeric string as devices often send; else null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
