-- 0017: volunteers (群防群治, volunteer.go): persons in a station's or a
-- committee's pool, vetted by the community's station, assigned to duty
-- slots beside the roster's staff with check-in and check-out. The
-- identity is the persons table's (sealed, blind-indexed); availability
-- is free text: sealed. Skills are a bit set in the order of
-- epiloop.Skills.

CREATE TABLE volunteers (
	id             INTEGER PRIMARY KEY,
	person_id      INTEGER NOT NULL REFERENCES persons (id),
	unit_code      TEXT NOT NULL,
	station_code   TEXT NOT NULL DEFAULT '',
	district_code  TEXT NOT NULL,
	community_code TEXT NOT NULL,
	team           TEXT NOT NULL DEFAULT '',
	skills         INTEGER NOT NULL DEFAULT 0,
	availability   TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL,
	vetting        TEXT NOT NULL,
	vetted_by      INTEGER NOT NULL DEFAULT 0,
	vetted_at      INTEGER,
	minutes_served INTEGER NOT NULL DEFAULT 0,
	import_id      INTEGER NOT NULL DEFAULT 0,
	created_by     INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (unit_code, person_id)
) STRICT;

CREATE INDEX volunteers_community ON volunteers (community_code, id);
CREATE INDEX volunteers_station ON volunteers (station_code, id);
CREATE INDEX volunteers_district ON volunteers (district_code, id);

CREATE TABLE volunteer_assignments (
	id             INTEGER PRIMARY KEY,
	volunteer_id   INTEGER NOT NULL REFERENCES volunteers (id),
	slot_id        INTEGER NOT NULL REFERENCES duty_slots (id),
	assigned_by    INTEGER NOT NULL DEFAULT 0,
	assigned_at    INTEGER NOT NULL,
	checked_in_at  INTEGER,
	checked_out_at INTEGER,
	minutes        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (slot_id, volunteer_id)
) STRICT;

CREATE INDEX volunteer_assignments_volunteer ON volunteer_assignments (volunteer_id, slot_id);
