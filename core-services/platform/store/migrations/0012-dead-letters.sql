-- Dead letters: bus messages a consumer failed on every try, set aside so the rest of their batch
-- (and every other tenant's data behind them) goes on. A tenant's admins list and delete them
-- over /dead-letters/v1/letters.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  -- the consumer group that failed on it (history, history-notifications, kafka2ftp, ...)
  consumer text NOT NULL,
  topic text NOT NULL,
  msg_key text,
  -- the bus message id: a message redelivered and failed again is kept once per consumer
  msg_id text NOT NULL,
  -- when the bus accepted it, and when it was set aside, epoch ms
  msg_ts bigint NOT NULL,
  at bigint NOT NULL,
  reason text NOT NULL,
  -- the message value as JSON text (not jsonb: it may hold what jsonb refuses, such as a NUL)
  message text NOT NULL,
  UNIQUE (consumer, msg_id)
);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant, id);
