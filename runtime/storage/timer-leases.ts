// The tenants' timer leases (0009-flow-timer-leases.sql): one statement claims or renews all of an
// instance's tenants at once; the database's clock decides what has lapsed, so the instances'
// clocks need not agree.
import type { Sql } from '../../core-services/platform/store/index.js';

export const timerLeases = {
  /** Takes each tenant's lease that is free, lapsed or already ours, for ttlMs; returns the tenants held. */
  async claim(db: Sql, holder: string, tenants: string[], ttlMs: number): Promise<Set<string>> {
    if (tenants.length === 0) return new Set();
    const rows = await db.query<{ tenant: string }>(
      `INSERT INTO flow_timer_leases (tenant, holder, expires_at)
         SELECT t, $2, now() + make_interval(secs => $3::double precision / 1000) FROM unnest($1::text[]) AS t
       ON CONFLICT (tenant) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE flow_timer_leases.holder = EXCLUDED.holder OR flow_timer_leases.expires_at < now()
       RETURNING tenant`,
      [tenants, holder, ttlMs],
    );
    return new Set(rows.map((r) => r.tenant));
  },

  /** Gives the leases up (a stopping instance), so another instance takes them at its next claim. */
  async release(db: Sql, holder: string, tenants?: string[]): Promise<void> {
    if (tenants)
      await db.query('DELETE FROM flow_timer_leases WHERE holder = $1 AND tenant = ANY($2::text[])', [holder, tenants]);
    else await db.query('DELETE FROM flow_timer_leases WHERE holder = $1', [holder]);
  },

  async holder(db: Sql, tenant: string): Promise<string | null> {
    const rows = await db.query<{ holder: string }>(
      'SELECT holder FROM flow_timer_leases WHERE tenant = $1 AND expires_at >= now()',
      [tenant],
    );
    return rows[0]?.holder ?? null;
  },
};
