import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startAutoAnalyze } from './pglite-auto-analyze.js';
import type { ThreadReply, ThreadRequest } from './pglite-thread.js';
import type { Row, Sql, Store } from './sql.js';

export interface PgliteStoreOptions {
  /** A pass of the statistics keeper (pglite-auto-analyze.ts) failed; the next one tries again. */
  onAnalyzeError?: (err: unknown) => void;
  /** How often that keeper looks at the tables' sizes, ms (tests shorten it). */
  analyzeIntervalMs?: number;
}

/** Distributes a request's id-less shape over the union, so each op keeps its own fields. */
type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * PGlite in its worker thread (pglite-thread.ts): each call is a message and its answer. While a
 * call is under way the thread keeps the process alive; an idle store does not.
 */
class PgliteThread {
  // No node flags of the process (an --input-type, say, would refuse a file): the thread needs none.
  private readonly worker = new Worker(fileURLToPath(new URL('./pglite-thread.js', import.meta.url)), { execArgv: [] });
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private gone: Error | null = null;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (r: ThreadReply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.settled(r.id);
      if (r.ok) w.resolve(r.value);
      else w.reject(Object.assign(new Error(r.error.message), r.error.fields, { name: r.error.name }));
    });
    const fail = (err: Error) => {
      this.gone = err;
      for (const [id, w] of [...this.waiting]) {
        this.settled(id);
        w.reject(err);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`store: the PGlite thread exited (${code})`)));
  }

  call<T = unknown>(req: Request): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  private settled(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Embedded PostgreSQL (WebAssembly, in a thread of its own) keeping its files in `dir`, or in memory when dir is undefined. */
export async function openPgliteStore(dir?: string, opts: PgliteStoreOptions = {}): Promise<Store> {
  if (dir) {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await initdbApart(dir);
  }
  const thread = new PgliteThread();
  try {
    await thread.call(dir ? { op: 'open', dir } : { op: 'open', blank: await blankCluster() });
  } catch (err) {
    await thread.terminate();
    throw err;
  }
  const sql = (tx?: number): Sql => ({
    query: <T = Row>(text: string, params: unknown[] = []) => thread.call<T[]>({ op: 'query', text, params, tx }),
    exec: async (text: string) => {
      await thread.call({ op: 'exec', text, tx });
    },
  });
  const base = sql();
  const transaction: Store['transaction'] = async (fn) => {
    const tx = await thread.call<number>({ op: 'begin' });
    let result;
    try {
      result = await fn(sql(tx));
    } catch (err) {
      await thread.call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await thread.call({ op: 'end', tx, commit: true });
    return result;
  };
  // No autovacuum runs inside PGlite: this keeps the planner's statistics as it would.
  const analyzer = startAutoAnalyze(
    { query: base.query, transaction },
    { onError: opts.onAnalyzeError, intervalMs: opts.analyzeIntervalMs },
  );
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction,
    close: async () => {
      await analyzer.stop();
      try {
        await thread.call({ op: 'close' });
      } finally {
        await thread.terminate();
      }
    },
  };
}

let blank: Promise<ArrayBuffer> | undefined;

/**
 * A fresh cluster's files, made once per process: an in-memory store (the tests open dozens)
 * starts from a copy in about a third of the time initdb takes.
 */
function blankCluster(): Promise<ArrayBuffer> {
  blank ??= (async () => {
    const thread = new PgliteThread();
    try {
      await thread.call({ op: 'open' });
      return await thread.call<ArrayBuffer>({ op: 'dump' });
    } finally {
      await thread.call({ op: 'close' }).catch(() => undefined);
      await thread.terminate();
    }
  })().catch((err: unknown) => {
    blank = undefined;
    throw err;
  });
  return blank;
}

/** How long a first start may spend creating the data directory, ms. */
const INITDB_TIMEOUT_MS = 120_000;

/** Creates the data directory in a process of its own (see pglite-initdb.ts); if that fails, PGlite.create does it here. */
function initdbApart(dir: string): Promise<void> {
  const script = fileURLToPath(new URL('./pglite-initdb.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, dir], { timeout: INITDB_TIMEOUT_MS }, () => resolve());
  });
}
