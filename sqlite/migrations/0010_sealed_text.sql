-- Names, addresses, free text and health fields are sealed at rest from
-- this version on (epiloop.SealedColumns; values written before read as
-- they are until `epiloop key reseal` seals them). A person's name is
-- found through its keyed blind index, name_key, as ID numbers and phones
-- are.
ALTER TABLE persons ADD COLUMN name_key BLOB;
DROP INDEX persons_phone_name;
CREATE INDEX persons_phone_name ON persons (phone_key, name_key) WHERE id_key IS NULL;
CREATE INDEX persons_name ON persons (name_key) WHERE name_key IS NOT NULL;

-- Events carry codes and ids only: the free text an adjudication or a
-- returned task carried moves to detail (sealed), which no live stream
-- reads; the lead's audited read shows it.
ALTER TABLE events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
UPDATE events SET detail = json_object('note', data ->> '$.note', 'outcome', json(coalesce(data -> '$.outcome', 'null'))),
	data = json_remove(data, '$.note', '$.outcome')
	WHERE kind = 'lead.adjudicated' AND data IS NOT NULL;
UPDATE events SET detail = json_object('reason', data ->> '$.reason'), data = json_remove(data, '$.reason')
	WHERE kind = 'task.returned' AND data IS NOT NULL;
