-- 0024: person merge (merge.go). A merged person stays as a tombstone
-- pointing at the survivor; a merge keeps its journal (sealed: it holds
-- both identities as they were) so that it can be undone for 30 days.
-- The candidates are pairs the sweep found sharing a phone or a name.
ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons (id);

CREATE TABLE person_merges (
	id          INTEGER PRIMARY KEY,
	survivor_id INTEGER NOT NULL REFERENCES persons (id),
	merged_id   INTEGER NOT NULL REFERENCES persons (id),
	choice      TEXT NOT NULL,
	journal     TEXT NOT NULL,
	by_user     INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	undone_by   INTEGER NOT NULL DEFAULT 0,
	undone_at   INTEGER
) STRICT;

CREATE INDEX person_merges_survivor ON person_merges (survivor_id);
CREATE INDEX person_merges_merged ON person_merges (merged_id);

CREATE TABLE merge_candidates (
	id       INTEGER PRIMARY KEY,
	person_a INTEGER NOT NULL REFERENCES persons (id),
	person_b INTEGER NOT NULL REFERENCES persons (id),
	reason   TEXT NOT NULL,
	state    TEXT NOT NULL,
	found_at INTEGER NOT NULL,
	UNIQUE (person_a, person_b)
) STRICT;

CREATE INDEX merge_candidates_state ON merge_candidates (state, id);
CREATE INDEX merge_candidates_b ON merge_candidates (person_b);
