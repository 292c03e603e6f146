-- 0007: the blind index of ID numbers moves out of persons into two
-- tables of its own. person_ids holds almost every key; person_ids_new
-- holds the keys of the persons a bulk import created lately, and is
-- merged into person_ids, in key order, when it grows past a few hundred
-- thousand keys. Blind index keys are random by design, so every import
-- batch written straight into one index of millions of keys dirtied a
-- page of it for nearly every new person (≈ 16,000 pages a batch at 5 M
-- persons), each written to the log, then copied by a checkpoint. A small
-- table takes a batch's keys on a few thousand pages, and a merge in key
-- order writes each page of the large one once for many batches. A key is
-- in one of the two tables, never both (the single writer looks in both
-- before it adds one).
CREATE TABLE person_ids (
	id_key    BLOB PRIMARY KEY,
	person_id INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE person_ids_new (
	id_key    BLOB PRIMARY KEY,
	person_id INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO person_ids (id_key, person_id)
	SELECT id_key, id FROM persons WHERE id_key IS NOT NULL ORDER BY id_key;

DROP INDEX persons_id_key;
