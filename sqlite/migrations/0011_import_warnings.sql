-- Accepted rows an import's report lists apart from its rejects, with the
-- same row number and column (epiloop.ImportWarning): a secondary field
-- kept as written, or an ID number that arrived under another name. A row
-- may have several, numbered by seq. cells (the row's original cells) is
-- sealed at rest (epiloop.SealedColumns), as import_rejects.cells is, and
-- goes with the retention period as the rejects do.
CREATE TABLE import_warnings (
	import_id INTEGER NOT NULL REFERENCES imports (id),
	row       INTEGER NOT NULL,
	seq       INTEGER NOT NULL,
	cells     TEXT NOT NULL, -- sealed JSON array of the original cells
	code      TEXT NOT NULL,
	col       INTEGER NOT NULL DEFAULT -1,
	message   TEXT NOT NULL,
	PRIMARY KEY (import_id, row, seq)
) STRICT, WITHOUT ROWID;

-- What a commander should look at on a lead (epiloop.Lead.Marks: codes
-- such as name_mismatch), a JSON array; NULL for none.
ALTER TABLE leads ADD COLUMN marks TEXT;
