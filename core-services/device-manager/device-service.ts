// Device logic (docs/dojot-compatibility.md §2.3), no HTTP. Multi-row changes run in one transaction; events are
// published after it commits, one per device.
import type { Sql, Store } from '../platform/store/index.js';
import type { FullDevice } from './client.js';
import { newDeviceIds, randomDeviceId, type IdSource } from './device-ids.js';
import {
  actuatorLabels,
  allDeviceIds,
  clearDeviceLinks,
  deleteDevices,
  getDeviceRows,
  getLinks,
  insertDevices,
  insertOverrides,
  linkTemplates,
  listDeviceIds,
  loadFullDevices,
  unlinkTemplate,
  updateDeviceRow,
  type OverrideRow,
} from './device-store.js';
import { DmErrors, invalidField, notConfigurable } from './errors.js';
import { configureEvent, deviceEvent, type EventPublisher } from './events.js';
import {
  paginationOf,
  parseSort,
  type CreateOptions,
  type DeviceFilters,
  type Page,
  type Pagination,
} from './query.js';
import { LABEL_MAX, storable, toId, type DeviceInput, type OverrideInput } from './schemas.js';
import { getAttrRows, getTemplateRows } from './template-store.js';
import { templateIdOf } from './template-service.js';
import { AttrIndex } from './views.js';

export type DeviceList = { pagination: Pagination; devices: FullDevice[] } | string[];

/**
 * Locks the templates a device will use (so no concurrent edit slips a conflict in), checks they
 * exist and that no label+type pair appears in two of them, and returns their attributes.
 */
async function prepareTemplates(tx: Sql, tenant: string, deviceId: string, templates: number[]): Promise<AttrIndex> {
  const found = new Set((await getTemplateRows(tx, tenant, templates.filter(storable), 'share')).map((r) => r.id));
  const missing = templates.find((t) => !found.has(t));
  if (missing !== undefined) throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: missing });
  const index = new AttrIndex(await getAttrRows(tx, tenant, templates));
  const seen = new Set<string>();
  for (const t of templates) {
    const keys = index.top(t).map((a) => `${a.type}\u0000${a.label}`);
    if (keys.some((k) => seen.has(k))) throw DmErrors.DM_TEMPLATE_CONFLICT({ template: t, device: deviceId });
    keys.forEach((k) => seen.add(k));
  }
  return index;
}

/** Checks the overrides against the device's templates and returns the rows to store for one device. */
function overrideRows(
  device: string,
  templates: number[],
  index: AttrIndex,
  overrides: OverrideInput[],
): OverrideRow[] {
  const rows: OverrideRow[] = [];
  for (const o of overrides) {
    if (!templates.includes(o.template_id)) throw DmErrors.DM_UNKNOWN_OVERRIDE_TEMPLATE({ id: o.template_id });
    const attr = index.top(o.template_id).find((a) => a.id === o.id);
    if (!attr) throw DmErrors.DM_UNKNOWN_OVERRIDE_ATTR({ id: o.id });
    if (o.static_value !== null) rows.push({ device, attr: attr.id, value: o.static_value });
    for (const m of o.metadata) {
      const child = index.children(attr.id).find((c) => c.id === m.id);
      if (!child) throw DmErrors.DM_UNKNOWN_OVERRIDE_METADATA({ id: m.id });
      if (m.static_value !== null) rows.push({ device, attr: child.id, value: m.static_value });
    }
  }
  return rows;
}

/** count > 1 numbers the labels label_0, label_1, ... zero-padded to the width of count (dojot). */
function labelsFor(label: string, count: number): string[] {
  if (count === 1) return [label];
  const width = String(count).length;
  const labels = Array.from({ length: count }, (_, i) => `${label}_${String(i).padStart(width, '0')}`);
  if (labels[count - 1].length > LABEL_MAX)
    throw invalidField('label', `with its index suffix must be at most ${LABEL_MAX} characters`);
  return labels;
}

