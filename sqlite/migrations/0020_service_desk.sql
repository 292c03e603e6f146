-- 0020: the enterprise resumption service desk (desk.go): the measures'
-- catalogue, appointment slots, tickets with their three SLA clocks and
-- their steps. A ticket's contact, phone, detail and a step's note are
-- sealed; the confirmation code is kept as its hash only.

CREATE TABLE desk_measures (
	id                INTEGER PRIMARY KEY,
	code              TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	mode              TEXT NOT NULL,
	unit_code         TEXT NOT NULL REFERENCES units (code),
	first_response_min INTEGER NOT NULL,
	update_every_min  INTEGER NOT NULL,
	solution_min      INTEGER NOT NULL,
	active            INTEGER NOT NULL DEFAULT 1,
	updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE desk_slots (
	id          INTEGER PRIMARY KEY,
	day         TEXT NOT NULL,
	window_name TEXT NOT NULL,
	start_time  TEXT NOT NULL,
	end_time    TEXT NOT NULL,
	capacity    INTEGER NOT NULL,
	booked      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (day, window_name, start_time)
) STRICT;

CREATE TABLE desk_tickets (
	id             INTEGER PRIMARY KEY,
	number         TEXT NOT NULL UNIQUE,
	source         TEXT NOT NULL,
	code_hash      BLOB NOT NULL,
	measure_id     INTEGER NOT NULL REFERENCES desk_measures (id),
	unit_code      TEXT NOT NULL,
	district_code  TEXT NOT NULL,
	enterprise     TEXT NOT NULL,
	credit_code    TEXT NOT NULL,
	contact        TEXT NOT NULL,
	phone          TEXT NOT NULL,
	detail         TEXT NOT NULL,
	project        TEXT NOT NULL DEFAULT '',
	green          INTEGER NOT NULL DEFAULT 0,
	slot_id        INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,
	solved         TEXT NOT NULL DEFAULT '',
	confirmed      TEXT NOT NULL DEFAULT '',
	leader_user_id INTEGER NOT NULL DEFAULT 0,
	created_by     INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	solved_at      INTEGER,
	closed_at      INTEGER
) STRICT;

CREATE INDEX desk_tickets_unit ON desk_tickets (unit_code, id);
CREATE INDEX desk_tickets_state ON desk_tickets (state, id);
CREATE INDEX desk_tickets_solved ON desk_tickets (state, solved_at);
CREATE INDEX desk_tickets_green ON desk_tickets (green, state);

CREATE TABLE desk_clocks (
	ticket_id    INTEGER NOT NULL REFERENCES desk_tickets (id),
	kind         TEXT NOT NULL,
	due_at       INTEGER,
	paused_since INTEGER,
	paused_ms    INTEGER NOT NULL DEFAULT 0,
	met_at       INTEGER,
	breached_at  INTEGER,
	PRIMARY KEY (ticket_id, kind)
) STRICT;

-- The escalator's scan: running clocks not yet breached, by due time.
CREATE INDEX desk_clocks_due ON desk_clocks (due_at)
	WHERE met_at IS NULL AND paused_since IS NULL AND breached_at IS NULL AND due_at IS NOT NULL;
-- The queue's breached filter.
CREATE INDEX desk_clocks_breached ON desk_clocks (ticket_id)
	WHERE breached_at IS NOT NULL AND met_at IS NULL;

CREATE TABLE desk_steps (
	id        INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES desk_tickets (id),
	action    TEXT NOT NULL,
	user_id   INTEGER NOT NULL DEFAULT 0,
	at        INTEGER NOT NULL,
	note      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX desk_steps_ticket ON desk_steps (ticket_id, id);
