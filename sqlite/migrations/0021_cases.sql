-- 0021: the epidemic-related case register (涉疫案件, case.go). A case
-- is handled by one unit and moves through the procedure one state at a
-- time (case_transitions records each step); its suspects are persons
-- (sealed, blind-indexed in persons) with the measures taken; goods
-- seized and their custody log, one hash chain per case whose length
-- and head the case row keeps. Titles, summaries, addresses, notes, the
-- custody places and holders are sealed. Amounts are integer fen.

CREATE TABLE cases (
	id             INTEGER PRIMARY KEY,
	number         TEXT NOT NULL UNIQUE,
	year           INTEGER NOT NULL,
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	state          TEXT NOT NULL,
	unit_code      TEXT NOT NULL,
	district_code  TEXT NOT NULL DEFAULT '',
	title          TEXT NOT NULL,
	summary        TEXT NOT NULL DEFAULT '',
	amount_fen     INTEGER NOT NULL DEFAULT 0,
	recovered_fen  INTEGER NOT NULL DEFAULT 0,
	places         TEXT NOT NULL DEFAULT '[]',
	addresses      TEXT NOT NULL DEFAULT '',
	provinces      TEXT NOT NULL DEFAULT '[]',
	cities         TEXT NOT NULL DEFAULT '[]',
	suspect_count  INTEGER NOT NULL DEFAULT 0,
	handled_count  INTEGER NOT NULL DEFAULT 0,
	custody_count  INTEGER NOT NULL DEFAULT 0,
	custody_head   BLOB,
	accepted_at    INTEGER NOT NULL,
	created_by     INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (district_code, year, seq)
) STRICT;

CREATE INDEX cases_district ON cases (district_code, id);
CREATE INDEX cases_unit ON cases (unit_code, id);
CREATE INDEX cases_kind ON cases (kind, id);
CREATE INDEX cases_state ON cases (state, id);

-- The next sequence number of a district's year ('' for headquarters).
CREATE TABLE case_sequences (
	district_code TEXT NOT NULL,
	year          INTEGER NOT NULL,
	last_seq      INTEGER NOT NULL,
	PRIMARY KEY (district_code, year)
) STRICT;

CREATE TABLE case_transitions (
	id         INTEGER PRIMARY KEY,
	case_id    INTEGER NOT NULL REFERENCES cases (id),
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	doc_no     TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	actor_id   INTEGER NOT NULL DEFAULT 0,
	actor      TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
) STRICT;

CREATE INDEX case_transitions_case ON case_transitions (case_id, id);

CREATE TABLE case_suspects (
	id         INTEGER PRIMARY KEY,
	case_id    INTEGER NOT NULL REFERENCES cases (id),
	person_id  INTEGER NOT NULL REFERENCES persons (id),
	created_by INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	UNIQUE (case_id, person_id)
) STRICT;

CREATE INDEX case_suspects_person ON case_suspects (person_id);

CREATE TABLE case_measures (
	id            INTEGER PRIMARY KEY,
	suspect_id    INTEGER NOT NULL REFERENCES case_suspects (id),
	case_id       INTEGER NOT NULL REFERENCES cases (id),
	kind          TEXT NOT NULL,
	date          TEXT NOT NULL,
	facility_code TEXT NOT NULL DEFAULT '',
	doc_no        TEXT NOT NULL DEFAULT '',
	note          TEXT NOT NULL DEFAULT '',
	created_by    INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX case_measures_case ON case_measures (case_id, suspect_id, id);

CREATE TABLE case_goods (
	id          INTEGER PRIMARY KEY,
	case_id     INTEGER NOT NULL REFERENCES cases (id),
	description TEXT NOT NULL,
	quantity    INTEGER NOT NULL,
	unit        TEXT NOT NULL,
	value_fen   INTEGER NOT NULL DEFAULT 0,
	created_by  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX case_goods_case ON case_goods (case_id, id);

-- Append-only: rows are never updated or deleted (VerifyCustody detects
-- it when they are).
CREATE TABLE case_custody (
	id       INTEGER PRIMARY KEY,
	case_id  INTEGER NOT NULL REFERENCES cases (id),
	seq      INTEGER NOT NULL,
	goods_id INTEGER NOT NULL DEFAULT 0,
	action   TEXT NOT NULL,
	quantity INTEGER NOT NULL DEFAULT 0,
	place    TEXT NOT NULL DEFAULT '',
	holder   TEXT NOT NULL DEFAULT '',
	doc_no   TEXT NOT NULL DEFAULT '',
	note     TEXT NOT NULL DEFAULT '',
	actor_id INTEGER NOT NULL DEFAULT 0,
	at       INTEGER NOT NULL,
	prev     BLOB,
	hash     BLOB NOT NULL,
	UNIQUE (case_id, seq)
) STRICT;

-- The custody log is append-only through SQL too (an attacker with the
-- file can still edit it; VerifyCustody then names the row).
CREATE TRIGGER case_custody_no_update BEFORE UPDATE ON case_custody
BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
CREATE TRIGGER case_custody_no_delete BEFORE DELETE ON case_custody
BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
