import type { Cache } from './cache.js';

const SWEEP_INTERVAL_MS = 30_000;

export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private closed = false;
  private entries = new Map<string, { value: string; expires: number }>();
  private sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  private live(key: string): { value: string; expires: number } | undefined {
    const e = this.entries.get(key);
    if (e && e.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  async incr(key: string, ttlMs: number): Promise<number> {
    const e = this.live(key);
    const n = (e ? Number(e.value) : 0) + 1;
    this.entries.set(key, { value: String(n), expires: e ? e.expires : Date.now() + ttlMs });
    return n;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
  }

  async take(key: string): Promise<string | null> {
    const e = this.live(key);
    this.entries.delete(key);
    return e?.value ?? null;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the in-memory cache is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
  }
}
