// Template and attribute queries. Every function takes the tenant first and every statement is
// scoped by it; they take an Sql so the service can run several in one transaction.
import type { Sql } from '../platform/store/index.js';
import type { AttrInput, MetaInput } from './schemas.js';
import type { ListFilters, Page, Sort } from './query.js';
import type { AttrRow, TemplateRow } from './views.js';

/** dojot's timestamps: ISO-8601 in UTC with microseconds and "+00:00" (§2.1). */
export const ts = (col: string, as = col.replace(/^\w+\./, '')) =>
  `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS ${as}`;

const TEMPLATE_COLS = `t.id, t.label, ${ts('t.created')}, ${ts('t.updated')}`;
const ATTR_COLS = `a.id, a.template_id, a.parent_id, a.label, a.type, a.value_type, a.static_value, ${ts('a.created')}, ${ts('a.updated')}`;

/** Collects positional parameters while a statement is assembled: p(value) → "$n". */
export class Params {
  readonly values: unknown[] = [];
  p(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function orderBy(alias: string, sort: Sort): string {
  const dir = sort.desc ? 'DESC' : 'ASC';
  return sort.column === 'id' ? `${alias}.id ${dir}` : `${alias}.${sort.column} ${dir}, ${alias}.id ASC`;
}

/** Draws n attribute ids from the install-wide sequence, ascending (metadata rows need their parent's id first). */
async function allocateAttrIds(sql: Sql, n: number): Promise<number[]> {
  if (n === 0) return [];
  const rows = await sql.query<{ id: number }>(
    "SELECT nextval('dm_attr_ids')::int AS id FROM generate_series(1, $1::int)",
    [n],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export async function insertTemplate(sql: Sql, tenant: string, label: string): Promise<number> {
  const [row] = await sql.query<{ id: number }>(
    'INSERT INTO dm_templates (tenant, label) VALUES ($1, $2) RETURNING id',
    [tenant, label],
  );
  return row.id;
}

async function insertRows(
  sql: Sql,
  tenant: string,
  owner: { template: number } | { parents: number[] },
  ids: number[],
  rows: MetaInput[],
): Promise<void> {
  if (rows.length === 0) return;
  const cols = [
    ids,
    rows.map((r) => r.label),
    rows.map((r) => r.type),
    rows.map((r) => r.value_type),
    rows.map((r) => r.static_value),
  ];
  if ('template' in owner) {
    await sql.query(
      `INSERT INTO dm_attrs (tenant, template_id, id, label, type, value_type, static_value)
       SELECT $1::text, $2::int, u.* FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u`,
      [tenant, owner.template, ...cols],
    );
  } else {
    await sql.query(
      `INSERT INTO dm_attrs (tenant, parent_id, id, label, type, value_type, static_value)
       SELECT $1::text, u.* FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u`,
      [tenant, owner.parents, ...cols],
    );
  }
}

/** Adds attributes (with their metadata) to a template; returns the new top-level ids in order. */
export async function insertAttrs(sql: Sql, tenant: string, templateId: number, attrs: AttrInput[]): Promise<number[]> {
  const ids = await allocateAttrIds(sql, attrs.length);
  await insertRows(sql, tenant, { template: templateId }, ids, attrs);
  const parents: number[] = [];
  const metas: MetaInput[] = [];
  attrs.forEach((a, i) => a.metadata.forEach((m) => (parents.push(ids[i]), metas.push(m))));
  await insertMetadata(sql, tenant, parents, metas);
  return ids;
}

/** Adds metadata attributes; parents[i] owns metas[i]. */
export async function insertMetadata(sql: Sql, tenant: string, parents: number[], metas: MetaInput[]): Promise<void> {
  const ids = await allocateAttrIds(sql, metas.length);
  await insertRows(sql, tenant, { parents }, ids, metas);
}

/** Templates by id (in id order); `lock` holds them against concurrent edits until commit. */
export async function getTemplateRows(
  sql: Sql,
  tenant: string,
  ids: number[] | 'all',
  lock?: 'share' | 'update',
): Promise<TemplateRow[]> {
  const where = ids === 'all' ? '' : 'AND t.id = ANY($2::int[])';
  const locking = lock === 'share' ? 'FOR SHARE' : lock === 'update' ? 'FOR UPDATE' : '';
  return sql.query<TemplateRow>(
    `SELECT ${TEMPLATE_COLS} FROM dm_templates t WHERE t.tenant = $1 ${where} ORDER BY t.id ${locking}`,
    ids === 'all' ? [tenant] : [tenant, ids],
  );
}

/** The top-level attributes of these templates and their metadata. */
export async function getAttrRows(sql: Sql, tenant: string, templateIds: number[]): Promise<AttrRow[]> {
  if (templateIds.length === 0) return [];
  return sql.query<AttrRow>(
    `SELECT ${ATTR_COLS} FROM dm_attrs a
     WHERE a.tenant = $1 AND (a.template_id = ANY($2::int[])
       OR a.parent_id IN (SELECT p.id FROM dm_attrs p WHERE p.tenant = $1 AND p.template_id = ANY($2::int[])))
     ORDER BY a.id`,
    [tenant, templateIds],
  );
}

/** One page of template ids matching the filters, and how many match in all. */
export async function listTemplateIds(
  sql: Sql,
  tenant: string,
  f: ListFilters,
  page: Page,
): Promise<{ ids: number[]; count: number }> {
  const ps = new Params();
  const where = [`t.tenant = ${ps.p(tenant)}`];
  if (f.label !== undefined) where.push(`strpos(t.label, ${ps.p(f.label)}) > 0`);
  const attrOf = 'SELECT 1 FROM dm_attrs a WHERE a.tenant = t.tenant AND a.template_id = t.id';
  for (const a of f.attr)
    where.push(`EXISTS (${attrOf} AND a.label = ${ps.p(a.label)} AND a.static_value = ${ps.p(a.value)})`);
  for (const vt of f.attrType) where.push(`EXISTS (${attrOf} AND a.value_type = ${ps.p(vt)})`);
  const cond = where.join(' AND ');
  const [{ n }] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM dm_templates t WHERE ${cond}`,
    ps.values,
  );
  const rows = await sql.query<{ id: number }>(
    `SELECT t.id FROM dm_templates t WHERE ${cond} ORDER BY ${orderBy('t', f.sort)} LIMIT ${ps.p(page.size)} OFFSET ${ps.p((page.num - 1) * page.size)}`,
    ps.values,
  );
  return { ids: rows.map((r) => r.id), count: n };
}

export async function updateTemplateLabel(sql: Sql, tenant: string, id: number, label: string): Promise<void> {
  await sql.query('UPDATE dm_templates SET label = $3, updated = now() WHERE tenant = $1 AND id = $2', [
    tenant,
    id,
    label,
  ]);
}

/** Sets an attribute's value_type and static value, stamping `updated` only when something changed. */
export async function updateAttr(
  sql: Sql,
  tenant: string,
  id: number,
  valueType: string,
  staticValue: string | null,
): Promise<void> {
  await sql.query(
    `UPDATE dm_attrs SET value_type = $3, static_value = $4, updated = now()
     WHERE tenant = $1 AND id = $2 AND (value_type IS DISTINCT FROM $3 OR static_value IS DISTINCT FROM $4)`,
    [tenant, id, valueType, staticValue],
  );
}

/** Deletes attributes; their metadata and the overrides of either go with them (cascade). */
export async function deleteAttrs(sql: Sql, tenant: string, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('DELETE FROM dm_attrs WHERE tenant = $1 AND id = ANY($2::int[])', [tenant, ids]);
}

export async function anyTemplateInUse(sql: Sql, tenant: string, ids: number[] | 'all'): Promise<boolean> {
  const rows = await sql.query(
    `SELECT 1 FROM dm_device_templates WHERE tenant = $1 ${ids === 'all' ? '' : 'AND template_id = ANY($2::int[])'} LIMIT 1`,
    ids === 'all' ? [tenant] : [tenant, ids],
  );
  return rows.length > 0;
}

export async function deleteTemplates(sql: Sql, tenant: string, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('DELETE FROM dm_templates WHERE tenant = $1 AND id = ANY($2::int[])', [tenant, ids]);
}

/**
 * An attribute of this template whose label and type another template of the same device also
 * has: dojot's database trigger refused such template edits (§2.3).
 */
export async function findAttrConflict(
  sql: Sql,
  tenant: string,
  templateId: number,
): Promise<{ id: number; label: string } | null> {
  const rows = await sql.query<{ id: number; label: string }>(
    `SELECT a.id, a.label FROM dm_attrs a
     JOIN dm_device_templates l ON l.tenant = a.tenant AND l.template_id = a.template_id
     JOIN dm_device_templates o ON o.tenant = l.tenant AND o.device_id = l.device_id AND o.template_id <> l.template_id
     JOIN dm_attrs b ON b.tenant = o.tenant AND b.template_id = o.template_id AND b.label = a.label AND b.type = a.type
     WHERE a.tenant = $1 AND a.template_id = $2
     ORDER BY a.id LIMIT 1`,
    [tenant, templateId],
  );
  return rows[0] ?? null;
}

export async function devicesUsingTemplate(sql: Sql, tenant: string, templateId: number): Promise<string[]> {
  const rows = await sql.query<{ device_id: string }>(
    'SELECT device_id FROM dm_device_templates WHERE tenant = $1 AND template_id = $2 ORDER BY device_id',
    [tenant, templateId],
  );
  return rows.map((r) => r.device_id);
}
