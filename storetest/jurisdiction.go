package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

func testJurisdiction(t *testing.T, s epiloop.Store) {
	seed(t, s)

	t.Run("RoundTrip", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			ds, err := tx.FindDistricts()
			if err != nil {
				return err
			}
			diff(t, "districts", byCode(ds, func(d epiloop.District) string { return d.Code }), districts())
			ss, err := tx.FindStreets()
			if err != nil {
				return err
			}
			diff(t, "streets", byCode(ss, func(s epiloop.Street) string { return s.Code }), streets())
			cs, err := tx.FindCommunities()
			if err != nil {
				return err
			}
			diff(t, "communities", byCode(cs, func(c epiloop.Community) string { return c.Code }), communities())
			c, err := tx.FindCommunityByCode(c2)
			if err != nil {
				return err
			}
			diff(t, "community", c, &communities()[1])
			u, err := tx.FindUnitByCode(ps1)
			if err != nil {
				return err
			}
			diff(t, "unit", u, unit(ps1))
			return nil
		})
	})

	t.Run("UpsertOverwrites", func(t *testing.T) {
		d := epiloop.District{Code: d1, Name: "和平区（新）"}
		st := epiloop.Street{Code: s1, Name: "太原街街道（新）", DistrictCode: d1}
		c := epiloop.Community{Code: c1, Name: "太原社区（新）", StreetCode: s1, DistrictCode: d1, Station: ps2}
		u := epiloop.Unit{Code: cm1, Kind: epiloop.UnitCommittee, Name: "太原社区委员会", DistrictCode: d1}
		update(t, s, func(tx epiloop.Tx) error {
			if err := tx.UpsertDistricts([]epiloop.District{d}); err != nil {
				return err
			}
			if err := tx.UpsertStreets([]epiloop.Street{st}); err != nil {
				return err
			}
			if err := tx.UpsertCommunities([]epiloop.Community{c}); err != nil {
				return err
			}
			return tx.UpsertUnits([]epiloop.Unit{u})
		})
		view(t, s, func(tx epiloop.Tx) error {
			ds, err := tx.FindDistricts()
			if err != nil {
				return err
			}
			diff(t, "districts", byCode(ds, func(d epiloop.District) string { return d.Code }),
				[]epiloop.District{d, districts()[1]})
			ss, err := tx.FindStreets()
			if err != nil {
				return err
			}
			diff(t, "streets", byCode(ss, func(s epiloop.Street) string { return s.Code }),
				[]epiloop.Street{st, streets()[1]})
			gc, err := tx.FindCommunityByCode(c1)
			if err != nil {
				return err
			}
			diff(t, "community", gc, &c)
			gu, err := tx.FindUnitByCode(cm1)
			if err != nil {
				return err
			}
			diff(t, "unit", gu, &u)
			us, err := tx.FindUnits(nil, nil)
			if err != nil {
				return err
			}
			diff(t, "unit count", len(us), len(units()))
			return nil
		})
		update(t, s, func(tx epiloop.Tx) error { // put the fixture back
			if err := tx.UpsertCommunities(communities()); err != nil {
				return err
			}
			return tx.UpsertUnits(units())
		})
	})

	t.Run("NotFound", func(t *testing.T) {
		viewCode(t, s, "FindCommunityByCode", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			_, err := tx.FindCommunityByCode("999999999999")
			return err
		})
		viewCode(t, s, "FindUnitByCode", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			_, err := tx.FindUnitByCode("PS999")
			return err
		})
		updateCode(t, s, "SetCommunityStation", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			return tx.SetCommunityStation("999999999999", ps1)
		})
		updateCode(t, s, "AddAlias", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			return tx.AddAlias("无此社区", "999999999999")
		})
	})

	t.Run("FindUnits", func(t *testing.T) {
		tests := []struct {
			name     string
			kind     *epiloop.UnitKind
			district *string
			want     []string
		}{
			{"All", nil, nil, []string{cm1, cm2, epiloop.HeadquartersCode, ps1, ps2, "SC" + d1, "SC" + d2}},
			{"Kind", ptr(epiloop.UnitPoliceStation), nil, []string{ps1, ps2}},
			{"District", nil, ptr(d2), []string{cm2, ps2, "SC" + d2}},
			{"KindAndDistrict", ptr(epiloop.UnitCommittee), ptr(d1), []string{cm1}},
			{"None", ptr(epiloop.UnitCheckpoint), nil, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				view(t, s, func(tx epiloop.Tx) error {
					us, err := tx.FindUnits(tc.kind, tc.district)
					if err != nil {
						return err
					}
					var got []string
					for _, u := range us {
						got = append(got, u.Code)
						diff(t, "unit "+u.Code, &u, unit(u.Code))
					}
					slices.Sort(got)
					diff(t, "units", got, tc.want)
					return nil
				})
			})
		}
	})

	t.Run("SetCommunityStation", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error { return tx.SetCommunityStation(c1, ps2) })
		view(t, s, func(tx epiloop.Tx) error {
			c, err := tx.FindCommunityByCode(c1)
			if err != nil {
				return err
			}
			diff(t, "station", c.Station, ps2)
			return nil
		})
		update(t, s, func(tx epiloop.Tx) error { return tx.SetCommunityStation(c1, ps1) })
	})

	t.Run("Aliases", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error {
			if err := tx.AddAlias("太原街", c1); err != nil {
				return err
			}
			if err := tx.AddAlias("五里河", c1); err != nil {
				return err
			}
			return tx.AddAlias("五里河", c2) // a later lesson wins
		})
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindAliases()
			if err != nil {
				return err
			}
			diff(t, "aliases", got, map[string]string{"太原街": c1, "五里河": c2})
			return nil
		})
	})
}

// byCode returns xs sorted by code: the contract does not order the
// jurisdiction lists.
func byCode[T any](xs []T, code func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(code(a), code(b)) })
	return out
}
