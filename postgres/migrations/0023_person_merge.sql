-- 0023: person merge (merge.go). A merged person stays as a tombstone
-- pointing at the survivor; a merge keeps its journal (sealed: it holds
-- both identities as they were) so that it can be undone for 30 days.
-- The candidates are pairs the sweep found sharing a phone or a name.
ALTER TABLE persons ADD COLUMN merged_into bigint REFERENCES persons (id);

CREATE TABLE person_merges (
	id          bigserial PRIMARY KEY,
	survivor_id bigint NOT NULL REFERENCES persons (id),
	merged_id   bigint NOT NULL REFERENCES persons (id),
	choice      text NOT NULL,
	journal     text NOT NULL,
	by_user     bigint NOT NULL,
	at          timestamptz NOT NULL,
	undone_by   bigint NOT NULL DEFAULT 0,
	undone_at   timestamptz
);

CREATE INDEX person_merges_survivor ON person_merges (survivor_id);
CREATE INDEX person_merges_merged ON person_merges (merged_id);

CREATE TABLE merge_candidates (
	id       bigserial PRIMARY KEY,
	person_a bigint NOT NULL REFERENCES persons (id),
	person_b bigint NOT NULL REFERENCES persons (id),
	reason   text NOT NULL,
	state    text NOT NULL,
	found_at timestamptz NOT NULL,
	UNIQUE (person_a, person_b)
);

CREATE INDEX merge_candidates_state ON merge_candidates (state, id);
CREATE INDEX merge_candidates_b ON merge_candidates (person_b);
