// Export and import of a tenant's templates and devices for data-manager (docs/dojot-compatibility.md §9.1).
// Export is dojot's shape: templates without created/updated/data_attrs/config_attrs, devices with
// only the attributes they override. Import replaces everything of the tenant: it is validated
// whole first (a problem names its path, e.g. `templates[2].attrs[0].label`), then written inside
// the importer's transaction keeping the file's ids, then announced as device events.
import type { Sql, Store } from '../platform/store/index.js';
import type {
  AttrView,
  DeviceTransferClient,
  FullDevice,
  ExportedDevice,
  ExportedTemplate,
  ImportStep,
} from './client.js';
import {
  allDeviceIds,
  insertDevices,
  insertOverrides,
  linkTemplates,
  loadFullDevices,
  type OverrideRow,
} from './device-store.js';
import { DmErrors } from './errors.js';
import { deviceEvent, type EventPublisher } from './events.js';
import { ATTR_LABEL, LABEL_MAX, STATIC_VALUE_MAX, TYPE_MAX } from './schemas.js';
import { loadTemplates } from './template-service.js';

const INT4_MAX = 2_147_483_647;
const DEVICE_ID = /^[A-Za-z0-9]{1,8}$/;

const problem = (path: string, what: string) =>
  DmErrors.DM_IMPORT_INVALID({ path, problem: what }, { message: `${path}: ${what}`, path });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= INT4_MAX;

function strip(attr: AttrView): AttrView {
  const { created: _c, updated: _u, is_static_overridden: _o, metadata, ...rest } = attr;
  const out = rest as AttrView;
  if (metadata?.length) out.metadata = metadata.map(strip);
  return out;
}

interface AttrPlan {
  id: number | null;
  templateId: number;
  parent: number | null;
  label: string;
  type: string;
  value_type: string;
  static_value: string | null;
  children: AttrPlan[];
}

function staticText(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  if (text.length > STATIC_VALUE_MAX) throw problem(path, `at most ${STATIC_VALUE_MAX} characters`);
  return text;
}

function text(v: unknown, path: string, max: number, pattern?: RegExp): string {
  if (typeof v !== 'string' || v === '' || v.length > max)
    throw problem(path, `expected a non-empty string of at most ${max} characters`);
  if (pattern && !pattern.test(v)) throw problem(path, `must match ${pattern}`);
  return v;
}

function planAttr(raw: unknown, path: string, templateId: number, ids: Set<number>, top: boolean): AttrPlan {
  if (!isObject(raw)) throw problem(path, 'expected an attribute object');
  let id: number | null = null;
  if (raw.id !== undefined) {
    if (!isId(raw.id) || ids.has(raw.id))
      throw problem(`${path}.id`, 'expected a positive integer not used by another attribute');
    id = raw.id;
    ids.add(id);
  }
  const plan: AttrPlan = {
    id,
    templateId,
    parent: null,
    label: text(raw.label, `${path}.label`, LABEL_MAX, top ? ATTR_LABEL : undefined),
    type: text(raw.type, `${path}.type`, TYPE_MAX),
    value_type: text(raw.value_type, `${path}.value_type`, TYPE_MAX),
    static_value: staticText(raw.static_value, `${path}.static_value`),
    children: [],
  };
  if (top && raw.metadata !== undefined) {
    if (!Array.isArray(raw.metadata)) throw problem(`${path}.metadata`, 'expected an array');
    const labels = new Set<string>();
    plan.children = raw.metadata.map((m, k) => {
      const child = planAttr(m, `${path}.metadata[${k}]`, templateId, ids, false);
      if (labels.has(child.label)) throw problem(`${path}.metadata[${k}].label`, 'repeats another metadata label');
      labels.add(child.label);
      return child;
    });
  }
  return plan;
}

