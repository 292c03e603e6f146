-- 0025: a duty inbox item names what it is about (rectification:12, …) so
-- the inbox links to it (epiloop.DutyItem.Ref).
ALTER TABLE duty_items ADD COLUMN ref TEXT NOT NULL DEFAULT '';
