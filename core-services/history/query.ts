// The query string of GET /history/device/:id/history (§4.1), checked field by field so a bad
// value is answered with a 400 that names it.
import { HistoryErrors } from './errors.js';
import type { Window } from './store.js';

export interface HistoryQuery {
  /** null: no attr given (every attr of the device); otherwise the labels in the order given */
  attrs: string[] | null;
  /** true when attr named a list (repeated or comma-separated): the answer is an object */
  asList: boolean;
  window: Window;
}

export type RawQuery = Record<string, string | string[] | undefined>;

const LARGEST_N = 2 ** 31 - 1;
const LARGEST_SECONDS = 2 ** 31 - 1;

function single(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw HistoryErrors.HISTORY_INVALID_PARAM({ param: name, detail: 'It must be given once.' });
  return v;
}

function count(q: RawQuery, name: string): number | null {
  const raw = single(q, name);
  if (raw === undefined) return null;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= LARGEST_N))
    throw HistoryErrors.HISTORY_INVALID_PARAM({ param: name, detail: `It must be a positive integer, got "${raw}".` });
  return n;
}

/** ISO dates (any Date.parse-able text) or epoch seconds/ms, as the persister reads timestamps. */
function date(q: RawQuery, name: string): Date | null {
  const raw = single(q, name);
  if (raw === undefined) return null;
  const text = raw.trim();
  let ms: number;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    ms = n > LARGEST_SECONDS ? n : n * 1000;
  } else ms = Date.parse(text);
  const d = new Date(ms);
  if (text === '' || Number.isNaN(d.getTime()))
    throw HistoryErrors.HISTORY_INVALID_PARAM({
      param: name,
      detail: `It must be a date (ISO 8601) or epoch time, got "${raw}".`,
    });
  return d;
}

export function parseHistoryQuery(q: RawQuery): HistoryQuery {
  const given = q.attr === undefined ? null : Array.isArray(q.attr) ? q.attr : [q.attr];
  let attrs: string[] | null = null;
  let asList = false;
  if (given) {
    const labels = given
      .flatMap((a) => a.split(','))
      .map((a) => a.trim())
      .filter(Boolean);
    if (labels.length === 0)
      throw HistoryErrors.HISTORY_INVALID_PARAM({ param: 'attr', detail: 'It must name at least one attribute.' });
    attrs = [...new Set(labels)];
    asList = given.length > 1 || given[0].includes(',');
  }
  const firstN = count(q, 'firstN');
  const lastN = count(q, 'lastN');
  const hLimit = count(q, 'hLimit');
  const from = date(q, 'dateFrom');
  const to = date(q, 'dateTo');
  // firstN wins over lastN, lastN over hLimit (dojot's order); with none, every point, newest first.
  const window: Window =
    firstN !== null ? { order: 'asc', limit: firstN, from, to } : { order: 'desc', limit: lastN ?? hLimit, from, to };
  return { attrs, asList, window };
}
