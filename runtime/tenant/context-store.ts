// The persistent context store (settings `contextStorage.persistent`), backed by the platform
// store. Reads are served from memory, loaded once at open; writes go to memory at once and are
// sent to the supervisor in batches every FLUSH_INTERVAL_MS, and on close. One row per top-level
// key of a scope, so a nested set (`a.b.c`) rewrites the row of `a` only.
import RED from 'node-red';
import type { TenantSide } from '../supervisor/ipc.js';

/** How long a context write may wait before it is stored, ms (bounded loss on a crash). */
const FLUSH_INTERVAL_MS = 200;

type Callback = (err?: Error | null, ...values: unknown[]) => void;
type Write = { scope: string; key: string | null; value?: unknown };

const topKey = (path: string): string => String(RED.util.normalisePropertyExpression(path)[0]);

export function createPersistentContext(ipc: TenantSide) {
  return function contextStore(_config: unknown) {
    const data = new Map<string, Record<string, unknown>>();
    let pending: Write[] = [];
    let timer: NodeJS.Timeout | null = null;

    const flush = async () => {
      timer = null;
      if (pending.length === 0) return;
      const writes = pending;
      pending = [];
      await ipc.request('context.write', writes);
    };
    const schedule = (w: Write) => {
      pending.push(w);
      if (!timer) timer = setTimeout(() => void flush().catch(() => {}), FLUSH_INTERVAL_MS);
    };
    const scopeOf = (scope: string) => {
      let s = data.get(scope);
      if (!s) data.set(scope, (s = {}));
      return s;
    };
    const getOne = (scope: string, key: string) => {
      const s = data.get(scope);
      return s ? RED.util.getObjectProperty(s, key) : undefined;
    };

    return {
      async open() {
        for (const row of await ipc.request('context.load')) scopeOf(row.scope)[row.key] = row.value;
      },
      async close() {
        if (timer) clearTimeout(timer);
        await flush();
      },
      get(scope: string, key: string | string[], cb?: Callback) {
        try {
          const values = Array.isArray(key) ? key.map((k) => getOne(scope, k)) : [getOne(scope, key)];
          if (!cb) return Array.isArray(key) ? values : values[0];
          cb(null, ...values);
        } catch (err) {
          if (!cb) throw err;
          cb(err as Error);
        }
        return undefined;
      },
      set(scope: string, key: string | string[], value: unknown, cb?: Callback) {
        try {
          const keys = Array.isArray(key) ? key : [key];
          const values = Array.isArray(key) ? (value as unknown[]) : [value];
          const s = scopeOf(scope);
          keys.forEach((k, i) => {
            const v = values[i] === undefined ? undefined : JSON.parse(JSON.stringify(values[i]));
            RED.util.setObjectProperty(s, k, v, true);
            if (v === undefined && topKey(k) === k) delete s[k];
            const top = topKey(k);
            schedule({ scope, key: top, value: s[top] });
          });
          cb?.(null);
        } catch (err) {
          if (!cb) throw err;
          cb(err as Error);
        }
      },
      keys(scope: string, cb?: Callback) {
        const keys = Object.keys(data.get(scope) ?? {});
        if (!cb) return keys;
        cb(null, keys);
        return undefined;
      },
      async delete(scope: string) {
        data.delete(scope);
        schedule({ scope, key: null });
      },
      async clean(activeNodes: string[]) {
        for (const scope of [...data.keys()]) {
          if (scope === 'global' || activeNodes.includes(scope.split(':')[0])) continue;
          data.delete(scope);
          schedule({ scope, key: null });
        }
      },
    };
  };
}
