-- 0002: checkpoint screening, risk areas, medical observation.
--
-- Conventions as in 0001. Checkpoints and isolation sites are units: the
-- units table holds their code, name and district, and the tables below
-- their own details.

CREATE TABLE checkpoints (
	code     TEXT PRIMARY KEY,
	kind     TEXT NOT NULL,
	location TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- risk_areas is append-only: each row is one version of one code's area,
-- and the latest version of a code is in force (level 'none' lifts it).
-- AUTOINCREMENT: a version number is never reused, so a screening's
-- risk_version always names the list its decisions were taken against.
CREATE TABLE risk_areas (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	code       TEXT NOT NULL,
	level      TEXT NOT NULL,
	from_date  TEXT NOT NULL,
	to_date    TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	created_at INTEGER,
	created_by INTEGER
) STRICT;

CREATE INDEX risk_areas_code ON risk_areas (code, id);

CREATE TABLE screenings (
	id              INTEGER PRIMARY KEY,
	checkpoint_code TEXT NOT NULL REFERENCES units (code),
	district_code   TEXT NOT NULL DEFAULT '',
	time            INTEGER NOT NULL,
	direction       TEXT NOT NULL,
	plate           TEXT NOT NULL DEFAULT '',
	train           TEXT NOT NULL DEFAULT '',
	carriage        TEXT NOT NULL DEFAULT '',
	risk_version    INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER,
	created_by      INTEGER
) STRICT;

CREATE INDEX screenings_checkpoint ON screenings (checkpoint_code, id);
CREATE INDEX screenings_checkpoint_time ON screenings (checkpoint_code, time);

-- Occupants' ID numbers and phones are sealed like persons'; the blind
-- index finds where a person was screened.
CREATE TABLE screening_occupants (
	screening_id INTEGER NOT NULL REFERENCES screenings (id),
	seq          INTEGER NOT NULL,
	id_key       BLOB,
	id_enc       BLOB,
	phone_key    BLOB,
	phone_enc    BLOB,
	name         TEXT NOT NULL DEFAULT '',
	origin       TEXT NOT NULL DEFAULT '',
	destination  TEXT NOT NULL DEFAULT '',
	temperature  REAL NOT NULL,
	symptoms     INTEGER NOT NULL DEFAULT 0,
	decision     TEXT NOT NULL,
	risk_area    INTEGER NOT NULL DEFAULT 0,
	lead_id      INTEGER REFERENCES leads (id),
	PRIMARY KEY (screening_id, seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX screening_occupants_id_key ON screening_occupants (id_key) WHERE id_key IS NOT NULL;
CREATE INDEX screening_occupants_lead ON screening_occupants (lead_id) WHERE lead_id IS NOT NULL;

-- stat_counters are the checkpoint and observation counters, kept apart
-- from the lead funnel's; same shape as counters.
CREATE TABLE stat_counters (
	scope  TEXT NOT NULL,
	metric TEXT NOT NULL,
	shard  INTEGER NOT NULL DEFAULT 0,
	n      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, metric, shard)
) STRICT, WITHOUT ROWID;

CREATE TABLE sites (
	code     TEXT PRIMARY KEY,
	capacity INTEGER NOT NULL,
	address  TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE TABLE observations (
	id            INTEGER PRIMARY KEY,
	lead_id       INTEGER NOT NULL REFERENCES leads (id),
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

-- A lead starts at most one plan.
CREATE UNIQUE INDEX observations_lead ON observations (lead_id);
CREATE INDEX observations_unit ON observations (unit_code, status, id);
CREATE INDEX observations_district ON observations (district_code, status, id);
CREATE INDEX observations_status ON observations (status, id);
-- The escalation scan reads only active plans.
CREATE INDEX observations_escalate ON observations (escalate_at) WHERE status = 'active';

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

CREATE INDEX observation_checks_observation ON observation_checks (observation_id, id);

-- One row per plan and missed day: the key makes the escalation of a
-- missing check happen once across restarts and replicas.
CREATE TABLE observation_escalations (
	observation_id INTEGER NOT NULL REFERENCES observations (id),
	date           TEXT NOT NULL,
	at             INTEGER NOT NULL,
	PRIMARY KEY (observation_id, date)
) STRICT, WITHOUT ROWID;
