import assert from 'node:assert/strict';
import { IpcError, IpcPeer } from './ipc.js';

type Ops = { double: (n: number) => number; fail: () => void };
type Ev = { note: { text: string } };

/** Two peers wired back to back, as the supervisor and a tenant runtime are over the channel. */
function pair() {
  // Each end's sender reaches the other only when called, after both exist.
  const a: IpcPeer<Ops, Ops, Ev, Ev> = new IpcPeer((p) => setImmediate(() => b.receive(structuredClone(p))));
  const b: IpcPeer<Ops, Ops, Ev, Ev> = new IpcPeer((p) => setImmediate(() => a.receive(structuredClone(p))));
  return { a, b };
}

describe('IPC peer', () => {
  it('answers requests with the value the other end returns', async () => {
    const { a, b } = pair();
    b.serve('double', (n) => n * 2);
    assert.deepEqual(await Promise.all([a.request('double', 2), a.request('double', 5)]), [4, 10]);
  });

  it('carries an error across with its code, as an IpcError', async () => {
    const { a, b } = pair();
    b.serve('fail', () => {
      throw Object.assign(new Error('nope'), { code: 'E_NOPE' });
    });
    await assert.rejects(
      a.request('fail'),
      (e: IpcError) => e instanceof IpcError && e.message === 'nope' && e.code === 'E_NOPE',
    );
    await assert.rejects(a.request('double', 1), (e: IpcError) => e.code === 'IPC_UNKNOWN_OP');
  });

  it('delivers events and fails waiting requests when the other end goes away', async () => {
    const { a, b } = pair();
    const got = new Promise((resolve) => b.on('note', resolve));
    a.emit('note', { text: 'hi' });
    assert.deepEqual(await got, { text: 'hi' });
    const lost = new IpcPeer<Ops, Ops, Ev, Ev>(() => {});
    const waiting = lost.request('double', 1);
    lost.failPending('gone');
    await assert.rejects(waiting, (e: IpcError) => e.code === 'IPC_CLOSED');
  });
});
