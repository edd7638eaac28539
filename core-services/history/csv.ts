// History as CSV (GET /history/device/:id/history?format=csv, or Accept: text/csv): the rows the
// JSON answer would hold, one per line, `device_id,attr,ts,value,metadata`, RFC 4180 quoting.
// A string value that a spreadsheet would run as a formula (= + - @ at its start) is prefixed
// with a single quote: an export opened in Excel must not execute what a device sent.
import type { HistoryEntry } from './store.js';

export const CSV_HEADER = 'device_id,attr,ts,value,metadata';

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function valueCell(value: unknown): string {
  if (typeof value === 'string') return cell(FORMULA_START.test(value) ? `'${value}` : value);
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return cell(JSON.stringify(value));
  return String(value);
}

export function historyCsv(entries: Iterable<HistoryEntry>): string {
  const lines = [CSV_HEADER];
  for (const e of entries) {
    const meta = e.metadata && Object.keys(e.metadata).length > 0 ? cell(JSON.stringify(e.metadata)) : '';
    lines.push([cell(e.device_id), cell(e.attr), e.ts, valueCell(e.value), meta].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
