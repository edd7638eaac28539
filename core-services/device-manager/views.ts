// Rows → dojot's JSON (docs/dojot-compatibility.md §2.1–2.3): attrs with template_id as a string, null values and
// empty lists dropped, is_static_overridden only in device views, templates as ints in devices.
import type { AttrView, FullDevice } from './client.js';
import type { AttrFormat } from './query.js';
import { DATA_ATTR_TYPES } from './schemas.js';

export interface TemplateRow {
  id: number;
  label: string;
  created: string;
  updated: string | null;
}

export interface AttrRow {
  id: number;
  /** Set for top-level attributes. */
  template_id: number | null;
  /** Set for metadata attributes. */
  parent_id: number | null;
  label: string;
  type: string;
  value_type: string;
  static_value: string | null;
  created: string;
  updated: string | null;
}

export interface DeviceRow {
  id: string;
  label: string;
  created: string;
  updated: string | null;
}

export interface TemplateView {
  id: number;
  label: string;
  created: string;
  updated?: string;
  attrs?: AttrView[];
  data_attrs?: AttrView[];
  config_attrs?: AttrView[];
}

/** Attributes of some templates, indexed for assembly: top-level ones per template, metadata per parent. */
export class AttrIndex {
  readonly byTemplate = new Map<number, AttrRow[]>();
  readonly byParent = new Map<number, AttrRow[]>();

  constructor(rows: AttrRow[]) {
    for (const r of [...rows].sort((a, b) => a.id - b.id)) {
      const [map, key] = r.template_id !== null ? [this.byTemplate, r.template_id] : [this.byParent, r.parent_id!];
      const list = map.get(key) ?? [];
      list.push(r);
      map.set(key, list);
    }
  }

  top(templateId: number): AttrRow[] {
    return this.byTemplate.get(templateId) ?? [];
  }

  children(attrId: number): AttrRow[] {
    return this.byParent.get(attrId) ?? [];
  }
}

/** Static values a device sets for itself, by attribute id (top-level or metadata). */
export type Overrides = Map<number, string>;

function metaView(row: AttrRow, overrides: Overrides | undefined): AttrView {
  const v: Record<string, unknown> = { id: row.id, label: row.label, type: row.type, value_type: row.value_type };
  applyStatic(v, row, overrides);
  v.created = row.created;
  if (row.updated !== null) v.updated = row.updated;
  // dojot's metadata carries no template_id; the client type lists one for every AttrView.
  return v as unknown as AttrView;
}

/** In device views (overrides given) every attribute with a static value says whether it is the device's own. */
function applyStatic(v: Record<string, unknown>, row: AttrRow, overrides: Overrides | undefined): void {
  const own = overrides?.get(row.id);
  if (own !== undefined) {
    v.static_value = own;
    v.is_static_overridden = true;
  } else if (row.static_value !== null) {
    v.static_value = row.static_value;
    if (overrides) v.is_static_overridden = false;
  }
}

export function attrView(row: AttrRow, index: AttrIndex, overrides?: Overrides): AttrView {
  const v: Record<string, unknown> = { id: row.id, label: row.label, type: row.type, value_type: row.value_type };
  applyStatic(v, row, overrides);
  const overridden = v.is_static_overridden;
  delete v.is_static_overridden;
  v.template_id = String(row.template_id);
  v.created = row.created;
  if (row.updated !== null) v.updated = row.updated;
  const meta = index.children(row.id).map((m) => metaView(m, overrides));
  if (meta.length > 0) v.metadata = meta;
  if (overridden !== undefined) v.is_static_overridden = overridden;
  return v as unknown as AttrView;
}

export function templateView(row: TemplateRow, index: AttrIndex): TemplateView {
  const attrs = index.top(row.id).map((a) => attrView(a, index));
  const isData = (a: AttrView) => (DATA_ATTR_TYPES as readonly string[]).includes(a.type);
  const t: TemplateView = { id: row.id, label: row.label, created: row.created };
  if (row.updated !== null) t.updated = row.updated;
  t.attrs = attrs;
  t.data_attrs = attrs.filter(isData);
  t.config_attrs = attrs.filter((a) => !isData(a));
  return t;
}

/** attr_format=single keeps only attrs; split keeps only data_attrs and config_attrs. */
export function formatTemplate(t: TemplateView, format: AttrFormat): TemplateView {
  const out = { ...t };
  if (format === 'single') {
    delete out.data_attrs;
    delete out.config_attrs;
  } else if (format === 'split') {
    delete out.attrs;
  }
  return out;
}

export function deviceView(row: DeviceRow, templates: number[], index: AttrIndex, overrides: Overrides): FullDevice {
  const d: FullDevice = { id: row.id, label: row.label, created: row.created, templates, attrs: {} };
  if (row.updated !== null) d.updated = row.updated;
  for (const t of templates) d.attrs[String(t)] = index.top(t).map((a) => attrView(a, index, overrides));
  // Key order as dojot's: id, label, created, updated, templates, attrs.
  const { templates: ts, attrs, ...head } = d;
  return { ...head, templates: ts, attrs };
}
