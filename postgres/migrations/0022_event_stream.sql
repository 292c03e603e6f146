-- 0022, mirroring sqlite/migrations/0023_event_stream.sql: the positions
-- of the publishers that send the event outbox to another system (package
-- stream: NATS JetStream), one row per publisher, with the lease that lets
-- one replica at a time publish. last_event_id is the last event
-- acknowledged by the other system; it only grows.

CREATE TABLE stream_positions (
	name          text PRIMARY KEY,
	last_event_id bigint NOT NULL DEFAULT 0,
	holder        text NOT NULL DEFAULT '',
	lease_until   timestamptz NOT NULL DEFAULT 'epoch',
	updated_at    timestamptz NOT NULL
);
