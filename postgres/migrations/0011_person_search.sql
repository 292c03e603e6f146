-- 0011: finding a person (epiloop.ParsePersonQuery), mirroring
-- sqlite/migrations/0012_person_search.sql: by the blind index of an ID
-- number (persons_id_key), of a phone, or of a full name (persons_name,
-- 0009), then the person's leads, open or closed.
CREATE INDEX persons_phone ON persons (phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX leads_person ON leads (person_id);
