// One Unix uid (and gid of the same number) per tenant, from DOJOT_RUNTIME_UIDS, assigned on the
// tenant's first start and kept in the store, so every instance and every restart runs the tenant
// as the same user (its directory stays its own) and no two tenants ever share one.
import type { Store } from '../../../core-services/platform/store/index.js';

/** Serialises assignments across instances (pg_advisory_xact_lock key). */
const UID_LOCK_ID = 715_420_035;

export class TenantUids {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly range: [number, number],
  ) {}

  async uidOf(tenant: string): Promise<number> {
    const cached = this.known.get(tenant);
    if (cached !== undefined) return cached;
    const uid = await this.store.transaction(async (tx) => {
      const [row] = await tx.query<{ uid: string | number }>('SELECT uid FROM runtime_uids WHERE tenant = $1', [
        tenant,
      ]);
      if (row) return Number(row.uid);
      await tx.query('SELECT pg_advisory_xact_lock($1)', [UID_LOCK_ID]);
      const [again] = await tx.query<{ uid: string | number }>('SELECT uid FROM runtime_uids WHERE tenant = $1', [
        tenant,
      ]);
      if (again) return Number(again.uid);
      const [free] = await tx.query<{ uid: string | number }>(
        `SELECT s AS uid FROM generate_series($1::bigint, $2::bigint) s
          WHERE NOT EXISTS (SELECT 1 FROM runtime_uids u WHERE u.uid = s) ORDER BY s LIMIT 1`,
        [this.range[0], this.range[1]],
      );
      if (!free)
        throw new Error(
          `no free uid left in DOJOT_RUNTIME_UIDS (${this.range[0]}-${this.range[1]}) for tenant ${tenant}`,
        );
      await tx.query('INSERT INTO runtime_uids (tenant, uid) VALUES ($1, $2)', [tenant, free.uid]);
      return Number(free.uid);
    });
    this.known.set(tenant, uid);
    return uid;
  }

  /** The tenant is deleted: its uid may serve another tenant later (its files are gone with it). */
  async release(tenant: string): Promise<void> {
    this.known.delete(tenant);
    await this.store.query('DELETE FROM runtime_uids WHERE tenant = $1', [tenant]);
  }
}
