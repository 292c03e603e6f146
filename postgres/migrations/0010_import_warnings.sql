-- 0010, mirroring sqlite/migrations/0011_import_warnings.sql.

-- Accepted rows an import's report lists apart from its rejects, with the
-- same row number and column (epiloop.ImportWarning). cells is sealed at
-- rest (epiloop.SealedColumns), as import_rejects.cells is.
CREATE TABLE import_warnings (
	import_id bigint NOT NULL REFERENCES imports (id),
	row       integer NOT NULL,
	seq       integer NOT NULL,
	cells     text NOT NULL, -- sealed JSON array of the original cells
	code      text NOT NULL,
	col       integer NOT NULL DEFAULT -1,
	message   text NOT NULL,
	PRIMARY KEY (import_id, row, seq)
);

-- What a commander should look at on a lead (epiloop.Lead.Marks); NULL
-- for none.
ALTER TABLE leads ADD COLUMN marks jsonb;

-- The report names the column at fault and the file's headers, as SQLite
-- has kept them since 0003: a reject's column and an import's headers.
ALTER TABLE import_rejects ADD COLUMN col integer NOT NULL DEFAULT -1;
ALTER TABLE imports ADD COLUMN headers jsonb NOT NULL DEFAULT '[]';
