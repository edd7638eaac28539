// Node-RED config array ⇄ per-tab flows. Pure functions, shared by the storage path (editor
// deploys) and the REST path (dojot flows), so the two views cannot drift apart.

/** A node as Node-RED stores it: any properties, with an id and a type; z names its tab. */
export interface NodeRedNode {
  id: string;
  type: string;
  z?: string;
  [prop: string]: unknown;
}

/** One tab = one dojot flow. */
export interface FlowRecord {
  id: string;
  name: string;
  enabled: boolean;
  tab: NodeRedNode;
  nodes: NodeRedNode[];
  /** epoch ms */
  created: number;
  /** epoch ms */
  updated: number;
}

export interface SplitTab {
  id: string;
  name: string;
  enabled: boolean;
  tab: NodeRedNode;
  nodes: NodeRedNode[];
}

export function splitConfig(config: NodeRedNode[]): { tabs: SplitTab[]; globals: NodeRedNode[] } {
  const tabs = new Map<string, SplitTab>();
  for (const n of config) {
    if (n.type !== 'tab') continue;
    tabs.set(n.id, {
      id: n.id,
      name: typeof n.label === 'string' ? n.label : n.id,
      enabled: n.disabled !== true,
      tab: n,
      nodes: [],
    });
  }
  const globals: NodeRedNode[] = [];
  for (const n of config) {
    if (n.type === 'tab') continue;
    const t = n.z !== undefined ? tabs.get(n.z) : undefined;
    if (t) t.nodes.push(n);
    else globals.push(n);
  }
  return { tabs: [...tabs.values()], globals };
}

/** Rebuilds Node-RED's array; the row's name/enabled win over the stored tab's label/disabled. */
export function joinConfig(flows: FlowRecord[], globals: NodeRedNode[]): NodeRedNode[] {
  const out: NodeRedNode[] = flows.map((f) => tabNode(f));
  for (const f of flows) out.push(...f.nodes);
  out.push(...globals);
  return out;
}

export function tabNode(f: Pick<FlowRecord, 'id' | 'name' | 'enabled' | 'tab'>): NodeRedNode {
  const tab: NodeRedNode = { ...f.tab, id: f.id, type: 'tab', label: f.name, disabled: !f.enabled };
  if (tab.info === undefined) tab.info = '';
  return tab;
}
