-- 0018: patrol logs, drone sorties and incident statistics (patrol.go).
-- The officers' and pilots' names and the route or area are sealed; the
-- daily figures are stat counters (PatrolDayScope), kept with each write.

CREATE TABLE patrol_logs (
	id            INTEGER PRIMARY KEY,
	unit_code     TEXT NOT NULL,
	district_code TEXT NOT NULL,
	officers      TEXT NOT NULL,
	officer_count INTEGER NOT NULL,
	vehicles      TEXT NOT NULL DEFAULT '[]',
	area          TEXT NOT NULL,
	start_at      INTEGER NOT NULL,
	end_at        INTEGER NOT NULL,
	voided        INTEGER NOT NULL DEFAULT 0,
	created_by    INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX patrol_logs_district ON patrol_logs (district_code, start_at);
CREATE INDEX patrol_logs_unit ON patrol_logs (unit_code, start_at);
CREATE INDEX patrol_logs_start ON patrol_logs (start_at);

CREATE TABLE drone_sorties (
	id            INTEGER PRIMARY KEY,
	unit_code     TEXT NOT NULL,
	district_code TEXT NOT NULL,
	pilot         TEXT NOT NULL,
	drone         TEXT NOT NULL,
	area          TEXT NOT NULL,
	start_at      INTEGER NOT NULL,
	minutes       INTEGER NOT NULL,
	voided        INTEGER NOT NULL DEFAULT 0,
	created_by    INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX drone_sorties_district ON drone_sorties (district_code, start_at);
CREATE INDEX drone_sorties_unit ON drone_sorties (unit_code, start_at);
CREATE INDEX drone_sorties_start ON drone_sorties (start_at);

CREATE TABLE incident_stats (
	district_code TEXT NOT NULL,
	day           TEXT NOT NULL,
	public_order  INTEGER NOT NULL,
	criminal      INTEGER NOT NULL,
	updated_by    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (district_code, day)
) STRICT;

CREATE INDEX incident_stats_day ON incident_stats (day);
