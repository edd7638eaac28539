-- Install-wide settings (the JWT signing secret lives here).
CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- A tenant exists while it has users (dojot "service").
CREATE TABLE tenants (
  name text PRIMARY KEY,
  created timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id serial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  name text NOT NULL,
  service text NOT NULL REFERENCES tenants (name),
  email text NOT NULL UNIQUE,
  profile text NOT NULL,
  password_hash text,
  created_date timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);
CREATE INDEX users_service ON users (service);
