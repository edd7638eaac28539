// Request bodies in dojot's shapes (docs/dojot-compatibility.md §2.1–2.3), checked by hand so every 400 names the
// field and carries dojot's own keys. Parsers return plain typed values; nothing here touches
// the store.
import { DmErrors, invalidAttr, invalidField } from './errors.js';

/** §2.1: attribute labels. Metadata labels were never checked by dojot and are not here either. */
export const ATTR_LABEL = /^[a-zA-Z0-9_-]+$/;
/** Column widths, characters (dojot's String(128) / String(32)). */
export const LABEL_MAX = 128;
export const TYPE_MAX = 32;
export const STATIC_VALUE_MAX = 128;
/** Largest id a PostgreSQL integer column holds: bigger ids cannot exist. */
const INT4_MAX = 2_147_483_647;

/** The attribute types that are device data; every other type (e.g. meta) is configuration. */
export const DATA_ATTR_TYPES = ['dynamic', 'static', 'actuator'] as const;

export interface MetaInput {
  label: string;
  type: string;
  value_type: string;
  static_value: string | null;
}
export interface AttrInput extends MetaInput {
  metadata: MetaInput[];
}
export interface TemplateInput {
  label: string;
  attrs: AttrInput[];
}
export interface OverrideInput {
  id: number;
  template_id: number;
  static_value: string | null;
  metadata: { id: number; static_value: string | null }[];
}
export interface DeviceInput {
  label: string;
  templates: number[];
  attrs: OverrideInput[];
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined) throw DmErrors.DM_BAD_PAYLOAD({ detail: 'the request has no body' });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw DmErrors.DM_BAD_PAYLOAD({ detail: `expected a JSON object, got ${kind(body)}` });
  return body as Record<string, unknown>;
}

/** An id as dojot took it: a non-negative integer, or a string of digits. Null when it is neither. */
export function toId(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,12}$/.test(v)) return Number(v);
  return null;
}

/** True when an id could name a row (fits the integer column); larger ids simply do not exist. */
export const storable = (id: number): boolean => id <= INT4_MAX;

/** dojot stored static values as varchar: numbers and booleans become their text, other JSON its serialisation. */
function staticValue(v: unknown, fail: (problem: string) => Error): string | null {
  if (v === undefined || v === null) return null;
  const text =
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (text.length > STATIC_VALUE_MAX) throw fail(`must be at most ${STATIC_VALUE_MAX} characters once stored as text`);
  return text;
}

function label(body: Record<string, unknown>, fail: (field: string, problem: string) => Error): string {
  const v = body.label;
  if (v === undefined || v === null) throw fail('label', 'is required');
  if (typeof v !== 'string') throw fail('label', `expected a string, got ${kind(v)}`);
  if (v.length === 0) throw fail('label', 'must not be empty');
  if (v.length > LABEL_MAX) throw fail('label', `must be at most ${LABEL_MAX} characters`);
  return v;
}

function shortText(
  obj: Record<string, unknown>,
  field: string,
  fail: (field: string, problem: string) => Error,
): string {
  const v = obj[field];
  if (v === undefined || v === null) throw fail(field, 'is required');
  if (typeof v !== 'string') throw fail(field, `expected a string, got ${kind(v)}`);
  if (v.length === 0) throw fail(field, 'must not be empty');
  if (v.length > TYPE_MAX) throw fail(field, `must be at most ${TYPE_MAX} characters`);
  return v;
}

function parseMeta(raw: unknown, path: string): MetaInput {
  const fail = (field: string, problem: string) => invalidAttr(`${path}.${field}`, field, problem);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalidAttr(path, 'metadata', `expected an object, got ${kind(raw)}`);
  const m = raw as Record<string, unknown>;
  return {
    label: label(m, fail),
    type: shortText(m, 'type', fail),
    value_type: shortText(m, 'value_type', fail),
    static_value: staticValue(m.static_value, (p) => fail('static_value', p)),
  };
}

function parseAttr(raw: unknown, i: number): AttrInput {
  const path = `attrs[${i}]`;
  const fail = (field: string, problem: string) => invalidAttr(`${path}.${field}`, field, problem);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalidAttr(path, 'attrs', `expected an object, got ${kind(raw)}`);
  const a = raw as Record<string, unknown>;
  const lbl = label(a, fail);
  if (!ATTR_LABEL.test(lbl)) throw fail('label', `"${lbl}" must contain only letters, digits, - or _`);
  const attr: AttrInput = {
    label: lbl,
    type: shortText(a, 'type', fail),
    value_type: shortText(a, 'value_type', fail),
    static_value: staticValue(a.static_value, (p) => fail('static_value', p)),
    metadata: [],
  };
  if (a.metadata !== undefined && a.metadata !== null) {
    if (!Array.isArray(a.metadata)) throw fail('metadata', `expected an array, got ${kind(a.metadata)}`);
    attr.metadata = a.metadata.map((m, j) => parseMeta(m, `${path}.metadata[${j}]`));
    const seen = new Set<string>();
    for (const m of attr.metadata) {
      if (seen.has(m.label))
        throw fail(
          'metadata',
          `metadata label "${m.label}" appears more than once (a template can not have repeated attributes)`,
        );
      seen.add(m.label);
    }
  }
  return attr;
}

