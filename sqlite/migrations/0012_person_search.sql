-- Finding a person (epiloop.ParsePersonQuery): by the blind index of an ID
-- number (person_ids), of a phone, or of a full name (persons_name, 0010),
-- then the person's leads, open or closed.
CREATE INDEX persons_phone ON persons (phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX leads_person ON leads (person_id);
