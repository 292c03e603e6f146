package postgres

import (
	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
)

// The upserts send a whole list in one statement (the city's tree is a few
// thousand rows). A code listed twice keeps its last row, as one statement
// per row would.

// lastByCode returns the indexes of xs keeping only the last of each code,
// in first-seen order.
func lastByCode[T any](xs []T, code func(T) string) []int {
	last := make(map[string]int, len(xs))
	var order []string
	for i, x := range xs {
		c := code(x)
		if _, ok := last[c]; !ok {
			order = append(order, c)
		}
		last[c] = i
	}
	out := make([]int, len(order))
	for i, c := range order {
		out[i] = last[c]
	}
	return out
}

// UpsertDistricts inserts districts or renames existing ones.
func (tx *Tx) UpsertDistricts(ds []epiloop.District) error {
	var codes, names []string
	for _, i := range lastByCode(ds, func(d epiloop.District) string { return d.Code }) {
		codes, names = append(codes, ds[i].Code), append(names, ds[i].Name)
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := tx.exec(`INSERT INTO districts (code, name) SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (code) DO UPDATE SET name = excluded.name`, codes, names)
	return wrap(err, "upsert districts")
}

// UpsertStreets inserts streets or overwrites existing ones.
func (tx *Tx) UpsertStreets(ss []epiloop.Street) error {
	var codes, names, districts []string
	for _, i := range lastByCode(ss, func(s epiloop.Street) string { return s.Code }) {
		s := ss[i]
		codes, names, districts = append(codes, s.Code), append(names, s.Name), append(districts, s.DistrictCode)
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := tx.exec(`INSERT INTO streets (code, name, district_code)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, district_code = excluded.district_code`,
		codes, names, districts)
	return wrap(err, "upsert streets")
}

// UpsertCommunities inserts communities or overwrites existing ones,
// station included.
func (tx *Tx) UpsertCommunities(cs []epiloop.Community) error {
	var codes, names, streets, districts, stations []string
	for _, i := range lastByCode(cs, func(c epiloop.Community) string { return c.Code }) {
		c := cs[i]
		codes, names, streets = append(codes, c.Code), append(names, c.Name), append(streets, c.StreetCode)
		districts, stations = append(districts, c.DistrictCode), append(stations, c.Station)
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := tx.exec(`INSERT INTO communities (code, name, street_code, district_code, station_code)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, street_code = excluded.street_code,
			district_code = excluded.district_code, station_code = excluded.station_code`,
		codes, names, streets, districts, stations)
	return wrap(err, "upsert communities")
}

// UpsertUnits inserts units or overwrites existing ones.
func (tx *Tx) UpsertUnits(us []epiloop.Unit) error {
	var codes, kinds, names, districts []string
	for _, i := range lastByCode(us, func(u epiloop.Unit) string { return u.Code }) {
		u := us[i]
		codes, kinds, names, districts = append(codes, u.Code), append(kinds, string(u.Kind)),
			append(names, u.Name), append(districts, u.DistrictCode)
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := tx.exec(`INSERT INTO units (code, kind, name, district_code)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
		ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name,
			district_code = excluded.district_code`,
		codes, kinds, names, districts)
	return wrap(err, "upsert units")
}

// FindDistricts returns every district by code.
func (tx *Tx) FindDistricts() ([]epiloop.District, error) {
	rows, err := tx.query(`SELECT code, name FROM districts ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find districts")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (d epiloop.District, err error) {
		err = r.Scan(&d.Code, &d.Name)
		return d, err
	})
	return out, wrap(err, "find districts")
}

// FindStreets returns every street by code.
func (tx *Tx) FindStreets() ([]epiloop.Street, error) {
	rows, err := tx.query(`SELECT code, name, district_code FROM streets ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find streets")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (s epiloop.Street, err error) {
		err = r.Scan(&s.Code, &s.Name, &s.DistrictCode)
		return s, err
	})
	return out, wrap(err, "find streets")
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
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.Community, error) { return scanCommunity(r) })
	return out, wrap(err, "find communities")
}

// FindCommunityByCode returns one community.
func (tx *Tx) FindCommunityByCode(code string) (*epiloop.Community, error) {
	c, err := scanCommunity(tx.queryRow(`SELECT `+communityColumns+` FROM communities WHERE code = $1`, code))
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
	u, err := scanUnit(tx.queryRow(`SELECT `+unitColumns+` FROM units WHERE code = $1`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.unit_not_found"), "find unit")
	}
	return &u, nil
}

// FindUnits returns the units of a kind and of a district, either filter
// optional, by code.
func (tx *Tx) FindUnits(kind *epiloop.UnitKind, district *string) ([]epiloop.Unit, error) {
	var k, d *string
	if kind != nil {
		s := string(*kind)
		k = &s
	}
	if district != nil {
		d = district
	}
	rows, err := tx.query(`SELECT `+unitColumns+` FROM units
		WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR district_code = $2)
		ORDER BY code`, k, d)
	if err != nil {
		return nil, wrap(err, "find units")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.Unit, error) { return scanUnit(r) })
	return out, wrap(err, "find units")
}

// SetCommunityStation assigns a community to a police station unit; an
// empty station clears the assignment. Like the reference data it does not
// require the station unit to exist yet.
func (tx *Tx) SetCommunityStation(community, station string) error {
	return wrap(tx.execOne("err.community_not_found",
		`UPDATE communities SET station_code = $1 WHERE code = $2`, station, community), "set community station")
}

// AddAlias teaches the gazetteer that alias routes to community; a later
// lesson for the same alias replaces the earlier one.
func (tx *Tx) AddAlias(alias, community string) error {
	_, err := tx.exec(`INSERT INTO aliases (alias, community_code) VALUES ($1, $2)
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
