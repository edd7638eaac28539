-- Kafka2FTP's waiting files, kept until uploaded or set aside: a file's bus offset is committed
-- once it waits in its tenant's queue (so that a failing server never holds the consumer), and
-- this table is what keeps it through a crash. Each row is held by one instance (`owner`) for as
-- long as it renews its lease; a row whose lease ran out is taken over by whichever instance
-- looks first (core-services/kafka2ftp/waiting-files.ts).
CREATE TABLE kafka2ftp_waiting (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  -- the bus message as JSON text (text, not jsonb: a file's content may hold a NUL, which JSON
  -- text escapes and jsonb refuses)
  message text NOT NULL,
  owner text NOT NULL,
  -- epoch ms
  lease_until bigint NOT NULL
);
CREATE INDEX kafka2ftp_waiting_owner ON kafka2ftp_waiting (owner);
CREATE INDEX kafka2ftp_waiting_lease ON kafka2ftp_waiting (lease_until);
