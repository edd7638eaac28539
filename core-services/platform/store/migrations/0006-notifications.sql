-- Notifications of the flows' notification nodes (§4.2, §4.3 of docs/dojot-compatibility.md): kept only when
-- their metaAttrsFilter.shouldPersist is truthy. dojot kept a `<tenant>_notifications`
-- collection; here one table, every query starting with the tenant.
CREATE TABLE notifications (
  tenant text NOT NULL,
  -- The notification's msgID (uuid4); a redelivered message is the very same row.
  msg_id text NOT NULL,
  -- The notification's timestamp, epoch ms (dojot returned it as `ts`).
  ts bigint NOT NULL,
  subject text NOT NULL,
  message jsonb NOT NULL,
  meta_attrs jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (tenant, msg_id)
);
-- The query API reads a tenant's newest ten, filtered on subject or metaAttrsFilter keys.
CREATE INDEX notifications_newest ON notifications (tenant, ts DESC);
