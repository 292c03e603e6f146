-- 0001: the initial schema.
--
-- Conventions: times are INTEGER unix milliseconds UTC (NULL for "none");
-- JSON documents are TEXT; optional strings are '' rather than NULL so that
-- equality filters and unique indexes need no NULL cases. Tables are STRICT
-- so that a value of the wrong type is an error, not a silent conversion.
-- The jurisdiction tables carry no foreign keys: reference data is loaded in
-- bulk in whatever order its files come (a community names its police
-- station before the station unit exists).

CREATE TABLE districts (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE streets (
	code          TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	district_code TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE communities (
	code          TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	street_code   TEXT NOT NULL,
	district_code TEXT NOT NULL,
	station_code  TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE TABLE units (
	code          TEXT PRIMARY KEY,
	kind          TEXT NOT NULL,
	name          TEXT NOT NULL,
	district_code TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE INDEX units_kind_district ON units (kind, district_code);

-- aliases teach the gazetteer: free-text alias → community.
CREATE TABLE aliases (
	alias          TEXT PRIMARY KEY,
	community_code TEXT NOT NULL REFERENCES communities (code)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	unit_code     TEXT NOT NULL DEFAULT '',
	district_code TEXT NOT NULL DEFAULT '',
	disabled      INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT NOT NULL DEFAULT '',
	created_at    INTEGER
) STRICT;

-- sessions and tokens hold hashes of secrets, never the secrets.
CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A token without expires_at does not expire (an integration's key, until
-- revoked).
CREATE TABLE tokens (
	hash       BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- persons are de-duplicated by ID number, then by phone and name among
-- those without one. ID numbers and phones are kept sealed (AES-GCM, key
-- outside the database) with a keyed blind index for the lookups.
CREATE TABLE persons (
	id         INTEGER PRIMARY KEY,
	id_key     BLOB,
	id_enc     BLOB,
	phone_key  BLOB,
	phone_enc  BLOB,
	name       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER))
) STRICT;

CREATE UNIQUE INDEX persons_id_key ON persons (id_key) WHERE id_key IS NOT NULL;
CREATE INDEX persons_phone_name ON persons (phone_key, name) WHERE id_key IS NULL;

CREATE TABLE leads (
	id             INTEGER PRIMARY KEY,
	person_id      INTEGER NOT NULL REFERENCES persons (id),
	status         TEXT NOT NULL,
	priority       TEXT NOT NULL,
	address        TEXT NOT NULL DEFAULT '',
	community_code TEXT NOT NULL DEFAULT '',
	district_code  TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL DEFAULT '{}', -- JSON Reason
	outcome        TEXT,                       -- JSON Feedback
	conflict       TEXT,                       -- JSON array of reason codes
	round          INTEGER NOT NULL DEFAULT 0,
	overdue        INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER,
	updated_at     INTEGER,
	closed_at      INTEGER
) STRICT;

-- A person has at most one open lead.
CREATE UNIQUE INDEX leads_open_person ON leads (person_id)
	WHERE status NOT IN ('closed', 'handed_over');
-- The list queries (scope and filters, newest first): each index ends in
-- id so that a page in id order comes straight from it, without sorting a
-- district's worth of rows. Overdue leads are few: a partial index.
CREATE INDEX leads_district ON leads (district_code, id);
CREATE INDEX leads_district_status ON leads (district_code, status, id);
CREATE INDEX leads_status ON leads (status, id);
CREATE INDEX leads_overdue ON leads (district_code, id) WHERE overdue = 1;
CREATE INDEX leads_community ON leads (community_code, id);

CREATE TABLE sources (
	id         INTEGER PRIMARY KEY,
	lead_id    INTEGER NOT NULL REFERENCES leads (id),
	kind       TEXT NOT NULL,
	ref        TEXT NOT NULL DEFAULT '',
	file       TEXT NOT NULL DEFAULT '',
	file_row   INTEGER NOT NULL DEFAULT 0,
	reason     TEXT NOT NULL DEFAULT '{}', -- JSON Reason
	address    TEXT NOT NULL DEFAULT '',
	created_at INTEGER
) STRICT;

CREATE INDEX sources_lead ON sources (lead_id);

CREATE TABLE tasks (
	id            INTEGER PRIMARY KEY,
	lead_id       INTEGER NOT NULL REFERENCES leads (id),
	round         INTEGER NOT NULL,
	side          TEXT NOT NULL,
	unit_code     TEXT NOT NULL REFERENCES units (code),
	status        TEXT NOT NULL,
	priority      TEXT NOT NULL,
	district_code TEXT NOT NULL DEFAULT '',
	accept_by     INTEGER,
	feedback_by   INTEGER,
	escalate_at   INTEGER,
	escalation    INTEGER NOT NULL DEFAULT 0,
	return_reason TEXT NOT NULL DEFAULT '',
	feedback      TEXT, -- JSON Feedback
	created_at    INTEGER,
	accepted_at   INTEGER,
	submitted_at  INTEGER
) STRICT;

CREATE INDEX tasks_lead ON tasks (lead_id);
-- A unit's tasks by status; lead_id makes it cover the unit scope of the
-- lead list (leads with a task of the unit).
CREATE INDEX tasks_unit ON tasks (unit_code, status, lead_id);
CREATE INDEX tasks_district ON tasks (district_code, status);
CREATE INDEX tasks_status ON tasks (status);
-- The escalation scan reads only open tasks.
CREATE INDEX tasks_escalate ON tasks (escalate_at)
	WHERE status IN ('pushed', 'accepted');

-- One row per (task, deadline, level) reached: the key makes escalation
-- idempotent across restarts and replicas.
CREATE TABLE escalations (
	task_id  INTEGER NOT NULL REFERENCES tasks (id),
	deadline INTEGER NOT NULL,
	level    INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (task_id, deadline, level)
) STRICT, WITHOUT ROWID;

-- events is the outbox. AUTOINCREMENT: an id is never reused, so readers
-- that remember "the last id I saw" never skip or repeat an event.
CREATE TABLE events (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	time     INTEGER,
	kind     TEXT NOT NULL,
	lead_id  INTEGER,
	task_id  INTEGER,
	actor_id INTEGER,
	district TEXT NOT NULL DEFAULT '',
	units    TEXT NOT NULL DEFAULT '[]', -- JSON array of unit codes
	data     TEXT                        -- JSON
) STRICT;

CREATE INDEX events_lead ON events (lead_id) WHERE lead_id IS NOT NULL;

-- counters are the dashboard's funnel; shard spreads a hot counter over
-- rows for engines with row locks (SQLite writes shard 0 only).
CREATE TABLE counters (
	scope  TEXT NOT NULL,
	metric TEXT NOT NULL,
	shard  INTEGER NOT NULL DEFAULT 0,
	n      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, metric, shard)
) STRICT, WITHOUT ROWID;
