-- 0013: the command structure and its real-name duty roster (duty.go).
-- Persons on duty are staff (users), not residents: nothing is sealed.

CREATE TABLE command_nodes (
	code             TEXT PRIMARY KEY,
	kind             TEXT NOT NULL,
	name             TEXT NOT NULL,
	parent_code      TEXT NOT NULL DEFAULT '',
	district_code    TEXT NOT NULL DEFAULT '',
	theme            TEXT NOT NULL DEFAULT '',
	leader           TEXT NOT NULL DEFAULT '',
	deputy           TEXT NOT NULL DEFAULT '',
	mandate          TEXT NOT NULL DEFAULT '',
	responsibilities TEXT NOT NULL DEFAULT '[]',
	updated_at       INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE duty_posts (
	id         INTEGER PRIMARY KEY,
	node_code  TEXT NOT NULL REFERENCES command_nodes (code),
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	place_code TEXT NOT NULL DEFAULT '',
	min_staff  INTEGER NOT NULL,
	max_staff  INTEGER NOT NULL
) STRICT;

CREATE INDEX duty_posts_node ON duty_posts (node_code, id);

CREATE TABLE duty_slots (
	id       INTEGER PRIMARY KEY,
	post_id  INTEGER NOT NULL REFERENCES duty_posts (id),
	start_at INTEGER NOT NULL,
	end_at   INTEGER NOT NULL,
	UNIQUE (post_id, start_at)
) STRICT;

CREATE INDEX duty_slots_time ON duty_slots (start_at, end_at);

CREATE TABLE duty_persons (
	slot_id        INTEGER NOT NULL REFERENCES duty_slots (id),
	user_id        INTEGER NOT NULL REFERENCES users (id),
	checked_in_at  INTEGER,
	checked_out_at INTEGER,
	PRIMARY KEY (slot_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX duty_persons_user ON duty_persons (user_id, slot_id);
