// How the /flows/v1 API changes a tenant's flows: in one transaction under the tenant's lock,
// recording the result as a revision by the caller (runtime/storage/flow-revisions.ts), then
// telling the runtimes (here and on other instances) to load it.
import type { FastifyRequest } from 'fastify';
import type { Sql, Store } from '../../core-services/platform/store/index.js';
import { flowRevisions, type RevisionVia } from '../storage/flow-revisions.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export type FlowWriter = <T>(
  req: FastifyRequest,
  fn: (tx: Sql) => Promise<T>,
  how?: { via: RevisionVia; restoredFrom?: number },
) => Promise<T>;

/** revisionsKept: how many saved states of a tenant's flows are kept. */
export function flowWriter(store: Store, supervisor: Supervisor, revisionsKept: number): FlowWriter {
  return async (req, fn, how = { via: 'api' }) => {
    const { tenant, username } = req.identity;
    const out = await supervisor.withTenantLock(tenant, () =>
      store.transaction(async (tx) => {
        const result = await fn(tx);
        await flowRevisions.record(tx, tenant, { author: username, ...how }, revisionsKept);
        return result;
      }),
    );
    await supervisor.flowsChanged(tenant);
    return out;
  };
}
