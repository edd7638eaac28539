-- Kafka2FTP (§10 of docs/dojot-compatibility.md): the FTP server each tenant's files go to (dojot had one per
-- deployment, set by environment; here each tenant sets its own over /kafka2ftp/v1/config), and a
-- log of uploads that failed, with the reason.
CREATE TABLE kafka2ftp_config (
  tenant text PRIMARY KEY,
  host text NOT NULL,
  port integer NOT NULL,
  username text NOT NULL,
  -- kept to log in to the tenant's server; never returned by the API
  password text NOT NULL,
  directory text NOT NULL,
  secure boolean NOT NULL,
  updated bigint NOT NULL
);

CREATE TABLE kafka2ftp_failures (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  at bigint NOT NULL,
  filename text NOT NULL,
  attempts integer NOT NULL,
  -- true once the upload was given up; false for a failed attempt that will be retried
  final boolean NOT NULL,
  reason text NOT NULL
);
CREATE INDEX kafka2ftp_failures_tenant ON kafka2ftp_failures (tenant, id);
