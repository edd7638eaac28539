// dojot's timestamp rule (history persister, §4.3): a number above 2^31−1 is epoch ms, anything
// smaller epoch seconds; a non-numeric string is parsed as ISO-8601.
const LARGEST_SECONDS = 2 ** 31 - 1;
/** Bounds (ms) that keep a timestamp printable as a 4-digit-year ISO string and storable. */
const EARLIEST_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const LATEST_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A timestamp (number, numeric string or ISO string) in epoch ms, or null when unusable. */
export function toEpochMs(value: unknown): number | null {
  let ms: number;
  if (typeof value === 'number') ms = value > LARGEST_SECONDS ? value : value * 1000;
  else if (typeof value === 'string') {
    if (NUMERIC.test(value)) {
      const n = Number(value);
      ms = n > LARGEST_SECONDS ? n : n * 1000;
    } else ms = Date.parse(value);
  } else return null;
  if (!Number.isFinite(ms) || ms < EARLIEST_MS || ms > LATEST_MS) return null;
  return Math.round(ms);
}

/**
 * An instant as dojot's history wrote it: ISO-8601 in UTC with six fraction digits
 * (`2021-02-01T12:00:37.452000Z`). Times are kept to the millisecond, so the last three are 0.
 */
export function isoMicros(instant: number | Date): string {
  return new Date(instant).toISOString().replace(/Z$/, '000Z');
}
