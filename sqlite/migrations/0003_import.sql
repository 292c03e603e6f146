-- Bulk imports, keyed by the fingerprint of the file's content.
CREATE TABLE imports (
	id          INTEGER PRIMARY KEY,
	fingerprint TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL DEFAULT '',
	source      TEXT NOT NULL,
	ref         TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	format      TEXT NOT NULL DEFAULT '',
	encoding    TEXT NOT NULL DEFAULT '',
	headers     TEXT NOT NULL DEFAULT '[]', -- JSON array
	next_row    INTEGER NOT NULL DEFAULT 1,
	counts      TEXT NOT NULL DEFAULT '{}', -- JSON ImportCounts
	error       TEXT NOT NULL DEFAULT '',
	created_by  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER,
	updated_at  INTEGER
) STRICT;

-- Rejected rows, kept so that a resumed import's rejects file is whole and
-- the file can be downloaded later.
CREATE TABLE import_rejects (
	import_id INTEGER NOT NULL REFERENCES imports (id),
	row       INTEGER NOT NULL,
	cells     TEXT NOT NULL, -- JSON array of the original cells
	code      TEXT NOT NULL,
	col       INTEGER NOT NULL DEFAULT -1,
	message   TEXT NOT NULL,
	PRIMARY KEY (import_id, row)
) STRICT, WITHOUT ROWID;
