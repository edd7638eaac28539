// Which node types a flow may name: those the tenant's runtime offers (Node-RED's GET /nodes:
// the core nodes minus the palette policy's, the dojot nodes, DOJOT_RUNTIME_NODES_DIRS), plus
// the structural types and instances of subflows the tenant defines. A flow naming any other
// type is refused with 400 naming it, over REST and from the editor's deploy: Node-RED would
// accept it and then stop *all* of the tenant's flows, waiting for a type that never comes.
//
// Every tenant is offered the same types (one palette policy, one set of node folders), so the
// list is asked of the first runtime at hand and kept for the life of the process.
import type { Logger } from '../../core-services/platform/log.js';
import type { NodeRedNode } from '../storage/config-split.js';
import type { RuntimeEndpoint } from '../supervisor/tenant-runtime.js';
import { upstreamHeaders } from './editor-proxy.js';
import { EXCLUDED_NODE_TYPES } from '../tenant/palette-policy.js';
import { FlowErrors } from './errors.js';

/** Types Node-RED knows without a node set. */
const STRUCTURAL_TYPES = ['tab', 'subflow', 'group', 'junction', 'comment', 'unknown'];
/** Longest wait for the runtime's list, ms. */
const LIST_TIMEOUT_MS = 10_000;

/** Where a running runtime of `tenant` answers (its port and the secret its requests carry). */
export type RuntimePort = (tenant: string) => Promise<RuntimeEndpoint>;

export class OfferedNodeTypes {
  private offered?: Set<string>;

  constructor(
    private readonly runtimePort: RuntimePort,
    private readonly log: Logger,
  ) {}

  /**
   * Throws FLOWS_UNKNOWN_TYPE (400) naming every type of `nodes` the tenant is not offered.
   * `knownIds`: ids of the tenant's nodes outside `nodes` (subflow definitions elsewhere).
   * `authorization`: the caller's header, which the runtime's admin API asks for.
   */
  async check(
    tenant: string,
    authorization: string | undefined,
    nodes: NodeRedNode[],
    knownIds: Set<string> = new Set(),
  ): Promise<void> {
    const excluded = new Set<string>(EXCLUDED_NODE_TYPES);
    const offered = await this.list(tenant, authorization);
    const subflows = new Set([...knownIds, ...nodes.filter((n) => n.type === 'subflow').map((n) => n.id)]);
    const missing = new Set<string>();
    for (const n of nodes) {
      const t = n.type;
      if (excluded.has(t)) missing.add(t);
      else if (t.startsWith('subflow:')) {
        if (!subflows.has(t.slice('subflow:'.length))) missing.add(t);
      } else if (offered && !offered.has(t) && !STRUCTURAL_TYPES.includes(t)) missing.add(t);
    }
    if (missing.size === 0) return;
    const types = [...missing]
      .slice(0, 20)
      .map((t) => JSON.stringify(t.slice(0, 100)))
      .join(', ');
    throw FlowErrors.FLOWS_UNKNOWN_TYPE({ types }, { message: `Given flow is invalid: unknown node type ${types}` });
  }

  /** The offered types, or undefined when no runtime could tell (then only the excluded ones are refused). */
  private async list(tenant: string, authorization: string | undefined): Promise<Set<string> | undefined> {
    if (this.offered) return this.offered;
    try {
      const to = await this.runtimePort(tenant);
      const res = await fetch(`http://127.0.0.1:${to.port}/flows/nodes`, {
        headers: upstreamHeaders(
          { accept: 'application/json', ...(authorization ? { authorization } : {}) },
          to,
        ) as Record<string, string>,
        signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`GET /nodes answered ${res.status}`);
      const sets = (await res.json()) as { types?: unknown; enabled?: unknown }[];
      const types = new Set<string>();
      for (const s of sets)
        if (s.enabled !== false && Array.isArray(s.types))
          for (const t of s.types) if (typeof t === 'string') types.add(t);
      if (types.size === 0) throw new Error('the runtime listed no node types');
      this.offered = types;
      return types;
    } catch (err) {
      this.log.warn(
        { err, tenant },
        'could not read the node types the runtimes offer; refusing only the excluded ones',
      );
      return undefined;
    }
  }
}
