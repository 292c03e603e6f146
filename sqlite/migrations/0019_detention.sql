-- 0019: detention facilities under closed management (detention.go): the
-- facilities' areas and cells, the detainees' stays, the staff cohorts on
-- rotation and their hand-overs, and the closed-management orders. A
-- detainee's and a staff member's observation plan has no lead, so
-- observations.lead_id becomes nullable: SQLite cannot drop NOT NULL, so
-- the table is rebuilt (with its two children, whose foreign keys follow
-- a renamed parent). Reasons, notes and exemptions are sealed; dates are
-- civil dates (YYYY-MM-DD).

ALTER TABLE observations RENAME TO observations_old;

CREATE TABLE observations (
	id            INTEGER PRIMARY KEY,
	lead_id       INTEGER REFERENCES leads (id),
	person_id     INTEGER NOT NULL REFERENCES persons (id),
	kind          TEXT NOT NULL,
	status        TEXT NOT NULL,
	start_date    TEXT NOT NULL,
	end_date      TEXT NOT NULL,
	unit_code     TEXT NOT NULL DEFAULT '',
	district_code TEXT NOT NULL DEFAULT '',
	site          TEXT NOT NULL DEFAULT '',
	proposal      TEXT NOT NULL DEFAULT '',
	overdue       INTEGER NOT NULL DEFAULT 0,
	missed        INTEGER NOT NULL DEFAULT 0,
	last_check    TEXT NOT NULL DEFAULT '',
	check_due     TEXT NOT NULL DEFAULT '',
	escalate_at   INTEGER,
	override      INTEGER NOT NULL DEFAULT 0,
	end_reason    TEXT NOT NULL DEFAULT '',
	hospital      TEXT NOT NULL DEFAULT '',
	created_at    INTEGER,
	updated_at    INTEGER,
	ended_at      INTEGER
) STRICT;

INSERT INTO observations SELECT * FROM observations_old;

ALTER TABLE observation_checks RENAME TO observation_checks_old;

CREATE TABLE observation_checks (
	id             INTEGER PRIMARY KEY,
	observation_id INTEGER NOT NULL REFERENCES observations (id),
	date           TEXT NOT NULL,
	time           INTEGER NOT NULL,
	temperature    REAL NOT NULL,
	symptoms       INTEGER NOT NULL DEFAULT 0,
	present        INTEGER NOT NULL DEFAULT 1,
	note           TEXT NOT NULL DEFAULT '',
	by_user        INTEGER
) STRICT;

INSERT INTO observation_checks SELECT * FROM observation_checks_old;
DROP TABLE observation_checks_old;

ALTER TABLE observation_escalations RENAME TO observation_escalations_old;

CREATE TABLE observation_escalations (
	observation_id INTEGER NOT NULL REFERENCES observations (id),
	date           TEXT NOT NULL,
	at             INTEGER NOT NULL,
	PRIMARY KEY (observation_id, date)
) STRICT, WITHOUT ROWID;

INSERT INTO observation_escalations SELECT * FROM observation_escalations_old;
DROP TABLE observation_escalations_old;
DROP TABLE observations_old;

-- A lead starts at most one plan (plans without a lead are many).
CREATE UNIQUE INDEX observations_lead ON observations (lead_id);
CREATE INDEX observations_unit ON observations (unit_code, status, id);
CREATE INDEX observations_district ON observations (district_code, status, id);
CREATE INDEX observations_status ON observations (status, id);
CREATE INDEX observations_escalate ON observations (escalate_at) WHERE status = 'active';
CREATE INDEX observation_checks_observation ON observation_checks (observation_id, id);

CREATE TABLE detention_areas (
	id            INTEGER PRIMARY KEY,
	facility_code TEXT NOT NULL,
	code          TEXT NOT NULL,
	name          TEXT NOT NULL,
	kind          TEXT NOT NULL,
	capacity      INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (facility_code, code)
) STRICT;

