// Short-lived shared state: rate-limit counters, single-use tickets, small caches.
// Memory by default; Redis when configured, so several instances share it.

export interface Cache {
  readonly kind: string;
  /** Adds 1 to a counter that expires ttlMs after its first increment; returns the new count. */
  incr(key: string, ttlMs: number): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Gets and deletes in one step: a second take of the same key returns null. */
  take(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** Resolves if the cache answers; for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
