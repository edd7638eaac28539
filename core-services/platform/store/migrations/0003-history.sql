-- Device history (§4.3 of docs/dojot-compatibility.md): one row per attribute value of a device-data message
-- or of a configure event. dojot kept one MongoDB collection per device; here every tenant
-- shares one table and every query starts with (tenant, device_id).
CREATE TABLE device_history (
  tenant text NOT NULL,
  device_id text NOT NULL,
  attr text NOT NULL,
  ts timestamptz NOT NULL,
  -- The bus message the value came from. A redelivered message yields the very same key
  -- (its ts comes from the message, or from the bus's own timestamp), so ON CONFLICT DO NOTHING
  -- makes redelivery harmless.
  msg_id text NOT NULL,
  -- The value with its JSON type kept (number, string, bool, object, array, null).
  value jsonb NOT NULL,
  -- The message's metadata minus deviceid, tenant and timestamp.
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- One index serves everything: lastN / hLimit (backward scan), firstN (forward scan),
  -- dateFrom/dateTo (range on ts), the list of a device's attrs (skip scan on the prefix), the
  -- latest value per attr, and de-duplication. A second index would cost every insert.
  PRIMARY KEY (tenant, device_id, attr, ts, msg_id)
);