export class DeviceTransfer implements DeviceTransferClient {
  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
  ) {}

  async exportConfig(tenant: string): Promise<{ templates: ExportedTemplate[]; devices: ExportedDevice[] }> {
    const templates = (await loadTemplates(this.store, tenant, 'all')).map((t) => ({
      id: t.id,
      label: t.label,
      attrs: (t.attrs ?? []).map(strip),
    }));
    const devices = (await loadFullDevices(this.store, tenant, await allDeviceIds(this.store, tenant))).map((d) => {
      const attrs: AttrView[] = [];
      for (const a of Object.values(d.attrs).flat()) {
        const ownMeta = (a.metadata ?? []).filter((m) => m.is_static_overridden).map(strip);
        if (!a.is_static_overridden && ownMeta.length === 0) continue;
        const out = strip({ ...a, metadata: ownMeta });
        if (!a.is_static_overridden) delete out.static_value;
        attrs.push(out);
      }
      return { id: d.id, label: d.label, templates: d.templates, attrs };
    });
    return { templates, devices };
  }

  prepareImport(tenant: string, templatesRaw: unknown, devicesRaw: unknown): ImportStep {
    if (!Array.isArray(templatesRaw)) throw problem('templates', 'expected an array');
    if (!Array.isArray(devicesRaw)) throw problem('devices', 'expected an array');
    const attrIds = new Set<number>();
    const templateIds = new Set<number>();
    const templates = templatesRaw.map((raw, i) => {
      const path = `templates[${i}]`;
      if (!isObject(raw)) throw problem(path, 'expected a template object');
      if (!isId(raw.id) || templateIds.has(raw.id))
        throw problem(`${path}.id`, 'expected a positive integer not used by another template');
      templateIds.add(raw.id);
      const label = text(raw.label, `${path}.label`, LABEL_MAX);
      if (!Array.isArray(raw.attrs)) throw problem(`${path}.attrs`, 'expected an array');
      const seen = new Set<string>();
      const attrs = raw.attrs.map((a, j) => {
        const plan = planAttr(a, `${path}.attrs[${j}]`, raw.id as number, attrIds, true);
        if (seen.has(`${plan.label}\u0000${plan.type}`))
          throw problem(
            `${path}.attrs[${j}].label`,
            `attribute ${plan.label} of type ${plan.type} appears more than once`,
          );
        seen.add(`${plan.label}\u0000${plan.type}`);
        return plan;
      });
      return { id: raw.id, label, attrs };
    });
    const deviceIds = new Set<string>();
    const devices = devicesRaw.map((raw, i) => {
      const path = `devices[${i}]`;
      if (!isObject(raw)) throw problem(path, 'expected a device object');
      if (typeof raw.id !== 'string' || !DEVICE_ID.test(raw.id) || deviceIds.has(raw.id))
        throw problem(`${path}.id`, 'expected 1 to 8 letters or digits not used by another device');
      deviceIds.add(raw.id);
      const label = text(raw.label, `${path}.label`, LABEL_MAX);
      if (!Array.isArray(raw.templates)) throw problem(`${path}.templates`, 'expected an array of template ids');
      const tids = raw.templates.map((t, k) => {
        const id = typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : t;
        if (!isId(id) || !templateIds.has(id))
          throw problem(`${path}.templates[${k}]`, 'names no template of the file');
        return id;
      });
      return { id: raw.id, label, templates: [...new Set(tids)], attrsRaw: raw.attrs ?? [], path };
    });
    const byTemplate = new Map(templates.map((t) => [t.id, t.attrs]));
    // Overrides refer to attributes by id, or by template and label when ids were left out.
    const findAttr = (tids: number[], a: Record<string, unknown>, pool?: AttrPlan[]) => {
      const candidates = pool ?? tids.flatMap((t) => byTemplate.get(t) ?? []);
      return candidates.find((c) =>
        a.id !== undefined && c.id !== null
          ? c.id === a.id
          : c.label === a.label && (pool || String(c.templateId) === String(a.template_id)),
      );
    };
    const overrides: { device: string; plan: AttrPlan; value: string }[] = [];
    for (const d of devices) {
      if (!Array.isArray(d.attrsRaw)) throw problem(`${d.path}.attrs`, 'expected an array');
      d.attrsRaw.forEach((a: unknown, j: number) => {
        const path = `${d.path}.attrs[${j}]`;
        if (!isObject(a)) throw problem(path, 'expected an attribute object');
        const plan = findAttr(d.templates, a);
        if (!plan) throw problem(path, "names no attribute of the device's templates");
        const value = staticText(a.static_value, `${path}.static_value`);
        if (value !== null) overrides.push({ device: d.id, plan, value });
        if (a.metadata !== undefined && !Array.isArray(a.metadata))
          throw problem(`${path}.metadata`, 'expected an array');
        ((a.metadata as unknown[]) ?? []).forEach((m, k) => {
          if (!isObject(m)) throw problem(`${path}.metadata[${k}]`, 'expected a metadata object');
          const meta = findAttr(d.templates, m, plan.children);
          if (!meta) throw problem(`${path}.metadata[${k}]`, 'names no metadata of this attribute');
          const v = staticText(m.static_value, `${path}.metadata[${k}].static_value`);
          if (v !== null) overrides.push({ device: d.id, plan: meta, value: v });
        });
      });
    }
    let removed: FullDevice[] = [];
    return {
      apply: async (tx: Sql) => {
        removed = await loadFullDevices(tx, tenant, await allDeviceIds(tx, tenant));
        await tx.query('DELETE FROM dm_devices WHERE tenant = $1', [tenant]);
        await tx.query('DELETE FROM dm_templates WHERE tenant = $1', [tenant]);
        await writeTemplates(tx, tenant, templates);
        await insertDevices(tx, tenant, devices);
        for (const d of devices) await linkTemplates(tx, tenant, [d.id], d.templates);
        await insertOverrides(
          tx,
          tenant,
          overrides.map((o): OverrideRow => ({ device: o.device, attr: o.plan.id!, value: o.value })),
        );
      },
      after: async () => {
        const now = await loadFullDevices(
          this.store,
          tenant,
          devices.map((d) => d.id),
        );
        await this.events.emit(tenant, [
          ...removed.map((d) => deviceEvent(tenant, 'remove', d)),
          ...now.map((d) => deviceEvent(tenant, 'create', d)),
        ]);
      },
    };
  }
}

