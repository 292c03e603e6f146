-- 0015: shift hand-overs as two-party agreements, the duty inbox of the
-- person on duty, a node leader's account, a post's front tag and duty
-- telephone (handover.go). Hand-over notes are free text: sealed.

ALTER TABLE command_nodes ADD COLUMN leader_user_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE duty_posts ADD COLUMN front_code TEXT NOT NULL DEFAULT '';
ALTER TABLE duty_posts ADD COLUMN phone TEXT NOT NULL DEFAULT '';

CREATE TABLE duty_handovers (
	id            INTEGER PRIMARY KEY,
	post_id       INTEGER NOT NULL REFERENCES duty_posts (id),
	node_code     TEXT NOT NULL,
	boundary      INTEGER NOT NULL,
	out_slot_id   INTEGER NOT NULL,
	in_slot_id    INTEGER NOT NULL DEFAULT 0,
	out_user_id   INTEGER NOT NULL DEFAULT 0,
	out_at        INTEGER,
	out_conflicts INTEGER,
	out_overdue   INTEGER,
	out_alerts    INTEGER,
	out_note      TEXT NOT NULL DEFAULT '',
	in_user_id    INTEGER NOT NULL DEFAULT 0,
	in_at         INTEGER,
	in_conflicts  INTEGER,
	in_overdue    INTEGER,
	in_alerts     INTEGER,
	in_note       TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL,
	reasons       TEXT NOT NULL DEFAULT '[]',
	closed_at     INTEGER,
	escalated_at  INTEGER,
	escalated_to  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (post_id, boundary)
) STRICT;

CREATE INDEX duty_handovers_boundary ON duty_handovers (boundary);

CREATE TABLE duty_items (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	kind        TEXT NOT NULL,
	node_code   TEXT NOT NULL,
	post_id     INTEGER NOT NULL DEFAULT 0,
	lead_id     INTEGER NOT NULL DEFAULT 0,
	task_id     INTEGER NOT NULL DEFAULT 0,
	handover_id INTEGER NOT NULL DEFAULT 0,
	level       TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	done_at     INTEGER
) STRICT;

CREATE INDEX duty_items_user ON duty_items (user_id, id);
