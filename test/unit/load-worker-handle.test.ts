import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { WorkerHandle } from '../../bin/load/worker-handle.js';

/** A worker process as the load tool sees it: its events only (no process). */
const fakeChild = () => Object.assign(new EventEmitter(), { send: () => true }) as unknown as ChildProcess;
const closedMessage = { type: 'closed', actuationMs: [4, 5], errors: {} };

describe('load tool: a worker process seen from the load tool', () => {
  it("takes a worker's last message read after its exit was seen (a busy parent), until its channel closes", async () => {
    const child = fakeChild();
    const w = new WorkerHandle(child);
    const closed = w.next('closed');
    child.emit('exit', 0);
    await new Promise((r) => setImmediate(r));
    child.emit('message', closedMessage);
    child.emit('disconnect');
    assert.deepEqual(await closed, closedMessage);
  });

  it('fails the wait, naming the message, once the worker exited and its channel closed without it', async () => {
    const child = fakeChild();
    const w = new WorkerHandle(child);
    const closed = w.next('closed');
    child.emit('exit', 3);
    child.emit('disconnect');
    await assert.rejects(closed, /a worker process exited \(3\) before it said "closed"/);
  });

  it('keeps a message that came before it was awaited', async () => {
    const child = fakeChild();
    const w = new WorkerHandle(child);
    child.emit('message', closedMessage);
    child.emit('exit', 0);
    child.emit('disconnect');
    assert.deepEqual(await w.next('closed'), closedMessage);
  });
});
