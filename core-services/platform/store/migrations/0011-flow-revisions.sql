-- Every saved state of a tenant's flows (editor deploys, /flows/v1 writes, restores), newest
-- kept: what changed, who changed it, and the whole config to go back to. `summary` holds the
-- counts of nodes added, removed and changed against the revision before, and the tabs touched.
CREATE TABLE flow_revisions (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  -- epoch ms
  created bigint NOT NULL,
  -- the user who saved it (null when not known)
  author text,
  -- 'editor' | 'api' | 'restore' | 'import'
  via text NOT NULL,
  restored_from bigint,
  config jsonb NOT NULL,
  summary jsonb NOT NULL
);
CREATE INDEX flow_revisions_tenant ON flow_revisions (tenant, id DESC);
