package sqlite

import (
	"github.com/epiloop/epiloop"
)

// UpsertDistricts inserts districts or renames existing ones.
func (tx *Tx) UpsertDistricts(ds []epiloop.District) error {
	for _, d := range ds {
		if _, err := tx.exec(`INSERT INTO districts (code, name) VALUES (?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name`, d.Code, d.Name); err != nil {
			return wrap(err, "upsert district")
		}
	}
	return nil
}

// UpsertStreets inserts streets or overwrites existing ones.
func (tx *Tx) UpsertStreets(ss []epiloop.Street) error {
	for _, s := range ss {
		if _, err := tx.exec(`INSERT INTO streets (code, name, district_code) VALUES (?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, district_code = excluded.district_code`,
			s.Code, s.Name, s.DistrictCode); err != nil {
			return wrap(err, "upsert street")
		}
	}
	return nil
}

// UpsertCommunities inserts communities or overwrites existing ones,
// station included.
func (tx *Tx) UpsertCommunities(cs []epiloop.Community) error {
	for _, c := range cs {
		if _, err := tx.exec(`INSERT INTO communities (code, name, street_code, district_code, station_code)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, street_code = excluded.street_code,
				district_code = excluded.district_code, station_code = excluded.station_code`,
			c.Code, c.Name, c.StreetCode, c.DistrictCode, c.Station); err != nil {
			return wrap(err, "upsert community")
		}
	}
	return nil
}

// UpsertUnits inserts units or overwrites existing ones.
func (tx *Tx) UpsertUnits(us []epiloop.Unit) error {
	for _, u := range us {
		if _, err := tx.exec(`INSERT INTO units (code, kind, name, district_code) VALUES (?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name,
				district_code = excluded.district_code`,
			u.Code, string(u.Kind), u.Name, u.DistrictCode); err != nil {
			return wrap(err, "upsert unit")
		}
	}
	return nil
}

// FindDistricts returns every district by code.
func (tx *Tx) FindDistricts() ([]epiloop.District, error) {
	rows, err := tx.query(`SELECT code, name FROM districts ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find districts")
	}
	defer rows.Close()
	var out []epiloop.District
	for rows.Next() {
		var d epiloop.District
		if err := rows.Scan(&d.Code, &d.Name); err != nil {
			return nil, wrap(err, "find districts")
		}
		out = append(out, d)
	}
	return out, wrap(rows.Err(), "find districts")
}

// FindStreets returns every street by code.
func (tx *Tx) FindStreets() ([]epiloop.Street, error) {
	rows, err := tx.query(`SELECT code, name, district_code FROM streets ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find streets")
	}
	defer rows.Close()
	var out []epiloop.Street
	for rows.Next() {
		var s epiloop.Street
		if err := rows.Scan(&s.Code, &s.Name, &s.DistrictCode); err != nil {
			return nil, wrap(err, "find streets")
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "find streets")
}

const communityColumns = `code, name, street_code, district_code, station_code`

func scanCommunity(s scanner) (epiloop.Community, error) {
	var c epiloop.Community
	err := s.Scan(&c.Code, &c.Name, &c.StreetCode, &c.DistrictCode, &c.Station)
	return c, err
}

// FindCommunities returns every community by code.
func (tx *Tx) FindCommunities() ([]epiloop.Community, error) {
	rows, err := tx.query(`SELECT ` + communityColumns + ` FROM communities ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find communities")
	}
	defer rows.Close()
	var out []epiloop.Community
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			return nil, wrap(err, "find communities")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "find communities")
}

// FindCommunityByCode returns one community.
func (tx *Tx) FindCommunityByCode(code string) (*epiloop.Community, error) {
	c, err := scanCommunity(tx.queryRow(`SELECT `+communityColumns+` FROM communities WHERE code = ?`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.community_not_found"), "find community")
	}
	return &c, nil
}

const unitColumns = `code, kind, name, district_code`

func scanUnit(s scanner) (epiloop.Unit, error) {
	var u epiloop.Unit
	err := s.Scan(&u.Code, &u.Kind, &u.Name, &u.DistrictCode)
	return u, err
}

// FindUnitByCode returns one unit.
func (tx *Tx) FindUnitByCode(code string) (*epiloop.Unit, error) {
	u, err := scanUnit(tx.queryRow(`SELECT `+unitColumns+` FROM units WHERE code = ?`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.unit_not_found"), "find unit")
	}
	return &u, nil
}

// FindUnits returns the units of a kind and of a district, either filter
// optional, by code.
func (tx *Tx) FindUnits(kind *epiloop.UnitKind, district *string) ([]epiloop.Unit, error) {
	var k, d any
	if kind != nil {
		k = string(*kind)
	}
	if district != nil {
		d = *district
	}
	rows, err := tx.query(`SELECT `+unitColumns+` FROM units
		WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR district_code = ?2)
		ORDER BY code`, k, d)
	if err != nil {
		return nil, wrap(err, "find units")
	}
	defer rows.Close()
	var out []epiloop.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, wrap(err, "find units")
		}
		out = append(out, u)
	}
	return out, wrap(rows.Err(), "find units")
}

// SetCommunityStation assigns a community to a police station unit; an
// empty station clears the assignment. Like the reference data it does not
// require the station unit to exist yet.
func (tx *Tx) SetCommunityStation(community, station string) error {
	return wrap(tx.execOne("err.community_not_found",
		`UPDATE communities SET station_code = ? WHERE code = ?`, station, community), "set community station")
}

// AddAlias teaches the gazetteer that alias routes to community; a later
// lesson for the same alias replaces the earlier one.
func (tx *Tx) AddAlias(alias, community string) error {
	_, err := tx.exec(`INSERT INTO aliases (alias, community_code) VALUES (?, ?)
		ON CONFLICT (alias) DO UPDATE SET community_code = excluded.community_code`, alias, community)
	return wrap(constraintError(err, "err.alias_already_exists", "err.community_not_found"), "add alias")
}

// FindAliases returns every alias and its community.
func (tx *Tx) FindAliases() (map[string]string, error) {
	rows, err := tx.query(`SELECT alias, community_code FROM aliases`)
	if err != nil {
		return nil, wrap(err, "find aliases")
	}
	defer rows.Close()
	out := make(map[string]string)
	for rows.Next() {
		var a, c string
		if err := rows.Scan(&a, &c); err != nil {
			return nil, wrap(err, "find aliases")
		}
		out[a] = c
	}
	return out, wrap(rows.Err(), "find aliases")
}
