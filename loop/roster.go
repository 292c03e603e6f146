package loop

import (
	"context"
	"strings"

	"github.com/epiloop/epiloop"
)

// DutyCandidates returns the accounts a roster manager may put on a slot,
// by name: the enabled ones, each with its id, name, role, unit and
// district only (credentials and lock state stay behind). The roster page
// offers the names as it types and resolves the one typed to an id.
func (s *Service) DutyCandidates(ctx context.Context) ([]epiloop.User, error) {
	if _, err := allowed(ctx, epiloop.ActManageRoster); err != nil {
		return nil, err
	}
	var out []epiloop.User
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		us, err := tx.FindUsers()
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Disabled {
				continue
			}
			out = append(out, epiloop.User{ID: u.ID, Name: u.Name, Role: u.Role,
				UnitCode: u.UnitCode, DistrictCode: u.DistrictCode})
		}
		return nil
	})
	return out, err
}

// FindDutyCandidate resolves an account name, as a roster manager types
// it, to the enabled account of that name.
func (s *Service) FindDutyCandidate(ctx context.Context, name string) (*epiloop.User, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, epiloop.FieldError("name", "err.roster_name_required")
	}
	us, err := s.DutyCandidates(ctx)
	if err != nil {
		return nil, err
	}
	for i := range us {
		if us[i].Name == name {
			return &us[i], nil
		}
	}
	return nil, epiloop.FieldError("name", "err.duty_person_not_found")
}
