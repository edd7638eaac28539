// GET /x509/v1/certificates?page=1&limit=25&fields=a,b&<field>=<value> (§7): paging, a field
// projection, and filters on record fields where a value starting with "~:" means "contains".
import { X509Errors } from './errors.js';
import type { Filter } from './store.js';

export const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 25;

/** Record fields that may be filtered on, and the SQL each stands for (never built from input). */
const FILTERS: Record<string, string> = {
  fingerprint: 'fingerprint',
  'belongsTo.device': "belongs_to->>'device'",
  'belongsTo.application': "belongs_to->>'application'",
  issuedByDojotPki: 'issued_by_dojot_pki::text',
  autoRegistered: 'auto_registered::text',
};

export const FIELDS = [
  'fingerprint',
  'pem',
  'createdAt',
  'issuedByDojotPki',
  'autoRegistered',
  'belongsTo',
  'tenant',
] as const;

export type Query = Record<string, string | string[] | undefined>;

export interface ListQuery {
  page: number;
  limit: number;
  fields: string[] | null;
  filters: Filter[];
}

const one = (q: Query, key: string): string | undefined => {
  const v = q[key];
  if (Array.isArray(v)) throw X509Errors.X509_INVALID_QUERY({ param: key, problem: 'given more than once' });
  return v;
};

function positive(q: Query, key: string, def: number, max: number): number {
  const raw = one(q, key);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw X509Errors.X509_INVALID_QUERY({ param: key, problem: `must be an integer from 1 to ${max}, got "${raw}"` });
  return Number(raw);
}

export function parseFields(q: Query): string[] | null {
  const raw = one(q, 'fields');
  if (raw === undefined) return null;
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.filter((f) => !(FIELDS as readonly string[]).includes(f));
  if (unknown.length)
    throw X509Errors.X509_INVALID_QUERY({
      param: 'fields',
      problem: `unknown field(s) ${unknown.join(', ')}; known: ${FIELDS.join(', ')}`,
    });
  return fields;
}

export function parseListQuery(q: Query): ListQuery {
  const filters: Filter[] = [];
  for (const key of Object.keys(q)) {
    if (['page', 'limit', 'fields'].includes(key)) continue;
    const column = FILTERS[key];
    if (!column)
      throw X509Errors.X509_INVALID_QUERY({
        param: key,
        problem: `cannot filter on it; filters: ${Object.keys(FILTERS).join(', ')}`,
      });
    const raw = one(q, key)!;
    const contains = raw.startsWith('~:');
    const value = contains ? raw.slice(2) : raw;
    filters.push({ column, contains, value: key === 'fingerprint' ? value.toUpperCase() : value });
  }
  return {
    page: positive(q, 'page', 1, 1_000_000),
    limit: positive(q, 'limit', DEFAULT_LIMIT, MAX_LIMIT),
    fields: parseFields(q),
    filters,
  };
}

/** Keeps the listed fields of a record (all of them without `fields`). */
export function project<T extends object>(record: T, fields: string[] | null): Partial<T> {
  if (!fields) return record;
  return Object.fromEntries(Object.entries(record).filter(([k]) => fields.includes(k))) as Partial<T>;
}

/** dojot's paging block; the urls keep the request's other parameters. */
export function paging(base: string, q: Query, page: number, limit: number, totalItems: number) {
  const totalPages = Math.ceil(totalItems / limit);
  const url = (n: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q))
      if (typeof v === 'string' && k !== 'page' && k !== 'limit') params.set(k, v);
    params.set('page', String(n));
    params.set('limit', String(limit));
    return `${base}?${params.toString()}`;
  };
  const at = (n: number) => ({ number: n, url: url(n) });
  return {
    previous: page > 1 ? at(page - 1) : null,
    current: at(page),
    next: page < totalPages ? at(page + 1) : null,
    totalItems,
    totalPages,
    limitPerPage: limit,
  };
}
