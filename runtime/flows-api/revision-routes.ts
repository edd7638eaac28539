// /flows/v1/revisions: the saved states of the caller's tenant's flows, newest first; what one
// changed against the one before, node by node; and going back to one (itself a new revision).
//   GET  /flows/v1/revisions?limit=20        {"revisions": [{id, created, author, via, restoredFrom, summary}]}
//   GET  /flows/v1/revisions/:id             {"revision": {...}, "flow": [nodes], "changes": {added, removed, changed}}
//   POST /flows/v1/revisions/:id/restore     {"message": "ok", "revision": {...the new one}}
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../core-services/platform/store/index.js';
import { diffConfigs, flowRevisions } from '../storage/flow-revisions.js';
import { flowStore } from '../storage/flow-store.js';
import { FlowErrors } from './errors.js';
import type { FlowWriter } from './flow-writer.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1_000;

function revisionId(raw: string) {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw FlowErrors.FLOWS_UNKNOWN_REVISION({ id: raw });
  return id;
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT))
    throw FlowErrors.FLOWS_BAD_FIELD(
      { field: 'limit', expected: `an integer from 1 to ${MAX_LIMIT}` },
      { message: 'Given limit is invalid' },
    );
  return n;
}

export function revisionRoutes(store: Store, write: FlowWriter) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { limit?: unknown } }>('/flows/v1/revisions', async (req) => ({
      revisions: await flowRevisions.list(store, req.identity.tenant, limitOf(req.query.limit)),
    }));

    app.get<{ Params: { id: string } }>('/flows/v1/revisions/:id', async (req) => {
      const found = await flowRevisions.get(store, req.identity.tenant, revisionId(req.params.id));
      if (!found) throw FlowErrors.FLOWS_UNKNOWN_REVISION({ id: req.params.id });
      return { revision: found.revision, flow: found.config, changes: diffConfigs(found.previous, found.config) };
    });

    app.post<{ Params: { id: string } }>('/flows/v1/revisions/:id/restore', async (req) => {
      const tenant = req.identity.tenant;
      const id = revisionId(req.params.id);
      await write(
        req,
        async (tx) => {
          const found = await flowRevisions.get(tx, tenant, id);
          if (!found) throw FlowErrors.FLOWS_UNKNOWN_REVISION({ id: req.params.id });
          await flowStore.writeConfig(tx, tenant, found.config);
        },
        { via: 'restore', restoredFrom: id },
      );
      const [newest] = await flowRevisions.list(store, tenant, 1);
      return { message: 'ok', revision: newest };
    });
  };
}
