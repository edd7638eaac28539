// Device queries: devices, their template links and static-value overrides. Tenant first, every
// statement scoped by it; functions take an Sql so the service can group them in a transaction.
import type { Sql } from '../platform/store/index.js';
import type { FullDevice } from './client.js';
import type { DeviceFilters, Page } from './query.js';
import { Params, getAttrRows, orderBy, ts } from './template-store.js';
import { AttrIndex, deviceView, type DeviceRow, type Overrides } from './views.js';

export async function existingDeviceIds(sql: Sql, tenant: string, ids: string[]): Promise<Set<string>> {
  const rows = await sql.query<{ id: string }>('SELECT id FROM dm_devices WHERE tenant = $1 AND id = ANY($2::text[])', [
    tenant,
    ids,
  ]);
  return new Set(rows.map((r) => r.id));
}

export async function allDeviceIds(sql: Sql, tenant: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>('SELECT id FROM dm_devices WHERE tenant = $1 ORDER BY id', [tenant]);
  return rows.map((r) => r.id);
}

export async function deviceIdExists(sql: Sql, tenant: string, id: string): Promise<boolean> {
  return (await sql.query('SELECT 1 FROM dm_devices WHERE tenant = $1 AND id = $2', [tenant, id])).length > 0;
}

/**
 * The labels of a device's actuator attributes (none when its templates have none), or null when
 * there is no such device: one statement, where the whole device would take four. An actuation
 * waits for its lookup behind whatever the store is running (history INSERTs under load).
 */
export async function actuatorLabels(sql: Sql, tenant: string, id: string): Promise<string[] | null> {
  const rows = await sql.query<{ label: string | null }>(
    `SELECT a.label FROM dm_devices d
     LEFT JOIN dm_device_templates l ON l.tenant = d.tenant AND l.device_id = d.id
     LEFT JOIN dm_attrs a ON a.tenant = l.tenant AND a.template_id = l.template_id AND a.type = 'actuator'
     WHERE d.tenant = $1 AND d.id = $2`,
    [tenant, id],
  );
  if (rows.length === 0) return null;
  return rows.flatMap((r) => (r.label === null ? [] : [r.label]));
}

export async function insertDevices(sql: Sql, tenant: string, devices: { id: string; label: string }[]): Promise<void> {
  await sql.query(
    'INSERT INTO dm_devices (tenant, id, label) SELECT $1::text, u.* FROM unnest($2::text[], $3::text[]) AS u',
    [tenant, devices.map((d) => d.id), devices.map((d) => d.label)],
  );
}

/** Sets the label and stamps `updated`; id and created stay (dojot re-inserted the row keeping both). */
export async function updateDeviceRow(sql: Sql, tenant: string, id: string, label?: string): Promise<void> {
  await sql.query('UPDATE dm_devices SET label = coalesce($3, label), updated = now() WHERE tenant = $1 AND id = $2', [
    tenant,
    id,
    label ?? null,
  ]);
}

/** Links every device to every template given. */
export async function linkTemplates(
  sql: Sql,
  tenant: string,
  deviceIds: string[],
  templateIds: number[],
): Promise<void> {
  if (deviceIds.length === 0 || templateIds.length === 0) return;
  await sql.query(
    `INSERT INTO dm_device_templates (tenant, device_id, template_id)
     SELECT $1::text, d, t FROM unnest($2::text[]) AS d CROSS JOIN unnest($3::int[]) AS t`,
    [tenant, deviceIds, templateIds],
  );
}

export interface OverrideRow {
  device: string;
  attr: number;
  value: string;
}

export async function insertOverrides(sql: Sql, tenant: string, rows: OverrideRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    'INSERT INTO dm_overrides (tenant, device_id, attr_id, static_value) SELECT $1::text, u.* FROM unnest($2::text[], $3::int[], $4::text[]) AS u',
    [tenant, rows.map((r) => r.device), rows.map((r) => r.attr), rows.map((r) => r.value)],
  );
}

/** Forgets a device's templates and overrides (PUT /device replaces both). */
export async function clearDeviceLinks(sql: Sql, tenant: string, id: string): Promise<void> {
  await sql.query('DELETE FROM dm_overrides WHERE tenant = $1 AND device_id = $2', [tenant, id]);
  await sql.query('DELETE FROM dm_device_templates WHERE tenant = $1 AND device_id = $2', [tenant, id]);
}

/** Unlinks one template and drops the device's overrides of its attributes; false when it was not linked. */
export async function unlinkTemplate(sql: Sql, tenant: string, device: string, template: number): Promise<boolean> {
  const gone = await sql.query(
    'DELETE FROM dm_device_templates WHERE tenant = $1 AND device_id = $2 AND template_id = $3 RETURNING template_id',
    [tenant, device, template],
  );
  if (gone.length === 0) return false;
  await sql.query(
    `DELETE FROM dm_overrides o USING dm_attrs a
     WHERE o.tenant = $1 AND o.device_id = $2 AND a.tenant = o.tenant AND a.id = o.attr_id
       AND (a.template_id = $3 OR a.parent_id IN (SELECT p.id FROM dm_attrs p WHERE p.tenant = $1 AND p.template_id = $3))`,
    [tenant, device, template],
  );
  return true;
}

