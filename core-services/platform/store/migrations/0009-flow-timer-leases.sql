-- Which platform instance runs a tenant's timers (inject nodes, and flows' own subscriptions such
-- as mqtt in). Every instance runs every tenant's flows (device messages are shared out by Kafka),
-- but a timer would fire once per instance: only the holder of the tenant's lease lets it fire.
-- A holder renews before expires_at; a holder that stops (or dies) is replaced once it lapses.
CREATE TABLE flow_timer_leases (
  tenant text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
