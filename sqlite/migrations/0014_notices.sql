-- The outbox of notices to the person on duty (epiloop.Notice): codes and
-- ids only, never personal data. key is the idempotency key (one event,
-- one channel address); lease_until keeps a claimed notice from a second
-- worker until it lapses.
CREATE TABLE notices (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL,
	event_id        INTEGER,
	target          TEXT NOT NULL,
	user_id         INTEGER,
	channel         TEXT NOT NULL,
	address         TEXT NOT NULL,
	key             TEXT NOT NULL UNIQUE,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending';

-- The delivery log: one row per try.
CREATE TABLE notice_attempts (
	notice_id   INTEGER NOT NULL REFERENCES notices (id),
	seq         INTEGER NOT NULL,
	time        INTEGER NOT NULL,
	http_status INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (notice_id, seq)
) STRICT, WITHOUT ROWID;

-- The last event the producer turned into notices.
CREATE TABLE notice_cursor (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	event_id INTEGER NOT NULL
) STRICT;
-- It starts at the newest event: a database that gains notices does not
-- send its history.
INSERT INTO notice_cursor (id, event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;
