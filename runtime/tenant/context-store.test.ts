// The persistent context store over a real IPC channel (two peers back to back, as the runtime
// and the supervisor): writes the supervisor cannot store are kept, retried and counted.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { IpcPeer, type SupervisorSide, type TenantSide } from '../supervisor/ipc.js';
import { createPersistentContext, mergeWrites, type ContextStats } from './context-store.js';

type Write = { scope: string; key: string | null; value?: unknown };

function channel(): { runtime: TenantSide; supervisor: SupervisorSide } {
  const runtime: TenantSide = new IpcPeer((p) => setImmediate(() => supervisor.receive(structuredClone(p))));
  const supervisor: SupervisorSide = new IpcPeer((p) => setImmediate(() => runtime.receive(structuredClone(p))));
  return { runtime, supervisor };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('persistent context store', () => {
  it('keeps writes the supervisor could not store, retries them with a back-off, and logs and counts each failure', async () => {
    const { runtime, supervisor } = channel();
    const stored: Write[][] = [];
    let failuresLeft = 2;
    supervisor.serve('context.load', () => []);
    supervisor.serve('context.write', (writes) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw Object.assign(new Error('store unavailable'), { code: 'STORE_DOWN' });
      }
      stored.push(writes);
    });
    const lines: { msg: string; writes?: number; failures?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const stats: ContextStats = { writeFailures: 0, writesPending: 0 };
    const store = createPersistentContext(runtime, log, stats)({});
    await store.open();

    store.set('global', 'count', 1);
    store.set('global', 'count', 2);
    store.set('node1:flow1', 'seen', ['a']);
    await until(() => stats.writeFailures >= 1);
    // Written while the first attempt failed: stored with the rest, after it.
    store.set('global', 'other', true);
    // Stored on the supervisor's side first; the runtime counts them done once the answer is back.
    await until(() => stored.length === 1 && stats.writesPending === 0);

    assert.equal(stats.writeFailures, 2);
    assert.equal(stats.writesPending, 0);
    assert.deepEqual(stored[0], [
      { scope: 'global', key: 'count', value: 2 },
      { scope: 'node1:flow1', key: 'seen', value: ['a'] },
      { scope: 'global', key: 'other', value: true },
    ]);
    const warned = lines.filter((l) => /could not be stored/.test(l.msg));
    assert.equal(warned.length, 2);
    assert.equal(warned[1].failures, 2);

    // Back to normal: the next write goes at once, with no failure.
    store.set('global', 'count', 3);
    await until(() => stored.length === 2);
    assert.deepEqual(stored[1], [{ scope: 'global', key: 'count', value: 3 }]);
    await store.close();
  });

  it('fails close() when the last writes cannot be stored, and still counts them as pending', async () => {
    const { runtime, supervisor } = channel();
    supervisor.serve('context.load', () => []);
    supervisor.serve('context.write', () => {
      throw new Error('store unavailable');
    });
    const stats: ContextStats = { writeFailures: 0, writesPending: 0 };
    const store = createPersistentContext(runtime, pino({ level: 'silent' }), stats)({});
    await store.open();
    store.set('global', 'k', 'v');
    await assert.rejects(store.close(), /store unavailable/);
    assert.equal(stats.writesPending, 1);
    assert.ok(stats.writeFailures >= 1);
  });

  it("merges writes keeping each key's last, and a scope's deletion replacing its earlier writes", () => {
    assert.deepEqual(
      mergeWrites([
        { scope: 's', key: 'a', value: 1 },
        { scope: 't', key: 'a', value: 1 },
        { scope: 's', key: 'b', value: 1 },
        { scope: 's', key: null },
        { scope: 's', key: 'a', value: 2 },
        { scope: 't', key: 'a', value: 3 },
      ]),
      [
        { scope: 's', key: null },
        { scope: 's', key: 'a', value: 2 },
        { scope: 't', key: 'a', value: 3 },
      ],
    );
  });
});
