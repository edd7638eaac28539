-- The flow engine (runtime/): one row per editor tab, which is one dojot flow (§5.1 of docs/dojot-compatibility.md).
-- Node-RED's whole-config array is split into these rows and joined back by runtime/storage.
CREATE TABLE flows (
  tenant text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- the tab node itself (info, env, ...), label/disabled mirrored from name/enabled
  tab jsonb NOT NULL,
  -- every node whose z is this tab
  nodes jsonb NOT NULL,
  -- the tab's place in the editor's tab bar
  position integer NOT NULL,
  created bigint NOT NULL,
  updated bigint NOT NULL,
  PRIMARY KEY (tenant, id)
);

-- Nodes of no tab: subflow definitions and their nodes, global config nodes.
CREATE TABLE flow_globals (
  tenant text PRIMARY KEY,
  nodes jsonb NOT NULL
);

-- Node-RED's credentials object (encrypted by the runtime with its credential secret).
CREATE TABLE flow_credentials (
  tenant text PRIMARY KEY,
  creds jsonb NOT NULL
);

-- Node-RED's runtime settings and sessions, by name ("settings", "sessions").
CREATE TABLE flow_runtime_state (
  tenant text NOT NULL,
  name text NOT NULL,
  value jsonb NOT NULL,
  PRIMARY KEY (tenant, name)
);

-- The persistent context store: one row per top-level key of a scope (global, flow id, node id).
CREATE TABLE flow_context (
  tenant text NOT NULL,
  scope text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  PRIMARY KEY (tenant, scope, key)
);
