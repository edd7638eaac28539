// dojot flow (API) ⇄ stored flow. A flowbroker export ({name, flow:[nodes]}, nodes whose z names
// a tab that may be missing, or no z at all) is accepted unchanged: every node is moved onto the
// flow's own tab, and node ids already used by another flow of the tenant are renamed.
import { randomBytes } from 'node:crypto';
import type { FlowRecord, NodeRedNode } from '../storage/config-split.js';
import { FlowErrors } from './errors.js';

/** The API view of a flow (§5.1): no tab node inside `flow`. */
export interface DojotFlow {
  id: string;
  name: string;
  enabled: boolean;
  flow: NodeRedNode[];
  created: number;
  updated: number;
}

export const toDojot = (f: FlowRecord): DojotFlow => ({
  id: f.id,
  name: f.name,
  enabled: f.enabled,
  flow: f.nodes,
  created: f.created,
  updated: f.updated,
});

/** Grid for nodes that come without coordinates, editor pixels. */
const LAYOUT = { x0: 140, y0: 80, dx: 200, dy: 80, perRow: 5 };

const newNodeId = () => randomBytes(8).toString('hex');

/** Checks a `flow` array as flowbroker did: every element must be an object with a type. */
export function parseNodes(value: unknown): NodeRedNode[] {
  if (!Array.isArray(value))
    throw FlowErrors.FLOWS_INVALID(
      { detail: 'flow must be an array of Node-RED nodes' },
      { message: 'Given flow is invalid' },
    );
  return value.map((n, i) => {
    if (
      !n ||
      typeof n !== 'object' ||
      Array.isArray(n) ||
      typeof (n as NodeRedNode).type !== 'string' ||
      (n as NodeRedNode).type === ''
    ) {
      throw FlowErrors.FLOWS_INVALID({ detail: `flow[${i}] has no type` }, { message: 'Given flow is invalid' });
    }
    const node = { ...(n as NodeRedNode) };
    if (typeof node.id !== 'string' || node.id === '') node.id = newNodeId();
    return node;
  });
}

/**
 * Puts imported nodes on the tab `flowId`. Returns the tab node (from a tab in the input, if any)
 * and the nodes. Subflow definitions and their inner nodes keep their own z.
 */
export function placeOnTab(
  flowId: string,
  nodes: NodeRedNode[],
  usedIds: Set<string>,
): { tab: NodeRedNode; nodes: NodeRedNode[] } {
  const inputTab = nodes.find((n) => n.type === 'tab');
  const subflows = new Set(nodes.filter((n) => n.type === 'subflow').map((n) => n.id));
  const renamed = renameCollisions(
    nodes.filter((n) => n.type !== 'tab'),
    usedIds,
  );
  let slot = 0;
  const placed = renamed.map((n) => {
    if (n.type === 'subflow' || (n.z !== undefined && subflows.has(n.z))) return n;
    // Flowbroker clients often send nodes without coordinates: lay them out in rows so the
    // editor does not pile them up in the corner.
    const needsPlace = Array.isArray(n.wires) && (typeof n.x !== 'number' || typeof n.y !== 'number');
    const at = needsPlace
      ? {
          x: LAYOUT.x0 + (slot % LAYOUT.perRow) * LAYOUT.dx,
          y: LAYOUT.y0 + Math.floor(slot++ / LAYOUT.perRow) * LAYOUT.dy,
        }
      : {};
    return { ...n, ...at, z: flowId };
  });
  const tab: NodeRedNode = { ...(inputTab ?? {}), id: flowId, type: 'tab' };
  return { tab, nodes: placed };
}

/** Gives fresh ids to nodes whose id is taken, and rewrites every reference (wires, links, config). */
function renameCollisions(nodes: NodeRedNode[], usedIds: Set<string>): NodeRedNode[] {
  const map = new Map<string, string>();
  for (const n of nodes) if (usedIds.has(n.id)) map.set(n.id, newNodeId());
  if (map.size === 0) return nodes;
  const rewrite = (v: unknown): unknown => {
    if (typeof v === 'string') return map.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
    return v;
  };
  return nodes.map((n) => rewrite(n) as NodeRedNode);
}
