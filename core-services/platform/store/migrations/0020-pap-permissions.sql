-- dojot's permission model (its auth "PAP"): permissions, groups, and who has which. A request is
-- decided on the union of the user's groups' permissions and its direct ones; a matching deny wins
-- (core-services/auth/policy.ts). Paths and methods are regexes matched as a prefix of
-- "<path without query>/" and the HTTP method.
CREATE TABLE permissions (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  path text NOT NULL,
  method text NOT NULL,
  permission text NOT NULL CHECK (permission IN ('permit', 'deny')),
  -- 'system': seeded, cannot be edited or deleted (the platform would lock itself out).
  type text NOT NULL DEFAULT 'api' CHECK (type IN ('system', 'api')),
  created_date timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);

CREATE TABLE groups (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text,
  created_date timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);

CREATE TABLE group_permissions (
  group_id integer NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  permission_id integer NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, permission_id)
);
CREATE INDEX group_permissions_permission ON group_permissions (permission_id);

CREATE TABLE user_groups (
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  group_id integer NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_group ON user_groups (group_id);

CREATE TABLE user_permissions (
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  permission_id integer NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, permission_id)
);
CREATE INDEX user_permissions_permission ON user_permissions (permission_id);

-- dojot's default groups keep their ids (1 admin, 2 user): tokens carry group ids.
INSERT INTO groups (id, name, description, created_by) VALUES
  (1, 'admin', 'Every right on every path', 'auth'),
  (2, 'user', 'Devices, templates, flows, history (read), certificates, import/export, cron', 'auth');
SELECT setval(pg_get_serial_sequence('groups', 'id'), 2);

INSERT INTO permissions (name, path, method, permission, type, created_by) VALUES
  ('all_all', '/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('all_template', '/template/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('all_device', '/device/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('all_flows', '/flows/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('ro_history', '/history/(.*)', 'GET', 'permit', 'system', 'auth'),
  ('all_x509_certificates', '/x509/v1/certificates/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('ro_x509_ca', '/x509/v1/ca/(.*)', 'GET', 'permit', 'system', 'auth'),
  ('ro_kafka_ws_ticket', '/kafka-ws/v[0-9]+/ticket/', 'GET', 'permit', 'system', 'auth'),
  ('ro_topic', '/topic/(.*)', 'GET', 'permit', 'system', 'auth'),
  ('wo_import', '/import/(.*)', 'POST', 'permit', 'system', 'auth'),
  ('ro_export', '/export/(.*)', 'GET', 'permit', 'system', 'auth'),
  ('all_cron', '/cron/(.*)', '(.*)', 'permit', 'system', 'auth'),
  ('wo_password', '/auth/password/(.*)', 'POST', 'permit', 'system', 'auth');

INSERT INTO group_permissions (group_id, permission_id)
  SELECT 1, id FROM permissions WHERE name = 'all_all';
INSERT INTO group_permissions (group_id, permission_id)
  SELECT 2, id FROM permissions WHERE name <> 'all_all';

-- Users made before this migration keep their rights: the group their profile names.
INSERT INTO user_groups (user_id, group_id)
  SELECT u.id, g.id FROM users u JOIN groups g ON g.name = u.profile;

