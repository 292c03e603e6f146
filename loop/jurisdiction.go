package loop

import (
	"context"

	"github.com/epiloop/epiloop"
)

// Jurisdictions is a jurisdiction tree with its units, as loaded from the
// reference data or by an admin.
type Jurisdictions struct {
	Districts   []epiloop.District
	Streets     []epiloop.Street
	Communities []epiloop.Community
	Units       []epiloop.Unit
}

// SeedJurisdictions loads the tree into an empty database: a new database
// starts with the built-in tree; one that has districts is left alone. It
// reports whether it seeded.
func (s *Service) SeedJurisdictions(ctx context.Context, j Jurisdictions) (bool, error) {
	seeded := false
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		ds, err := tx.FindDistricts()
		if err != nil || len(ds) > 0 {
			return err
		}
		seeded = true
		return replaceJurisdictions(tx, j)
	})
	if err != nil {
		return false, err
	}
	return seeded, s.LoadGazetteer(ctx)
}

func replaceJurisdictions(tx epiloop.Tx, j Jurisdictions) error {
	for _, u := range j.Units {
		if err := u.Validate(); err != nil {
			return err
		}
	}
	if err := tx.UpsertDistricts(j.Districts); err != nil {
		return err
	}
	if err := tx.UpsertStreets(j.Streets); err != nil {
		return err
	}
	if err := tx.UpsertUnits(j.Units); err != nil {
		return err
	}
	return tx.UpsertCommunities(j.Communities)
}

// StationAssignment maps a community to its real police station.
type StationAssignment struct {
	Community   string
	StationCode string
	StationName string
}

// AssignStations loads a real community → police station mapping, creating
// the station units it names. All or nothing.
func (s *Service) AssignStations(ctx context.Context, as []StationAssignment) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if !u.Can(epiloop.ActAdminUnits) {
		return forbidden()
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		for i, a := range as {
			c, err := tx.FindCommunityByCode(a.Community)
			if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
				return epiloop.Errorf(epiloop.EINVALID, "err.row_0_unknown_community_code", i+1)
			} else if err != nil {
				return err
			}
			unit := epiloop.Unit{Code: a.StationCode, Kind: epiloop.UnitPoliceStation, Name: a.StationName, DistrictCode: c.DistrictCode}
			if err := unit.Validate(); err != nil {
				return epiloop.Errorf(epiloop.EINVALID, "err.row_0_1", i+1, err)
			}
			if err := tx.UpsertUnits([]epiloop.Unit{unit}); err != nil {
				return err
			}
			if err := tx.SetCommunityStation(c.Code, unit.Code); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.LoadGazetteer(ctx)
}
