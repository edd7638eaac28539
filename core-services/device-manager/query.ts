// Query-string parameters of the list and create routes (docs/dojot-compatibility.md §2.2, §2.3): pagination,
// filters, sorting, attr_format, count/verbose. Flask read the first of repeated single-valued
// parameters; so do we.
import { DmErrors } from './errors.js';
import { storable, toId } from './schemas.js';

export type Query = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Largest page_size/page_num accepted: keeps LIMIT/OFFSET inside PostgreSQL's bigint. */
const PAGE_PARAM_MAX = 2_147_483_647;
/** Most devices one POST /device?count=N may create: one request must not monopolise the store. */
export const CREATE_COUNT_MAX = 10_000;

export interface Page {
  num: number;
  size: number;
}

/** dojot's defaults page_num=1, page_size=20, and its three messages. */
export function parsePage(q: Query): Page {
  const rawNum = first(q.page_num) ?? '1';
  const rawSize = first(q.page_size) ?? '20';
  if (!/^-?\d{1,10}$/.test(rawNum.trim()) || !/^-?\d{1,10}$/.test(rawSize.trim())) {
    throw DmErrors.DM_BAD_PAGINATION({ detail: 'page_size and page_num must be integers' });
  }
  const num = Number(rawNum);
  const size = Number(rawSize);
  if (num < 1) throw DmErrors.DM_BAD_PAGINATION({ detail: 'Page numbers must be greater than 1' });
  if (size < 1) throw DmErrors.DM_BAD_PAGINATION({ detail: 'At least one entry per page is mandatory' });
  if (num > PAGE_PARAM_MAX || size > PAGE_PARAM_MAX)
    throw DmErrors.DM_BAD_PAGINATION({ detail: `page_size and page_num must be at most ${PAGE_PARAM_MAX}` });
  return { num, size };
}

export interface Pagination {
  page: number;
  /** The number of PAGES (dojot's meaning), not of items. */
  total: number;
  has_next: boolean;
  next_page: number | null;
}

export function paginationOf(page: Page, items: number): Pagination {
  const pages = Math.ceil(items / page.size);
  const hasNext = page.num < pages;
  return { page: page.num, total: pages, has_next: hasNext, next_page: hasNext ? page.num + 1 : null };
}

export type AttrFormat = 'both' | 'single' | 'split';

/** dojot fell back to both on an unknown value; we name it instead of ignoring it. */
export function parseAttrFormat(q: Query): AttrFormat {
  const v = first(q.attr_format);
  if (v === undefined || v === '') return 'both';
  if (v !== 'both' && v !== 'single' && v !== 'split')
    throw DmErrors.DM_INVALID_QUERY({ param: 'attr_format', problem: `must be both, single or split, got "${v}"` });
  return v;
}

/** A flag: true, false, 1, 0 (any case); an empty value means true (`?idsOnly`). */
function flag(q: Query, name: string): boolean {
  const v = first(q[name]);
  if (v === undefined) return false;
  const l = v.toLowerCase();
  if (l === '' || l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  throw DmErrors.DM_INVALID_QUERY({ param: name, problem: `must be true or false, got "${v}"` });
}

export interface Sort {
  column: 'id' | 'label' | 'created' | 'updated';
  desc: boolean;
}

/** sortBy=label (§2); dojot also took id/created/updated with an optional asc:/desc: prefix. None → by id; anything else is named. */
export function parseSort(q: Query): Sort {
  const raw = first(q.sortBy);
  if (raw === undefined || raw === '') return { column: 'id', desc: false };
  const m = /^(?:(asc|desc):)?(id|label|created|updated)$/.exec(raw);
  if (!m)
    throw DmErrors.DM_INVALID_QUERY({
      param: 'sortBy',
      problem: `must be id, label, created or updated, optionally after asc: or desc:, got "${raw}"`,
    });
  return { column: m[2] as Sort['column'], desc: m[1] === 'desc' };
}

export interface AttrFilter {
  label: string;
  value: string;
}

export interface ListFilters {
  /** Substring of the label. */
  label?: string;
  /** Each must hold: an attribute with this label whose static value is this value. */
  attr: AttrFilter[];
  /** Each must hold: an attribute with this value_type. */
  attrType: string[];
  sort: Sort;
}

export interface DeviceFilters extends ListFilters {
  /** Devices using this template; null when the id cannot exist (so nothing matches). */
  template?: number | null;
  idsOnly: boolean;
}

function parseAttrFilters(q: Query): AttrFilter[] {
  return all(q.attr).map((raw) => {
    // dojot's pattern ^(.+)=(.+)$ is greedy: the value is what follows the last '='.
    const i = raw.lastIndexOf('=');
    if (i <= 0 || i === raw.length - 1)
      throw DmErrors.DM_INVALID_QUERY({ param: 'attr', problem: `expected label=value, got "${raw}"` });
    return { label: raw.slice(0, i), value: raw.slice(i + 1) };
  });
}

export function parseTemplateFilters(q: Query): ListFilters {
  const label = first(q.label);
  return { label: label || undefined, attr: parseAttrFilters(q), attrType: all(q.attr_type), sort: parseSort(q) };
}

export function parseDeviceFilters(q: Query): DeviceFilters {
  const base = parseTemplateFilters(q);
  const rawTemplate = first(q.template);
  let template: number | null | undefined;
  if (rawTemplate !== undefined && rawTemplate !== '') {
    const id = toId(rawTemplate);
    if (id === null)
      throw DmErrors.DM_INVALID_QUERY({
        param: 'template',
        problem: `must be a template id (an integer), got "${rawTemplate}"`,
      });
    template = storable(id) ? id : null;
  }
  const idsOnly = flag(q, 'idsOnly');
  return { ...base, template, idsOnly };
}

export interface CreateOptions {
  count: number;
  verbose: boolean;
}

export function parseCreateOptions(q: Query): CreateOptions {
  const raw = first(q.count) ?? '1';
  if (!/^\d{1,6}$/.test(raw.trim())) throw DmErrors.DM_BAD_COUNT({ count: raw, max: CREATE_COUNT_MAX });
  const count = Number(raw);
  if (count < 1 || count > CREATE_COUNT_MAX) throw DmErrors.DM_BAD_COUNT({ count: raw, max: CREATE_COUNT_MAX });
  const verbose = q.verbose === undefined ? false : flag(q, 'verbose');
  if (verbose && count !== 1) throw DmErrors.DM_VERBOSE_COUNT();
  return { count, verbose };
}
