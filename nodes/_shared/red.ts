// The little of Node-RED's node API the dojot nodes use (Node-RED ships no types).
import type { NodeServices } from './services.js';

export interface Msg {
  payload?: unknown;
  _msgid?: string;
  [k: string]: unknown;
}

export type Send = (msg: Msg | (Msg | null)[] | null) => void;
export type Done = (err?: Error) => void;

export interface ContextStore {
  get(key: string, store?: string): unknown;
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store?: string, cb?: (err: Error | null) => void): void;
  keys(store?: string): string[];
}

export interface NodeContext extends ContextStore {
  flow: ContextStore;
  global: ContextStore;
}

export interface RedNode {
  id: string;
  name?: string;
  send: Send;
  on(ev: 'input', fn: (msg: Msg, send: Send, done: Done) => void): void;
  on(ev: 'close', fn: (removed: boolean, done: () => void) => void): void;
  status(s: { fill?: string; shape?: string; text?: string } | Record<string, never>): void;
  error(err: unknown, msg?: Msg): void;
  warn(text: unknown): void;
  log(text: unknown): void;
  context(): NodeContext;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  [k: string]: unknown;
}

export interface Red {
  nodes: {
    createNode(node: RedNode, def: NodeDef): void;
    registerType(type: string, ctor: (this: RedNode, def: NodeDef) => void, opts?: unknown): void;
  };
  settings: { dojot?: NodeServices; [k: string]: unknown };
  util: { cloneMessage<T>(msg: T): T };
  /** The node's message catalog. */
  _(key: string, subs?: Record<string, unknown>): string;
}

/** The platform services; a runtime without them (a unit test without stubs) fails loudly. */
export function servicesOf(RED: Red): NodeServices {
  const s = RED.settings.dojot;
  if (!s) throw new Error('this runtime offers no dojot services (RED.settings.dojot)');
  return s;
}