/** POST/PUT /template body: {label, attrs?: [...]}. */
export function parseTemplate(body: unknown): TemplateInput {
  const t = requireObject(body);
  const lbl = label(t, invalidField);
  let attrs: AttrInput[] = [];
  if (t.attrs !== undefined && t.attrs !== null) {
    if (!Array.isArray(t.attrs)) throw invalidField('attrs', `expected an array, got ${kind(t.attrs)}`);
    attrs = t.attrs.map(parseAttr);
  }
  const seen = new Set<string>();
  for (const a of attrs) {
    const key = `${a.type}\u0000${a.label}`;
    if (seen.has(key)) throw DmErrors.DM_DUPLICATE_ATTR({ label: a.label, type: a.type });
    seen.add(key);
  }
  return { label: lbl, attrs };
}

function parseOverride(raw: unknown, i: number): OverrideInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalidField(`attrs[${i}]`, `expected an object, got ${kind(raw)}`);
  const o = raw as Record<string, unknown>;
  const id = toId(o.id);
  if (id === null)
    throw DmErrors.DM_UNKNOWN_OVERRIDE_ATTR({ id: o.id === undefined ? '(missing id)' : JSON.stringify(o.id) });
  const templateId = toId(o.template_id);
  if (templateId === null)
    throw DmErrors.DM_UNKNOWN_OVERRIDE_TEMPLATE({
      id: o.template_id === undefined ? '(missing template_id)' : JSON.stringify(o.template_id),
    });
  const sv = (v: unknown) => staticValue(v, (p) => invalidField(`attrs[${i}].static_value`, p));
  const metadata: OverrideInput['metadata'] = [];
  if (o.metadata !== undefined && o.metadata !== null) {
    if (!Array.isArray(o.metadata))
      throw invalidField(`attrs[${i}].metadata`, `expected an array, got ${kind(o.metadata)}`);
    for (const m of o.metadata) {
      const mo = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
      const mid = toId(mo.id);
      if (mid === null)
        throw DmErrors.DM_UNKNOWN_OVERRIDE_METADATA({
          id: mo.id === undefined ? '(missing id)' : JSON.stringify(mo.id),
        });
      metadata.push({ id: mid, static_value: sv(mo.static_value) });
    }
  }
  return { id, template_id: templateId, static_value: sv(o.static_value), metadata };
}

/** POST/PUT /device body: {label, templates?: [ids], attrs?: [overrides]}. */
export function parseDevice(body: unknown): DeviceInput {
  const d = requireObject(body);
  const lbl = label(d, invalidField);
  const templates: number[] = [];
  if (d.templates !== undefined && d.templates !== null) {
    if (!Array.isArray(d.templates))
      throw invalidField('templates', `expected an array of template ids, got ${kind(d.templates)}`);
    for (const [i, t] of d.templates.entries()) {
      const id = toId(t);
      if (id === null)
        throw invalidField('templates', `templates[${i}] must be a template id (an integer), got ${JSON.stringify(t)}`);
      if (templates.includes(id)) throw invalidField('templates', `template ${id} is listed more than once`);
      templates.push(id);
    }
  }
  let attrs: OverrideInput[] = [];
  if (d.attrs !== undefined && d.attrs !== null) {
    if (!Array.isArray(d.attrs))
      throw invalidField('attrs', `expected an array of static-value overrides, got ${kind(d.attrs)}`);
    attrs = d.attrs.map(parseOverride);
    const seen = new Set<number>();
    for (const o of attrs) {
      if (seen.has(o.id)) throw DmErrors.DM_REPEATED_OVERRIDE({ id: o.id });
      seen.add(o.id);
    }
  }
  return { label: lbl, templates, attrs };
}

/** PUT /device/:id/actuate body: {"attrs": {"<label>": value, ...}}. */
export function parseActuate(body: unknown): Record<string, unknown> {
  const b = requireObject(body);
  if (typeof b.attrs !== 'object' || b.attrs === null || Array.isArray(b.attrs)) {
    throw invalidField(
      'attrs',
      `expected an object of attribute labels to values, got ${b.attrs === undefined ? 'nothing' : kind(b.attrs)}`,
    );
  }
  return b.attrs as Record<string, unknown>;
}
