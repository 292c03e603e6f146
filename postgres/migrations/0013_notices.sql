-- 0013, mirroring sqlite/migrations/0014_notices.sql.

-- The outbox of notices to the person on duty (epiloop.Notice): codes and
-- ids only, never personal data. key is the idempotency key; lease_until
-- keeps a claimed notice from a second worker until it lapses (claims take
-- rows FOR UPDATE SKIP LOCKED).
CREATE TABLE notices (
	id              bigserial PRIMARY KEY,
	kind            text NOT NULL,
	event_id        bigint,
	target          text NOT NULL,
	user_id         bigint,
	channel         text NOT NULL,
	address         text NOT NULL,
	key             text NOT NULL UNIQUE,
	payload         jsonb NOT NULL,
	status          text NOT NULL DEFAULT 'pending',
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	lease_until     timestamptz NOT NULL DEFAULT 'epoch',
	last_error      text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL
);

CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending';

-- The delivery log: one row per try.
CREATE TABLE notice_attempts (
	notice_id   bigint NOT NULL REFERENCES notices (id),
	seq         integer NOT NULL,
	time        timestamptz NOT NULL,
	http_status integer NOT NULL,
	duration_ms bigint NOT NULL,
	error       text NOT NULL DEFAULT '',
	PRIMARY KEY (notice_id, seq)
);

-- The last event the producer turned into notices.
CREATE TABLE notice_cursor (
	id       integer PRIMARY KEY CHECK (id = 1),
	event_id bigint NOT NULL
);
-- It starts at the newest event: a database that gains notices does not
-- send its history.
INSERT INTO notice_cursor (id, event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;
