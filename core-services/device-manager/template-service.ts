// Template logic (docs/dojot-compatibility.md §2.2), no HTTP. Multi-row changes run in one transaction; events are
// published after it commits.
import type { Sql, Store } from '../platform/store/index.js';
import { loadFullDevices } from './device-store.js';
import { DmErrors } from './errors.js';
import { deviceEvent, templateUpdateEvent, type EventPublisher } from './events.js';
import { paginationOf, type AttrFormat, type ListFilters, type Page, type Pagination } from './query.js';
import { storable, toId, type MetaInput, type TemplateInput } from './schemas.js';
import {
  anyTemplateInUse,
  deleteAttrs,
  deleteTemplates,
  devicesUsingTemplate,
  findAttrConflict,
  getAttrRows,
  getTemplateRows,
  insertAttrs,
  insertMetadata,
  insertTemplate,
  listTemplateIds,
  updateAttr,
  updateTemplateLabel,
} from './template-store.js';
import { AttrIndex, formatTemplate, templateView, type AttrRow, type TemplateView } from './views.js';

/** A template id from a path: anything that cannot name a template is simply not found. */
export function templateIdOf(raw: string): number {
  const id = toId(raw);
  if (id === null || !storable(id)) throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: raw });
  return id;
}

/** Templates as dojot shows them, in the order of `ids`. */
export async function loadTemplates(
  sql: Sql,
  tenant: string,
  ids: number[] | 'all',
  lock?: 'update',
): Promise<TemplateView[]> {
  const rows = await getTemplateRows(sql, tenant, ids, lock);
  const index = new AttrIndex(
    await getAttrRows(
      sql,
      tenant,
      rows.map((r) => r.id),
    ),
  );
  const byId = new Map(rows.map((r) => [r.id, templateView(r, index)]));
  const order = ids === 'all' ? rows.map((r) => r.id) : ids;
  return order.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
}

export class TemplateService {
  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
  ) {}

  async create(tenant: string, input: TemplateInput): Promise<TemplateView> {
    return this.store.transaction(async (tx) => {
      const id = await insertTemplate(tx, tenant, input.label);
      await insertAttrs(tx, tenant, id, input.attrs);
      const [view] = await loadTemplates(tx, tenant, [id]);
      return view;
    });
  }

  async list(
    tenant: string,
    filters: ListFilters,
    page: Page,
    format: AttrFormat,
  ): Promise<{ templates: TemplateView[]; pagination: Pagination }> {
    const { ids, count } = await listTemplateIds(this.store, tenant, filters, page);
    const templates = (await loadTemplates(this.store, tenant, ids)).map((t) => formatTemplate(t, format));
    return { templates, pagination: paginationOf(page, count) };
  }

  async get(tenant: string, rawId: string, format: AttrFormat): Promise<TemplateView> {
    const [view] = await loadTemplates(this.store, tenant, [templateIdOf(rawId)]);
    if (!view) throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: rawId });
    return formatTemplate(view, format);
  }

  /**
   * Attributes that keep their label and type keep their id (and the devices' overrides of them);
   * the others are removed or added. Metadata is matched the same way within each kept attribute.
   * Every device using the template gets an `update` event, then `template.update` follows.
   */
  async update(tenant: string, rawId: string, input: TemplateInput): Promise<TemplateView> {
    const id = templateIdOf(rawId);
    const { view, devices } = await this.store.transaction(async (tx) => {
      const [row] = await getTemplateRows(tx, tenant, [id], 'update');
      if (!row) throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: rawId });
      const index = new AttrIndex(await getAttrRows(tx, tenant, [id]));
      const added = [...input.attrs];
      const removed: number[] = [];
      const newMeta: { parents: number[]; metas: MetaInput[] } = { parents: [], metas: [] };
      const sameKey = (a: { label: string; type: string }) => (b: { label: string; type: string }) =>
        a.label === b.label && a.type === b.type;
      const keep = async (old: AttrRow, wanted: MetaInput[]): Promise<MetaInput[]> => {
        const rest = [...wanted];
        for (const child of index.children(old.id)) {
          const j = rest.findIndex(sameKey(child));
          if (j < 0) {
            removed.push(child.id);
            continue;
          }
          const [w] = rest.splice(j, 1);
          await updateAttr(tx, tenant, child.id, w.value_type, w.static_value);
        }
        return rest;
      };
      for (const old of index.top(id)) {
        const i = added.findIndex(sameKey(old));
        if (i < 0) {
          removed.push(old.id);
          continue;
        }
        const [wanted] = added.splice(i, 1);
        await updateAttr(tx, tenant, old.id, wanted.value_type, wanted.static_value);
        for (const m of await keep(old, wanted.metadata)) {
          newMeta.parents.push(old.id);
          newMeta.metas.push(m);
        }
      }
      // Removals first: a metadata label is unique per parent, whatever its type.
      await deleteAttrs(tx, tenant, removed);
      await insertMetadata(tx, tenant, newMeta.parents, newMeta.metas);
      await insertAttrs(tx, tenant, id, added);
      await updateTemplateLabel(tx, tenant, id, input.label);
      const conflict = await findAttrConflict(tx, tenant, id);
      if (conflict) throw DmErrors.DM_ATTR_CONFLICT({ label: conflict.label, id: conflict.id });
      const [view] = await loadTemplates(tx, tenant, [id]);
      return { view, devices: await loadFullDevices(tx, tenant, await devicesUsingTemplate(tx, tenant, id)) };
    });
    await this.events.emit(tenant, [
      ...devices.map((d) => deviceEvent(tenant, 'update', d)),
      templateUpdateEvent(
        tenant,
        devices.map((d) => d.id),
        view,
      ),
    ]);
    return view;
  }

  async remove(tenant: string, rawId: string): Promise<TemplateView> {
    const id = templateIdOf(rawId);
    return this.store.transaction(async (tx) => {
      const [view] = await loadTemplates(tx, tenant, [id], 'update');
      if (!view) throw DmErrors.DM_NO_SUCH_TEMPLATE({ id: rawId });
      if (await anyTemplateInUse(tx, tenant, [id])) throw DmErrors.DM_TEMPLATE_IN_USE();
      await deleteTemplates(tx, tenant, [id]);
      return view;
    });
  }

  /** DELETE /template: all of the tenant's templates, or none when any is in use. */
  async removeAll(tenant: string): Promise<TemplateView[]> {
    return this.store.transaction(async (tx) => {
      const views = await loadTemplates(tx, tenant, 'all', 'update');
      if (await anyTemplateInUse(tx, tenant, 'all')) throw DmErrors.DM_TEMPLATE_IN_USE();
      await deleteTemplates(
        tx,
        tenant,
        views.map((t) => t.id),
      );
      return views;
    });
  }
}
