// The persistent context store (settings `contextStorage.persistent`), backed by the platform
// store. Reads are served from memory, loaded once at open; writes go to memory at once and are
// sent to the supervisor in batches every FLUSH_INTERVAL_MS, and on close. One row per top-level
// key of a scope, so a nested set (`a.b.c`) rewrites the row of `a` only. A batch the supervisor
// cannot store (the store is down) is kept, merged with later writes, and retried with a back-off;
// each failure is logged and counted (the runtime's report: context.writeFailures).
import RED from 'node-red';
import type { Logger } from '../../core-services/platform/log.js';
import type { TenantSide } from '../supervisor/ipc.js';

/** How long a context write may wait before it is stored, ms (bounded loss on a crash). */
const FLUSH_INTERVAL_MS = 200;
/** The longest wait between two attempts to store writes that failed, ms. */
const RETRY_MAX_MS = 10_000;

type Callback = (err?: Error | null, ...values: unknown[]) => void;
type Write = { scope: string; key: string | null; value?: unknown };

const topKey = (path: string): string => String(RED.util.normalisePropertyExpression(path)[0]);

/**
 * The same writes, each key's last only: a later write of a key replaces an earlier one, and a
 * scope's deletion (key null) replaces every earlier write of the scope. Order is kept otherwise.
 */
export function mergeWrites(writes: Write[]): Write[] {
  const byKey = new Map<string, Write>();
  for (const w of writes) {
    if (w.key === null) for (const k of byKey.keys()) if (byKey.get(k)!.scope === w.scope) byKey.delete(k);
    const k = JSON.stringify([w.scope, w.key]);
    byKey.delete(k);
    byKey.set(k, w);
  }
  return [...byKey.values()];
}

/** What the store's counters say, for the heartbeat. */
export interface ContextStats {
  writeFailures: number;
  writesPending: number;
}

export function createPersistentContext(
  ipc: TenantSide,
  log: Logger,
  stats: ContextStats = { writeFailures: 0, writesPending: 0 },
) {
  return function contextStore(_config: unknown) {
    const data = new Map<string, Record<string, unknown>>();
    let pending: Write[] = [];
    let timer: NodeJS.Timeout | null = null;
    /** The wait before the next attempt: FLUSH_INTERVAL_MS, doubled on each failure up to RETRY_MAX_MS. */
    let delay = FLUSH_INTERVAL_MS;
    let closed = false;

    const flush = async () => {
      timer = null;
      if (pending.length === 0) return;
      const writes = pending;
      pending = [];
      try {
        await ipc.request('context.write', writes);
        delay = FLUSH_INTERVAL_MS;
      } catch (err) {
        // Kept, before what was written meanwhile: the writes apply in order.
        pending = mergeWrites([...writes, ...pending]);
        stats.writeFailures += 1;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        log.warn(
          { err, writes: pending.length, failures: stats.writeFailures, retryInMs: closed ? null : delay },
          'persistent context could not be stored: kept, retrying',
        );
        throw err;
      } finally {
        stats.writesPending = pending.length;
      }
    };
    const arm = () => {
      if (timer || closed) return;
      timer = setTimeout(
        // The failure is logged and counted in flush(), and the writes kept for the next attempt.
        () => void flush().then(() => pending.length > 0 && arm(), arm),
        delay,
      );
    };
    const schedule = (w: Write) => {
      pending.push(w);
      stats.writesPending = pending.length;
      arm();
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
        closed = true;
        if (timer) clearTimeout(timer);
        timer = null;
        // A failure here reaches Node-RED (it logs it) with the writes still counted as pending.
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
