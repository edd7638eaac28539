// What data-manager uses of the flow engine: a tenant's flows in dojot's shape, and replacing them
// all as one step of an all-or-nothing import. Writes go under the tenant's lock (the same one the
// runtime's own saves take), and the runtime reloads once the import has committed.
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../../core-services/platform/errors.js';
import type { Sql, Store } from '../../core-services/platform/store/index.js';
import type { FlowRecord } from '../storage/config-split.js';
import { flowRevisions } from '../storage/flow-revisions.js';
import { flowStore } from '../storage/flow-store.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { parseNodes, placeOnTab, toDojot, type DojotFlow } from './convert.js';
import { FlowErrors } from './errors.js';

export type { DojotFlow };

export interface FlowsReplaceStep {
  apply(tx: Sql): Promise<void>;
  after(): Promise<void>;
}

export interface FlowsClient {
  listFlows(tenant: string): Promise<DojotFlow[]>;
  /** Validates every flow (throws a 400 whose extra.path is e.g. `[1].flow[3]`) and returns the step that replaces them. */
  prepareReplace(tenant: string, flows: unknown[]): FlowsReplaceStep;
}

const FLOW_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function invalid(path: string, problem: string): PlatformError {
  const e = FlowErrors.FLOWS_INVALID(
    { detail: `${path}: ${problem}` },
    { message: 'Given flow is invalid', path, problem },
  );
  return e;
}

/** revisionsKept: an import is a revision of the tenant's flows like any other write (it can be undone). */
export function createFlowsClient(store: Store, supervisor: Supervisor, revisionsKept: number): FlowsClient {
  return {
    async listFlows(tenant) {
      return (await flowStore.list(store, tenant)).map(toDojot);
    },

    prepareReplace(tenant, flows) {
      const ids = new Set<string>();
      const parsed = flows.map((raw, i) => {
        const f = raw as Record<string, unknown> | null;
        if (!f || typeof f !== 'object' || Array.isArray(f)) throw invalid(`[${i}]`, 'expected a flow object');
        if (typeof f.name !== 'string' || f.name.trim() === '')
          throw invalid(`[${i}].name`, 'expected a non-empty string');
        if (typeof f.enabled !== 'boolean') throw invalid(`[${i}].enabled`, 'expected true or false');
        let nodes;
        try {
          nodes = parseNodes(f.flow);
        } catch (err) {
          const detail = err instanceof PlatformError ? err.message.replace(/^Given flow is invalid: /, '') : 'invalid';
          const at = /^flow\[\d+\]/.exec(detail)?.[0] ?? 'flow';
          throw invalid(`[${i}].${at}`, detail.replace(/^flow\[\d+\] /, ''));
        }
        // Keep the file's flow id (the tab id nodes refer to by z) unless it is unusable or repeated.
        const id = typeof f.id === 'string' && FLOW_ID.test(f.id) && !ids.has(f.id) ? f.id : randomUUID();
        ids.add(id);
        const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
        return { id, name: f.name, enabled: f.enabled, nodes, created: num(f.created), updated: num(f.updated) };
      });
      return {
        apply: (tx) =>
          supervisor.withTenantLock(tenant, async () => {
            await flowStore.removeAll(tx, tenant);
            const used = new Set<string>();
            const now = Date.now();
            for (const f of parsed) {
              const placed = placeOnTab(f.id, f.nodes, used);
              used.add(f.id);
              for (const n of placed.nodes) used.add(n.id);
              const rec: FlowRecord = {
                id: f.id,
                name: f.name,
                enabled: f.enabled,
                tab: placed.tab,
                nodes: placed.nodes,
                created: f.created ?? now,
                updated: f.updated ?? now,
              };
              await flowStore.put(tx, tenant, rec);
            }
            await flowRevisions.record(tx, tenant, { author: null, via: 'import' }, revisionsKept);
          }),
        after: () => supervisor.flowsChanged(tenant),
      };
    },
  };
}
