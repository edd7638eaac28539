// An idle runtime gives back the memory its busy time grew. V8 sizes a runtime's young generation
// to its allocation rate (up to 16 MB per semi-space: drivers/local-process.ts) and shrinks it only
// in a garbage collection that finds the rate low; a runtime that goes quiet after Node-RED's start
// or after a burst of messages allocates too little to need a collection, so whether it shrinks
// was left to V8's memory reducer, which often did not run: idle runtimes sat at ~46 MB of their
// own memory instead of ~31 (docs/benchmarks.md, "Idle runtime memory: one V8 background thread,
// one collection once quiet").
// One full collection (a few ms) once the runtime has been quiet for a while gives it back; then
// none until it has worked and gone quiet again.

/** How long without a message before a runtime collects, ms. */
export const QUIET_COLLECT_AFTER_MS = 10_000;

export class IdleCollector {
  private lastActivity = Number.NaN;
  private quietSince = 0;
  private collected = false;

  constructor(
    /** V8's collection (`--expose-gc`), or null when the runtime was started without it. */
    private readonly collect: (() => void) | null,
    private readonly afterMs = QUIET_COLLECT_AFTER_MS,
  ) {}

  /**
   * Called on every heartbeat with a count that grows with the runtime's work (messages through
   * nodes and over the bus); collects once per quiet spell. Returns whether it collected.
   */
  tick(activity: number, now = Date.now()): boolean {
    if (activity !== this.lastActivity) {
      this.lastActivity = activity;
      this.quietSince = now;
      this.collected = false;
      return false;
    }
    if (this.collected || this.collect === null || now - this.quietSince < this.afterMs) return false;
    this.collected = true;
    this.collect();
    return true;
  }
}

/**
 * V8's collection function, or null without `--expose-gc`. V8 defines it on the global object for
 * good (it cannot be deleted); a flow's code that reached it through a sandbox escape could only
 * slow its own runtime, which a loop does as well.
 */
export function takeCollector(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : null;
}
