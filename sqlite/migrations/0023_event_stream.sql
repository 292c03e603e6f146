-- 0023: the positions of the publishers that send the event outbox to
-- another system (package stream: NATS JetStream), one row per publisher,
-- with the lease that lets one replica at a time publish. last_event_id
-- is the last event acknowledged by the other system; it only grows.

CREATE TABLE stream_positions (
	name          TEXT PRIMARY KEY,
	last_event_id INTEGER NOT NULL DEFAULT 0,
	holder        TEXT NOT NULL DEFAULT '',
	lease_until   INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL
);
