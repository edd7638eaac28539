// The little of Node-RED's embedding API that the tenant runtime uses (node-red has no types).
declare module 'node-red' {
  import type { Server, RequestListener } from 'node:http';
  interface NodeRedHooks {
    add(name: string, fn: (event: unknown) => unknown): void;
  }
  interface NodeRed {
    init(server: Server, settings: Record<string, unknown>): void;
    start(): Promise<void>;
    stop(): Promise<void>;
    readonly httpAdmin: RequestListener;
    readonly httpNode: RequestListener;
    readonly nodes: { loadFlows(forceStart?: boolean): Promise<void> };
    readonly hooks: NodeRedHooks;
    /** Runtime events: 'flows:started' and 'flows:stopped' bracket every (re)start of the flows. */
    readonly events: {
      on(name: string, fn: (...args: unknown[]) => void): void;
      emit(name: string, ...args: unknown[]): void;
    };
    readonly util: {
      getObjectProperty(obj: object, path: string): unknown;
      setObjectProperty(obj: object, path: string, value: unknown, createMissing?: boolean): boolean;
      normalisePropertyExpression(path: string): (string | number)[];
    };
  }
  const RED: NodeRed;
  export default RED;
}
