-- Cron (§8 of docs/dojot-compatibility.md): the tenants' scheduled jobs, and one row per job per fire time so that
-- of several platform instances arming the same job exactly one runs it (the first to insert).
CREATE TABLE cron_jobs (
  tenant text NOT NULL,
  job_id text NOT NULL,
  spec jsonb NOT NULL,
  -- changes on every write: a stale instance's timer of an older revision cannot claim a fire
  revision text NOT NULL,
  created bigint NOT NULL,
  PRIMARY KEY (tenant, job_id)
);

CREATE TABLE cron_fires (
  tenant text NOT NULL,
  job_id text NOT NULL,
  -- epoch ms of the scheduled fire time
  fire_at bigint NOT NULL,
  PRIMARY KEY (tenant, job_id, fire_at)
);
CREATE INDEX cron_fires_fire_at ON cron_fires (fire_at);