export async function getDeviceRows(sql: Sql, tenant: string, ids: string[], lock = false): Promise<DeviceRow[]> {
  return sql.query<DeviceRow>(
    `SELECT d.id, d.label, ${ts('d.created')}, ${ts('d.updated')} FROM dm_devices d
     WHERE d.tenant = $1 AND d.id = ANY($2::text[]) ORDER BY d.id ${lock ? 'FOR UPDATE' : ''}`,
    [tenant, ids],
  );
}

/** Each device's template ids, ascending. */
export async function getLinks(sql: Sql, tenant: string, deviceIds: string[]): Promise<Map<string, number[]>> {
  const rows = await sql.query<{ device_id: string; template_id: number }>(
    'SELECT device_id, template_id FROM dm_device_templates WHERE tenant = $1 AND device_id = ANY($2::text[]) ORDER BY device_id, template_id',
    [tenant, deviceIds],
  );
  const out = new Map<string, number[]>();
  for (const r of rows) out.set(r.device_id, [...(out.get(r.device_id) ?? []), r.template_id]);
  return out;
}

async function getOverrides(sql: Sql, tenant: string, deviceIds: string[]): Promise<Map<string, Overrides>> {
  const rows = await sql.query<{ device_id: string; attr_id: number; static_value: string }>(
    'SELECT device_id, attr_id, static_value FROM dm_overrides WHERE tenant = $1 AND device_id = ANY($2::text[])',
    [tenant, deviceIds],
  );
  const out = new Map<string, Overrides>();
  for (const r of rows) {
    const m = out.get(r.device_id) ?? new Map<number, string>();
    m.set(r.attr_id, r.static_value);
    out.set(r.device_id, m);
  }
  return out;
}

/** dojot's FullDevice for each id that exists, in the order given: four queries whatever the count. */
export async function loadFullDevices(sql: Sql, tenant: string, ids: string[]): Promise<FullDevice[]> {
  if (ids.length === 0) return [];
  const rows = await getDeviceRows(sql, tenant, ids);
  const links = await getLinks(sql, tenant, ids);
  const templateIds = [...new Set([...links.values()].flat())];
  const index = new AttrIndex(await getAttrRows(sql, tenant, templateIds));
  const overrides = await getOverrides(sql, tenant, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids
    .filter((id) => byId.has(id))
    .map((id) => deviceView(byId.get(id)!, links.get(id) ?? [], index, overrides.get(id) ?? new Map()));
}

/** One page of device ids matching the filters, and how many match in all. */
export async function listDeviceIds(
  sql: Sql,
  tenant: string,
  f: DeviceFilters,
  page: Page,
): Promise<{ ids: string[]; count: number }> {
  const ps = new Params();
  const where = [`d.tenant = ${ps.p(tenant)}`];
  if (f.label !== undefined) where.push(`strpos(d.label, ${ps.p(f.label)}) > 0`);
  if (f.template === null) where.push('false');
  else if (f.template !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM dm_device_templates l WHERE l.tenant = d.tenant AND l.device_id = d.id AND l.template_id = ${ps.p(f.template)})`,
    );
  }
  const attrOf = `SELECT 1 FROM dm_device_templates l
    JOIN dm_attrs a ON a.tenant = l.tenant AND a.template_id = l.template_id
    LEFT JOIN dm_overrides o ON o.tenant = l.tenant AND o.device_id = l.device_id AND o.attr_id = a.id
    WHERE l.tenant = d.tenant AND l.device_id = d.id`;
  // A device's static value is its override if it has one, else the template's (§2.3).
  for (const a of f.attr)
    where.push(
      `EXISTS (${attrOf} AND a.label = ${ps.p(a.label)} AND coalesce(o.static_value, a.static_value) = ${ps.p(a.value)})`,
    );
  for (const vt of f.attrType) where.push(`EXISTS (${attrOf} AND a.value_type = ${ps.p(vt)})`);
  const cond = where.join(' AND ');
  const [{ n }] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM dm_devices d WHERE ${cond}`,
    ps.values,
  );
  const rows = await sql.query<{ id: string }>(
    `SELECT d.id FROM dm_devices d WHERE ${cond} ORDER BY ${orderBy('d', f.sort)} LIMIT ${ps.p(page.size)} OFFSET ${ps.p((page.num - 1) * page.size)}`,
    ps.values,
  );
  return { ids: rows.map((r) => r.id), count: n };
}

/** Deletes devices; their links and overrides go with them (cascade). */
export async function deleteDevices(sql: Sql, tenant: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('DELETE FROM dm_devices WHERE tenant = $1 AND id = ANY($2::text[])', [tenant, ids]);
}
