-- 0016: places under protection or control, their inspections and
-- rectifications, and deployments of officers to compounds (place.go,
-- inspection.go, deployment.go). Inspection items and notes, a
-- rectification's note and a deployed person's name and police number are
-- sealed. Dates of orders and deployments are civil dates (YYYY-MM-DD).

CREATE TABLE places (
	id               INTEGER PRIMARY KEY,
	code             TEXT NOT NULL UNIQUE,
	kind             TEXT NOT NULL,
	name             TEXT NOT NULL,
	address          TEXT NOT NULL DEFAULT '',
	district_code    TEXT NOT NULL,
	community_code   TEXT NOT NULL DEFAULT '',
	unit_code        TEXT NOT NULL,
	grade            TEXT NOT NULL DEFAULT '',
	fever_designated INTEGER NOT NULL DEFAULT 0,
	site_code        TEXT NOT NULL DEFAULT '',
	category         TEXT NOT NULL DEFAULT '',
	state            TEXT NOT NULL DEFAULT '',
	order_no         TEXT NOT NULL DEFAULT '',
	order_from       TEXT NOT NULL DEFAULT '',
	order_to         TEXT NOT NULL DEFAULT '',
	openness         TEXT NOT NULL DEFAULT '',
	households       INTEGER NOT NULL DEFAULT 0,
	gates            INTEGER NOT NULL DEFAULT 0,
	min_guard        INTEGER NOT NULL DEFAULT 0,
	detention_kind   TEXT NOT NULL DEFAULT '',
	capacity         INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX places_district ON places (district_code, kind, code);
CREATE INDEX places_unit ON places (unit_code);
CREATE INDEX places_community ON places (community_code);

CREATE TABLE inspections (
	id               INTEGER PRIMARY KEY,
	place_id         INTEGER NOT NULL REFERENCES places (id),
	kind             TEXT NOT NULL,
	inspector_id     INTEGER NOT NULL REFERENCES users (id),
	at               INTEGER NOT NULL,
	items            TEXT NOT NULL,
	found_open       INTEGER NOT NULL DEFAULT 0,
	note             TEXT NOT NULL DEFAULT '',
	defects          TEXT NOT NULL DEFAULT '[]',
	rectification_id INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX inspections_place ON inspections (place_id, at);

CREATE TABLE rectifications (
	id              INTEGER PRIMARY KEY,
	place_id        INTEGER NOT NULL REFERENCES places (id),
	inspection_id   INTEGER NOT NULL REFERENCES inspections (id),
	district_code   TEXT NOT NULL,
	unit_code       TEXT NOT NULL,
	items           TEXT NOT NULL,
	due_at          INTEGER NOT NULL,
	fixed_by        INTEGER NOT NULL DEFAULT 0,
	fixed_at        INTEGER,
	fixed_note      TEXT NOT NULL DEFAULT '',
	confirmed_by    INTEGER NOT NULL DEFAULT 0,
	confirmed_at    INTEGER,
	confirmed_fixed INTEGER NOT NULL DEFAULT 0,
	reinspection_id INTEGER NOT NULL DEFAULT 0,
	state           TEXT NOT NULL,
	reasons         TEXT NOT NULL DEFAULT '[]',
	closed_at       INTEGER,
	escalated_at    INTEGER,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX rectifications_place ON rectifications (place_id, id);
CREATE INDEX rectifications_district ON rectifications (district_code, closed_at);
CREATE INDEX rectifications_unit ON rectifications (unit_code, closed_at);
CREATE INDEX rectifications_due ON rectifications (due_at) WHERE closed_at IS NULL;

CREATE TABLE deployments (
	id            INTEGER PRIMARY KEY,
	place_id      INTEGER NOT NULL REFERENCES places (id),
	district_code TEXT NOT NULL,
	unit_code     TEXT NOT NULL,
	person_name   TEXT NOT NULL,
	police_number TEXT NOT NULL DEFAULT '',
	person_kind   TEXT NOT NULL,
	from_date     TEXT NOT NULL,
	to_date       TEXT NOT NULL,
	state         TEXT NOT NULL,
	requested_by  INTEGER NOT NULL,
	approved_by   INTEGER NOT NULL DEFAULT 0,
	approved_at   INTEGER,
	checked_in_at INTEGER,
	ended_at      INTEGER,
	created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX deployments_place ON deployments (place_id, state);
CREATE INDEX deployments_district ON deployments (district_code, id);
CREATE INDEX deployments_unit ON deployments (unit_code, id);
