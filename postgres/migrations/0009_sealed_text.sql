-- 0009: names, addresses, free text and health fields are sealed at rest
-- (epiloop.SealedColumns), mirroring sqlite/migrations/0010_sealed_text.sql.
-- A sealed JSON document is text, not jsonb: the columns that held one
-- become text. Values written before read as they are until `epiloop key
-- reseal` seals them. A person's name is found through its keyed blind
-- index, name_key.
ALTER TABLE persons ADD COLUMN name_key bytea;
DROP INDEX persons_phone_name;
CREATE INDEX persons_phone_name ON persons (phone_key, name_key) WHERE id_key IS NULL;
CREATE INDEX persons_name ON persons (name_key) WHERE name_key IS NOT NULL;

ALTER TABLE leads ALTER COLUMN reason DROP DEFAULT;
ALTER TABLE leads ALTER COLUMN reason TYPE text USING reason::text;
ALTER TABLE leads ALTER COLUMN reason SET DEFAULT '';
ALTER TABLE leads ALTER COLUMN outcome TYPE text USING outcome::text;
ALTER TABLE sources ALTER COLUMN reason DROP DEFAULT;
ALTER TABLE sources ALTER COLUMN reason TYPE text USING reason::text;
ALTER TABLE sources ALTER COLUMN reason SET DEFAULT '';
ALTER TABLE tasks ALTER COLUMN feedback TYPE text USING feedback::text;
ALTER TABLE import_rejects ALTER COLUMN cells TYPE text USING cells::text;

-- Events carry codes and ids only: the free text an adjudication or a
-- returned task carried moves to detail (sealed), which no live stream
-- reads; the lead's audited read shows it.
ALTER TABLE events ADD COLUMN detail text NOT NULL DEFAULT '';
UPDATE events SET detail = jsonb_build_object('note', data ->> 'note', 'outcome', data -> 'outcome')::text,
	data = data - 'note' - 'outcome'
	WHERE kind = 'lead.adjudicated' AND data IS NOT NULL;
UPDATE events SET detail = jsonb_build_object('reason', data ->> 'reason')::text, data = data - 'reason'
	WHERE kind = 'task.returned' AND data IS NOT NULL;
