// Tenant-first queries for flows. Node-RED sees one config array; dojot's API sees one flow per
// tab. Rows are per tab (see 0004-flows.sql), so both views read and write the same data.
import type { Sql } from '../../core-services/platform/store/index.js';
import { joinConfig, splitConfig, type FlowRecord, type NodeRedNode } from './config-split.js';

interface FlowRow {
  id: string;
  name: string;
  enabled: boolean;
  tab: NodeRedNode;
  nodes: NodeRedNode[];
  position: number;
  created: string | number;
  updated: string | number;
}

const toRecord = (r: FlowRow): FlowRecord => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  tab: r.tab,
  nodes: r.nodes,
  created: Number(r.created),
  updated: Number(r.updated),
});

const COLUMNS = 'id, name, enabled, tab, nodes, position, created, updated';

export const flowStore = {
  async list(db: Sql, tenant: string): Promise<FlowRecord[]> {
    const rows = await db.query<FlowRow>(`SELECT ${COLUMNS} FROM flows WHERE tenant = $1 ORDER BY position, created`, [
      tenant,
    ]);
    return rows.map(toRecord);
  },

  async get(db: Sql, tenant: string, id: string): Promise<FlowRecord | null> {
    const rows = await db.query<FlowRow>(`SELECT ${COLUMNS} FROM flows WHERE tenant = $1 AND id = $2`, [tenant, id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /** Inserts or replaces one flow; a new flow goes after the last tab. */
  async put(db: Sql, tenant: string, f: FlowRecord): Promise<void> {
    await db.query(
      `INSERT INTO flows (tenant, id, name, enabled, tab, nodes, position, created, updated)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb,
               (SELECT COALESCE(MAX(position) + 1, 0) FROM flows WHERE tenant = $1), $7, $8)
       ON CONFLICT (tenant, id) DO UPDATE SET name = $3, enabled = $4, tab = $5::jsonb, nodes = $6::jsonb, updated = $8`,
      [tenant, f.id, f.name, f.enabled, JSON.stringify(f.tab), JSON.stringify(f.nodes), f.created, f.updated],
    );
  },

  async remove(db: Sql, tenant: string, id: string): Promise<boolean> {
    const rows = await db.query('DELETE FROM flows WHERE tenant = $1 AND id = $2 RETURNING id', [tenant, id]);
    return rows.length > 0;
  },

  /** Removes every flow of the tenant and the config nodes they shared. */
  async removeAll(db: Sql, tenant: string): Promise<void> {
    await db.query('DELETE FROM flows WHERE tenant = $1', [tenant]);
    await db.query('DELETE FROM flow_globals WHERE tenant = $1', [tenant]);
  },

  async globals(db: Sql, tenant: string): Promise<NodeRedNode[]> {
    const rows = await db.query<{ nodes: NodeRedNode[] }>('SELECT nodes FROM flow_globals WHERE tenant = $1', [tenant]);
    return rows[0]?.nodes ?? [];
  },

  /** Tenants with at least one flow: their runtimes start with the platform. */
  async tenantsWithFlows(db: Sql): Promise<string[]> {
    const rows = await db.query<{ tenant: string }>('SELECT DISTINCT tenant FROM flows ORDER BY tenant');
    return rows.map((r) => r.tenant);
  },

  /** Node-RED's view: the whole config array (tabs first, in tab-bar order). */
  async readConfig(db: Sql, tenant: string): Promise<NodeRedNode[]> {
    return joinConfig(await this.list(db, tenant), await this.globals(db, tenant));
  },

  /** Stores Node-RED's whole config array; `updated` moves only for tabs whose content changed. */
  async writeConfig(db: Sql, tenant: string, config: NodeRedNode[], now = Date.now()): Promise<void> {
    const { tabs, globals } = splitConfig(config);
    const before = new Map((await this.list(db, tenant)).map((f) => [f.id, f]));
    for (const [i, t] of tabs.entries()) {
      const old = before.get(t.id);
      before.delete(t.id);
      const changed =
        !old ||
        JSON.stringify([old.tab, old.nodes, old.name, old.enabled]) !==
          JSON.stringify([t.tab, t.nodes, t.name, t.enabled]);
      await db.query(
        `INSERT INTO flows (tenant, id, name, enabled, tab, nodes, position, created, updated)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $8)
         ON CONFLICT (tenant, id) DO UPDATE SET name = $3, enabled = $4, tab = $5::jsonb, nodes = $6::jsonb, position = $7,
           updated = CASE WHEN $9 THEN $8 ELSE flows.updated END`,
        [tenant, t.id, t.name, t.enabled, JSON.stringify(t.tab), JSON.stringify(t.nodes), i, now, changed],
      );
    }
    for (const id of before.keys()) await this.remove(db, tenant, id);
    await db.query(
      `INSERT INTO flow_globals (tenant, nodes) VALUES ($1, $2::jsonb) ON CONFLICT (tenant) DO UPDATE SET nodes = $2::jsonb`,
      [tenant, JSON.stringify(globals)],
    );
  },

  /** Every node id the tenant's flows use, except those of one flow (collision checks on import). */
  async nodeIds(db: Sql, tenant: string, exceptFlow?: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const f of await this.list(db, tenant)) {
      if (f.id === exceptFlow) continue;
      ids.add(f.id);
      for (const n of f.nodes) ids.add(n.id);
    }
    for (const n of await this.globals(db, tenant)) ids.add(n.id);
    return ids;
  },
};

/** Node-RED's credentials, runtime settings and sessions, and the persistent context. */
export const runtimeStateStore = {
  async credentials(db: Sql, tenant: string): Promise<Record<string, unknown>> {
    const rows = await db.query<{ creds: Record<string, unknown> }>(
      'SELECT creds FROM flow_credentials WHERE tenant = $1',
      [tenant],
    );
    return rows[0]?.creds ?? {};
  },
  async saveCredentials(db: Sql, tenant: string, creds: unknown): Promise<void> {
    await db.query(
      'INSERT INTO flow_credentials (tenant, creds) VALUES ($1, $2::jsonb) ON CONFLICT (tenant) DO UPDATE SET creds = $2::jsonb',
      [tenant, JSON.stringify(creds ?? {})],
    );
  },
  async state(db: Sql, tenant: string, name: string): Promise<unknown> {
    const rows = await db.query<{ value: unknown }>(
      'SELECT value FROM flow_runtime_state WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    return rows[0]?.value ?? {};
  },
  async saveState(db: Sql, tenant: string, name: string, value: unknown): Promise<void> {
    await db.query(
      'INSERT INTO flow_runtime_state (tenant, name, value) VALUES ($1, $2, $3::jsonb) ON CONFLICT (tenant, name) DO UPDATE SET value = $3::jsonb',
      [tenant, name, JSON.stringify(value ?? {})],
    );
  },
  async context(db: Sql, tenant: string): Promise<{ scope: string; key: string; value: unknown }[]> {
    return db.query('SELECT scope, key, value FROM flow_context WHERE tenant = $1', [tenant]);
  },
  /** Applies context writes in order: value undefined deletes the key; key null deletes the scope. */
  async writeContext(db: Sql, tenant: string, writes: ContextWrite[]): Promise<void> {
    for (const w of writes) {
      if (w.key === null)
        await db.query('DELETE FROM flow_context WHERE tenant = $1 AND scope = $2', [tenant, w.scope]);
      else if (w.value === undefined)
        await db.query('DELETE FROM flow_context WHERE tenant = $1 AND scope = $2 AND key = $3', [
          tenant,
          w.scope,
          w.key,
        ]);
      else
        await db.query(
          'INSERT INTO flow_context (tenant, scope, key, value) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (tenant, scope, key) DO UPDATE SET value = $4::jsonb',
          [tenant, w.scope, w.key, JSON.stringify(w.value)],
        );
    }
  },
  /** Forgets everything of a deleted tenant. */
  async removeTenant(db: Sql, tenant: string): Promise<void> {
    for (const table of ['flows', 'flow_globals', 'flow_credentials', 'flow_runtime_state', 'flow_context']) {
      await db.query(`DELETE FROM ${table} WHERE tenant = $1`, [tenant]);
    }
  },
};

export interface ContextWrite {
  scope: string;
  key: string | null;
  value?: unknown;
}
