// The embedded PostgreSQL (PGlite) in a worker thread of its own. PGlite runs each statement to
// its end synchronously, in WebAssembly, on the thread that calls it: on the platform's thread a
// history INSERT of a thousand rows or an ANALYZE held up every HTTP request, MQTT hand-over and
// actuation for tens to hundreds of milliseconds. Here it holds up only this thread; the platform's
// thread sends each statement over a MessagePort and awaits its rows (pglite.ts).
//
// Protocol (parent → here), each answered by { id, ok: true, value } or { id, ok: false, error }:
//   open {dir?, blank?}      opens the database (files in dir, or in memory from a blank cluster's dump)
//   query {text, params, tx?} rows of one statement (in transaction tx when given)
//   exec {text, tx?}         a script of statements
//   begin                    opens a transaction; its value is the transaction's id
//   end {tx, commit}         commits (or rolls back) transaction tx; answered once it is over
//   dump                     a dump of the (blank) cluster, to open the next in-memory store from
//   close
import { parentPort } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';

export type ThreadRequest =
  | { id: number; op: 'open'; dir?: string; blank?: ArrayBuffer }
  | { id: number; op: 'query'; text: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; text: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

/** An error as it crosses the port: its message and PostgreSQL's fields (code, detail, constraint...). */
export interface ThreadError {
  message: string;
  name: string;
  fields: Record<string, string | number>;
}

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** Thrown inside a transaction's callback to make PGlite roll it back. */
const ROLLBACK = Symbol('rollback');

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  over: Promise<void>;
}

const port = parentPort;
if (!port) throw new Error('pglite-thread.js runs as a worker thread of the platform (store/pglite.ts)');

let db: PGlite | null = null;
const transactions = new Map<number, OpenTransaction>();

const reply = (r: ThreadReply) => port.postMessage(r);

function describe(err: unknown): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  return { message: e.message, name: e.name, fields };
}

function open(): PGlite {
  if (!db) throw new Error('store: the database is not open');
  return db;
}

function target(tx: number | undefined): Pick<PGlite, 'query' | 'exec'> {
  if (tx === undefined) return open();
  const t = transactions.get(tx);
  if (!t) throw new Error(`store: transaction ${tx} is over`);
  return t.tx;
}

/** Opens a transaction; resolves with it once it is open, and settles `over` when it ends. */
function begin(id: number): Promise<void> {
  return new Promise((opened, failed) => {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (finish = r));
    const over = open()
      .transaction(async (tx) => {
        transactions.set(id, { tx, finish, over });
        opened();
        if (!(await decided)) throw ROLLBACK;
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err !== ROLLBACK) throw err;
        },
      )
      .finally(() => transactions.delete(id));
    // A transaction that could not even open.
    over.catch(failed);
  });
}

async function handle(m: ThreadRequest): Promise<unknown> {
  switch (m.op) {
    case 'open':
      db = await PGlite.create(m.dir ? { dataDir: m.dir } : m.blank ? { loadDataDir: new Blob([m.blank]) } : {});
      return null;
    case 'query':
      return (await target(m.tx).query(m.text, m.params)).rows;
    case 'exec':
      await target(m.tx).exec(m.text);
      return null;
    case 'begin':
      await begin(m.id);
      return m.id;
    case 'end': {
      const t = transactions.get(m.tx);
      if (!t) throw new Error(`store: transaction ${m.tx} is over`);
      t.finish(m.commit);
      await t.over;
      return null;
    }
    case 'dump': {
      const blob = await open().dumpDataDir('none');
      return await blob.arrayBuffer();
    }
    case 'close':
      await db?.close();
      db = null;
      return null;
  }
}

port.on('message', (m: ThreadRequest) => {
  handle(m).then(
    (value) => {
      // A dump is handed over, not copied.
      if (value instanceof ArrayBuffer) port.postMessage({ id: m.id, ok: true, value }, [value]);
      else reply({ id: m.id, ok: true, value });
    },
    (err: unknown) => reply({ id: m.id, ok: false, error: describe(err) }),
  );
});
