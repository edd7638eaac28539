// The load tool's side of one worker process: its progress, and its messages awaited by type.
import type { ChildProcess } from 'node:child_process';
import { CliError } from '../rest-client.js';
import type { ParentCommand, Progress, WorkerMessage } from './protocol.js';

export class WorkerHandle {
  progress: Progress = { connected: 0, sent: 0, acked: 0, errors: 0, actuationsReceived: 0 };
  /** Latencies reported since the live line last took them. */
  pubackWindow: number[] = [];
  actuationWindow: number[] = [];
  private waiters = new Map<string, (m: WorkerMessage) => void>();
  private early = new Map<string, WorkerMessage>();
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        const { window, type: _type, ...progress } = m;
        this.progress = progress;
        this.pubackWindow.push(...window.pubackMs);
        this.actuationWindow.push(...window.actuationMs);
      } else if (this.waiters.has(m.type)) this.waiters.get(m.type)!(m);
      else this.early.set(m.type, m);
    });
    // Both: a busy parent may see the exit before it has read the worker's last messages from the
    // channel (two 100,000-device runs lost their report so), and none can follow its close.
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const closed = new Promise<void>((resolve) => child.once('disconnect', () => resolve()));
    this.exited = Promise.all([exit, closed]).then(([code]) => code);
  }
  send(c: ParentCommand): void {
    this.child.send(c);
  }
  /** The worker's next message of a type; rejects if it exits first. */
  next<T extends WorkerMessage>(type: T['type']): Promise<T> {
    const got = this.early.get(type);
    if (got) return (this.early.delete(type), Promise.resolve(got as T));
    return new Promise((resolve, reject) => {
      this.waiters.set(type, (m) => (this.waiters.delete(type), resolve(m as T)));
      void this.exited.then((code) =>
        reject(new CliError(`a worker process exited (${code}) before it said "${type}"`)),
      );
    });
  }
}
