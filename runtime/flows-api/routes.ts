// /flows/v1: dojot flowbroker's REST API (§5.1), one flow = one editor tab of the caller's
// tenant's runtime. Every change is stored first, then the runtime reloads it; `enabled:false`
// disables the tab (flowbroker ignored it). Another tenant's flow ids answer 404.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../../core-services/platform/store/index.js';
import { scopeOf } from '../../core-services/platform/contracts/permissions.js';
import { flowStore } from '../storage/flow-store.js';
import type { FlowRecord } from '../storage/config-split.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { parseNodes, placeOnTab, toDojot } from './convert.js';
import { FlowErrors } from './errors.js';
import type { FlowWriter } from './flow-writer.js';
import type { OfferedNodeTypes } from './node-types.js';

interface FlowBody {
  name?: unknown;
  enabled?: unknown;
  flow?: unknown;
}

const bodyOf = (req: FastifyRequest): FlowBody => {
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b))
    throw FlowErrors.FLOWS_INVALID({ detail: 'the body must be a JSON object' }, { message: 'Given flow is invalid' });
  return b as FlowBody;
};

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw FlowErrors.FLOWS_MISSING_NAME({}, { message: 'Missing mandatory field: name' });
  return name;
}

function checkEnabled(enabled: unknown): boolean {
  if (typeof enabled !== 'boolean')
    throw FlowErrors.FLOWS_BAD_FIELD(
      { field: 'enabled', expected: 'true or false' },
      { message: 'Given flow is invalid' },
    );
  return enabled;
}

const unknownFlow = (id: string) => FlowErrors.FLOWS_UNKNOWN({ id }, { message: `Unknown flow: ${id}`, flow: id });

/** write: how every change is stored (one transaction, a revision, then the runtime reloads). */
/** types: a flow naming a node type the tenant is not offered is refused before it is stored. */
export function flowRoutes(store: Store, supervisor: Supervisor, write: FlowWriter, types: OfferedNodeTypes) {
  return async (app: FastifyInstance) => {
    app.get('/flows/v1/flow', async (req) => {
      const flows = await flowStore.list(store, req.identity.tenant);
      return { flows: flows.map(toDojot) };
    });

    app.post('/flows/v1/flow', async (req) => {
      const tenant = req.identity.tenant;
      const body = bodyOf(req);
      const name = checkName(body.name);
      const nodes = parseNodes(body.flow ?? []);
      const enabled = body.enabled === undefined ? true : checkEnabled(body.enabled);
      await types.check(tenant, req.headers.authorization, nodes, await flowStore.nodeIds(store, tenant));
      const flow = await write(req, async (tx) => {
        const id = randomUUID();
        const placed = placeOnTab(id, nodes, await flowStore.nodeIds(tx, tenant));
        const now = Date.now();
        const rec: FlowRecord = { id, name, enabled, tab: placed.tab, nodes: placed.nodes, created: now, updated: now };
        await flowStore.put(tx, tenant, rec);
        return rec;
      });
      return { message: 'ok', flow: toDojot(flow) };
    });

    app.delete('/flows/v1/flow', async (req) => {
      const tenant = req.identity.tenant;
      await write(req, (tx) => flowStore.removeAll(tx, tenant));
      return { message: 'All flows removed' };
    });

    app.get<{ Params: { id: string } }>('/flows/v1/flow/:id', async (req) => {
      const flow = await flowStore.get(store, req.identity.tenant, req.params.id);
      if (!flow) throw unknownFlow(req.params.id);
      return { message: 'ok', flow: toDojot(flow) };
    });

    app.put<{ Params: { id: string } }>('/flows/v1/flow/:id', async (req) => {
      const tenant = req.identity.tenant;
      const { id } = req.params;
      const body = bodyOf(req);
      const name = body.name === undefined ? undefined : checkName(body.name);
      const enabled = body.enabled === undefined ? undefined : checkEnabled(body.enabled);
      const nodes = body.flow === undefined ? undefined : parseNodes(body.flow);
      if (nodes)
        await types.check(tenant, req.headers.authorization, nodes, await flowStore.nodeIds(store, tenant, id));
      const flow = await write(req, async (tx) => {
        const old = await flowStore.get(tx, tenant, id);
        if (!old) throw unknownFlow(id);
        const placed = nodes ? placeOnTab(id, nodes, await flowStore.nodeIds(tx, tenant, id)) : old;
        const rec: FlowRecord = {
          ...old,
          name: name ?? old.name,
          enabled: enabled ?? old.enabled,
          tab: nodes ? { ...old.tab, ...placed.tab } : old.tab,
          nodes: placed.nodes,
          updated: Date.now(),
        };
        await flowStore.put(tx, tenant, rec);
        return rec;
      });
      return { message: 'ok', flow: toDojot(flow) };
    });

    app.delete<{ Params: { id: string } }>('/flows/v1/flow/:id', async (req) => {
      const tenant = req.identity.tenant;
      const { id } = req.params;
      const flow = await write(req, async (tx) => {
        const old = await flowStore.get(tx, tenant, id);
        if (!old) throw unknownFlow(id);
        await flowStore.remove(tx, tenant, id);
        return old;
      });
      return { message: 'flow removed', flow: toDojot(flow) };
    });

    // The runtimes' state, pid, memory, restarts, message counts and sandbox: a tenant's admins see
    // their own tenant's, the platform operator every tenant's (CROSS_TENANT_SCOPES in platform/contracts/permissions.ts).
    app.get('/flows/v1/runtime', async (req) => {
      const scope = scopeOf('runtimeReports', req.identity);
      if (scope === 'none') throw FlowErrors.FLOWS_ADMIN_ONLY();
      return {
        runtimes: supervisor.reports(scope === 'all' ? undefined : req.identity.tenant),
        sandbox: supervisor.isolation(),
      };
    });
  };
}