CREATE TABLE detainees (
	id              INTEGER PRIMARY KEY,
	facility_code   TEXT NOT NULL,
	district_code   TEXT NOT NULL,
	unit_code       TEXT NOT NULL,
	person_id       INTEGER NOT NULL REFERENCES persons (id),
	area_code       TEXT NOT NULL,
	area_kind       TEXT NOT NULL,
	status          TEXT NOT NULL,
	case_ref        TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	observation_id  INTEGER REFERENCES observations (id),
	isolation_end   TEXT NOT NULL,
	admitted_at     INTEGER NOT NULL,
	moved_at        INTEGER,
	override_reason TEXT NOT NULL DEFAULT '',
	override_by     INTEGER NOT NULL DEFAULT 0,
	ended_at        INTEGER,
	end_reason      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

-- An isolation cell holds one detainee present; a person is present in
-- one facility at most.
CREATE UNIQUE INDEX detainees_isolation_cell ON detainees (facility_code, area_code)
	WHERE status = 'present' AND area_kind = 'isolation';
CREATE UNIQUE INDEX detainees_present_person ON detainees (person_id) WHERE status = 'present';
-- Occupancy of an area.
CREATE INDEX detainees_area ON detainees (facility_code, area_code) WHERE status = 'present';
CREATE INDEX detainees_facility ON detainees (facility_code, status, id);
CREATE INDEX detainees_district ON detainees (district_code, status);

CREATE TABLE detention_cohorts (
	id               INTEGER PRIMARY KEY,
	facility_code    TEXT NOT NULL,
	district_code    TEXT NOT NULL,
	unit_code        TEXT NOT NULL,
	name             TEXT NOT NULL,
	leader_user_id   INTEGER NOT NULL REFERENCES users (id),
	start_date       TEXT NOT NULL,
	end_date         TEXT NOT NULL,
	status           TEXT NOT NULL,
	next_id          INTEGER NOT NULL DEFAULT 0,
	out_confirmed_by INTEGER NOT NULL DEFAULT 0,
	out_confirmed_at INTEGER,
	out_note         TEXT NOT NULL DEFAULT '',
	in_confirmed_by  INTEGER NOT NULL DEFAULT 0,
	in_confirmed_at  INTEGER,
	in_note          TEXT NOT NULL DEFAULT '',
	relieved_at      INTEGER,
	escalated_at     INTEGER,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;

-- One cohort of a facility is on site at a time.
CREATE UNIQUE INDEX detention_cohorts_on_site ON detention_cohorts (facility_code) WHERE status = 'on_site';
CREATE INDEX detention_cohorts_facility ON detention_cohorts (facility_code, status, id);
-- The overdue scan reads the cohorts on site by their end.
CREATE INDEX detention_cohorts_due ON detention_cohorts (end_date) WHERE status = 'on_site';

CREATE TABLE detention_cohort_members (
	id             INTEGER PRIMARY KEY,
	cohort_id      INTEGER NOT NULL REFERENCES detention_cohorts (id),
	seq            INTEGER NOT NULL,
	person_id      INTEGER NOT NULL REFERENCES persons (id),
	observation_id INTEGER NOT NULL DEFAULT 0,
	UNIQUE (cohort_id, seq),
	UNIQUE (cohort_id, person_id)
) STRICT;

CREATE TABLE detention_orders (
	id            INTEGER PRIMARY KEY,
	facility_code TEXT NOT NULL,
	state         TEXT NOT NULL,
	from_date     TEXT NOT NULL,
	to_date       TEXT NOT NULL DEFAULT '',
	order_no      TEXT NOT NULL DEFAULT '',
	exceptions    TEXT NOT NULL DEFAULT '',
	by_user       INTEGER NOT NULL DEFAULT 0,
	at            INTEGER NOT NULL
) STRICT;

CREATE INDEX detention_orders_facility ON detention_orders (facility_code, id);