async function writeTemplates(
  tx: Sql,
  tenant: string,
  templates: { id: number; label: string; attrs: AttrPlan[] }[],
): Promise<void> {
  for (const t of templates)
    await tx.query('INSERT INTO dm_templates (tenant, id, label) VALUES ($1, $2, $3)', [tenant, t.id, t.label]);
  // Keep the file's ids so devices and flows that name them stay right; the sequences move past them.
  const all = templates.flatMap((t) => t.attrs.flatMap((a) => [a, ...a.children]));
  const maxAttr = Math.max(0, ...all.map((a) => a.id ?? 0));
  const maxTemplate = Math.max(0, ...templates.map((t) => t.id));
  await tx.query("SELECT setval('dm_attr_ids', GREATEST((SELECT last_value FROM dm_attr_ids), $1::bigint, 1))", [
    maxAttr,
  ]);
  await tx.query(
    "SELECT setval(pg_get_serial_sequence('dm_templates', 'id'), GREATEST((SELECT last_value FROM dm_templates_id_seq), $1::bigint, 1))",
    [maxTemplate],
  );
  for (const t of templates) {
    for (const a of t.attrs) {
      a.id = await insertAttr(tx, tenant, a, { template: t.id });
      for (const m of a.children) m.id = await insertAttr(tx, tenant, m, { parent: a.id });
    }
  }
}

async function insertAttr(
  tx: Sql,
  tenant: string,
  a: AttrPlan,
  owner: { template: number } | { parent: number },
): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO dm_attrs (tenant, id, template_id, parent_id, label, type, value_type, static_value)
     VALUES ($1, COALESCE($2::int, nextval('dm_attr_ids')::int), $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      tenant,
      a.id,
      'template' in owner ? owner.template : null,
      'parent' in owner ? owner.parent : null,
      a.label,
      a.type,
      a.value_type,
      a.static_value,
    ],
  );
  return row.id;
}
