// The history of a tenant's flows (0011-flow-revisions.sql): each write records the whole config
// when it differs from the newest revision, with what changed against it; the newest `keep` are
// kept. Recorded in the write's own transaction, so a revision exists exactly when the write does.
import type { Sql } from '../../core-services/platform/store/index.js';
import type { NodeRedNode } from './config-split.js';
import { flowStore } from './flow-store.js';

export type RevisionVia = 'editor' | 'api' | 'restore' | 'import';

export interface RevisionSummary {
  /** Tabs (dojot flows) in the config. */
  flows: number;
  nodes: number;
  added: number;
  removed: number;
  changed: number;
  /** Labels of the tabs whose nodes were added, removed or changed (a tab's own change included). */
  touched: string[];
}

export interface Revision {
  id: number;
  created: number;
  author: string | null;
  via: RevisionVia;
  restoredFrom: number | null;
  summary: RevisionSummary;
}

export interface NodeChanges {
  added: NodeRedNode[];
  removed: NodeRedNode[];
  changed: { id: string; before: NodeRedNode; after: NodeRedNode }[];
}

interface Row {
  id: string | number;
  created: string | number;
  author: string | null;
  via: RevisionVia;
  restored_from: string | number | null;
  summary: RevisionSummary;
}

const toRevision = (r: Row): Revision => ({
  id: Number(r.id),
  created: Number(r.created),
  author: r.author,
  via: r.via,
  restoredFrom: r.restored_from === null ? null : Number(r.restored_from),
  summary: r.summary,
});

const COLUMNS = 'id, created, author, via, restored_from, summary';

/** JSON with object keys in one order: jsonb gives keys back in its own order, so plain JSON.stringify would see changes that are not. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Node by node, what `after` adds, removes and changes against `before`. */
export function diffConfigs(before: NodeRedNode[], after: NodeRedNode[]): NodeChanges {
  const old = new Map(before.map((n) => [n.id, n]));
  const changes: NodeChanges = { added: [], removed: [], changed: [] };
  for (const n of after) {
    const was = old.get(n.id);
    old.delete(n.id);
    if (!was) changes.added.push(n);
    else if (canonical(was) !== canonical(n)) changes.changed.push({ id: n.id, before: was, after: n });
  }
  changes.removed.push(...old.values());
  return changes;
}

function summarize(config: NodeRedNode[], changes: NodeChanges, previous: NodeRedNode[]): RevisionSummary {
  const tabName = new Map<string, string>();
  for (const n of [...previous, ...config]) if (n.type === 'tab') tabName.set(n.id, String(n.label ?? n.id));
  const touched = new Set<string>();
  const touch = (n: NodeRedNode) => {
    const tab = n.type === 'tab' ? n.id : n.z;
    if (tab) touched.add(tabName.get(tab) ?? tab);
  };
  changes.added.forEach(touch);
  changes.removed.forEach(touch);
  changes.changed.forEach((c) => touch(c.after));
  return {
    flows: config.filter((n) => n.type === 'tab').length,
    nodes: config.filter((n) => n.type !== 'tab').length,
    added: changes.added.length,
    removed: changes.removed.length,
    changed: changes.changed.length,
    touched: [...touched],
  };
}

export const flowRevisions = {
  /**
   * Records the tenant's config as it now is in `tx`, unless it equals the newest revision;
   * then drops what is beyond the newest `keep`. Resolves to the new revision, or null.
   */
  async record(
    tx: Sql,
    tenant: string,
    by: { author: string | null; via: RevisionVia; restoredFrom?: number },
    keep: number,
  ): Promise<Revision | null> {
    const config = await flowStore.readConfig(tx, tenant);
    const [newest] = await tx.query<{ config: NodeRedNode[] }>(
      'SELECT config FROM flow_revisions WHERE tenant = $1 ORDER BY id DESC LIMIT 1',
      [tenant],
    );
    const previous = newest?.config ?? [];
    if (newest && canonical(previous) === canonical(config)) return null;
    const changes = diffConfigs(previous, config);
    const [row] = await tx.query<Row>(
      `INSERT INTO flow_revisions (tenant, created, author, via, restored_from, config, summary)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb) RETURNING ${COLUMNS}`,
      [
        tenant,
        Date.now(),
        by.author,
        by.via,
        by.restoredFrom ?? null,
        JSON.stringify(config),
        JSON.stringify(summarize(config, changes, previous)),
      ],
    );
    await tx.query(
      `DELETE FROM flow_revisions WHERE tenant = $1 AND id < (SELECT min(id) FROM (SELECT id FROM flow_revisions WHERE tenant = $1 ORDER BY id DESC LIMIT $2) kept)`,
      [tenant, keep],
    );
    return toRevision(row);
  },

  /** Newest first. */
  async list(db: Sql, tenant: string, limit: number): Promise<Revision[]> {
    const rows = await db.query<Row>(
      `SELECT ${COLUMNS} FROM flow_revisions WHERE tenant = $1 ORDER BY id DESC LIMIT $2`,
      [tenant, limit],
    );
    return rows.map(toRevision);
  },

  /** The revision with its config and the config of the revision before it (empty for the first kept). */
  async get(
    db: Sql,
    tenant: string,
    id: number,
  ): Promise<{ revision: Revision; config: NodeRedNode[]; previous: NodeRedNode[] } | null> {
    const [row] = await db.query<Row & { config: NodeRedNode[] }>(
      `SELECT ${COLUMNS}, config FROM flow_revisions WHERE tenant = $1 AND id = $2`,
      [tenant, id],
    );
    if (!row) return null;
    const [prev] = await db.query<{ config: NodeRedNode[] }>(
      'SELECT config FROM flow_revisions WHERE tenant = $1 AND id < $2 ORDER BY id DESC LIMIT 1',
      [tenant, id],
    );
    return { revision: toRevision(row), config: row.config, previous: prev?.config ?? [] };
  },
};