export class DeviceService {
  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
    private readonly drawId: IdSource = randomDeviceId,
  ) {}

  async create(
    tenant: string,
    input: DeviceInput,
    opts: CreateOptions,
  ): Promise<{ message: string; devices: unknown[] }> {
    const labels = labelsFor(input.label, opts.count);
    const devices = await this.store.transaction(async (tx) => {
      const ids = await newDeviceIds(tx, tenant, opts.count, this.drawId);
      const index = await prepareTemplates(tx, tenant, ids[0], input.templates);
      const overrides = ids.flatMap((id) => overrideRows(id, input.templates, index, input.attrs));
      await insertDevices(
        tx,
        tenant,
        ids.map((id, i) => ({ id, label: labels[i] })),
      );
      await linkTemplates(tx, tenant, ids, input.templates);
      await insertOverrides(tx, tenant, overrides);
      return loadFullDevices(tx, tenant, ids);
    });
    await this.events.emit(
      tenant,
      devices.map((d) => deviceEvent(tenant, 'create', d)),
    );
    if (opts.verbose) return { message: 'device created', devices };
    return { message: 'devices created', devices: devices.map((d) => ({ id: d.id, label: d.label })) };
  }

  async list(tenant: string, filters: DeviceFilters, page: Page): Promise<DeviceList> {
    const { ids, count } = await listDeviceIds(this.store, tenant, filters, page);
    if (filters.idsOnly) return ids;
    return { pagination: paginationOf(page, count), devices: await loadFullDevices(this.store, tenant, ids) };
  }

  /**
   * GET /device/template/:id. dojot answered an empty list for a template it did not know; we
   * answer 404, like every other route given an unknown (or another tenant's) id.
   */
  async listByTemplate(tenant: string, rawTemplate: string, page: Page): Promise<DeviceList> {
    const template = templateIdOf(rawTemplate);
    if ((await getTemplateRows(this.store, tenant, [template])).length === 0)
      throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: rawTemplate });
    return this.list(tenant, { attr: [], attrType: [], sort: parseSort({}), template, idsOnly: false }, page);
  }

  async get(tenant: string, id: string): Promise<FullDevice> {
    const [device] = await loadFullDevices(this.store, tenant, [id]);
    if (!device) throw DmErrors.DM_NO_SUCH_DEVICE({ id });
    return device;
  }

  /** PUT /device/:id replaces label, templates and overrides; id and created stay. */
  async update(tenant: string, id: string, input: DeviceInput): Promise<FullDevice> {
    const device = await this.store.transaction(async (tx) => {
      await this.lockDevice(tx, tenant, id);
      const index = await prepareTemplates(tx, tenant, id, input.templates);
      const overrides = overrideRows(id, input.templates, index, input.attrs);
      await clearDeviceLinks(tx, tenant, id);
      await updateDeviceRow(tx, tenant, id, input.label);
      await linkTemplates(tx, tenant, [id], input.templates);
      await insertOverrides(tx, tenant, overrides);
      return (await loadFullDevices(tx, tenant, [id]))[0];
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'update', device)]);
    return device;
  }

  async remove(tenant: string, id: string): Promise<FullDevice> {
    const device = await this.store.transaction(async (tx) => {
      await this.lockDevice(tx, tenant, id);
      const [d] = await loadFullDevices(tx, tenant, [id]);
      await deleteDevices(tx, tenant, [id]);
      return d;
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'remove', device)]);
    return device;
  }

  /** DELETE /device. dojot sent no events here; we send `remove` per device so caches elsewhere forget them. */
  async removeAll(tenant: string): Promise<FullDevice[]> {
    const devices = await this.store.transaction(async (tx) => {
      const all = await loadFullDevices(tx, tenant, await allDeviceIds(tx, tenant));
      await deleteDevices(
        tx,
        tenant,
        all.map((d) => d.id),
      );
      return all;
    });
    await this.events.emit(
      tenant,
      devices.map((d) => deviceEvent(tenant, 'remove', d)),
    );
    return devices;
  }

  async addTemplate(tenant: string, id: string, rawTemplate: string): Promise<FullDevice> {
    const device = await this.store.transaction(async (tx) => {
      await this.lockDevice(tx, tenant, id);
      const template = templateIdOf(rawTemplate);
      const current = (await getLinks(tx, tenant, [id])).get(id) ?? [];
      if (current.includes(template)) throw DmErrors.DM_ALREADY_ASSOCIATED({ device: id, template });
      await prepareTemplates(tx, tenant, id, [...current, template]);
      await linkTemplates(tx, tenant, [id], [template]);
      await updateDeviceRow(tx, tenant, id);
      return (await loadFullDevices(tx, tenant, [id]))[0];
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'update', device)]);
    return device;
  }

  async removeTemplate(tenant: string, id: string, rawTemplate: string): Promise<FullDevice> {
    const device = await this.store.transaction(async (tx) => {
      await this.lockDevice(tx, tenant, id);
      const template = toId(rawTemplate);
      if (template === null || !storable(template) || !(await unlinkTemplate(tx, tenant, id, template))) {
        throw DmErrors.DM_NOT_ASSOCIATED({ device: id, template: rawTemplate });
      }
      await updateDeviceRow(tx, tenant, id);
      return (await loadFullDevices(tx, tenant, [id]))[0];
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'update', device)]);
    return device;
  }

  /** Every key must be an actuator attribute of the device; then one `configure` event carries them. */
  async actuate(tenant: string, id: string, attrs: Record<string, unknown>): Promise<void> {
    const labels = await actuatorLabels(this.store, tenant, id);
    if (labels === null) throw DmErrors.DM_NO_SUCH_DEVICE({ id });
    const actuators = new Set(labels);
    const refused = Object.keys(attrs).filter((label) => !actuators.has(label));
    if (refused.length > 0) throw notConfigurable(refused);
    await this.events.emit(tenant, [configureEvent(tenant, id, attrs)]);
  }

  private async lockDevice(tx: Sql, tenant: string, id: string): Promise<void> {
    if ((await getDeviceRows(tx, tenant, [id], true)).length === 0) throw DmErrors.DM_NO_SUCH_DEVICE({ id });
  }
}
