-- The Unix uid each tenant's flow runtime runs as (runtime/supervisor/sandbox/tenant-uids.ts):
-- assigned once, kept, never shared by two tenants.
CREATE TABLE runtime_uids (
  tenant text PRIMARY KEY,
  uid bigint NOT NULL UNIQUE,
  assigned_at timestamptz NOT NULL DEFAULT now()
);
