package loop

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// The admin workflows: users, units and the community → police station
// mapping. Every change is written to the audit trail in its own
// transaction, naming the object by id and never by personal data.

// admin returns the caller when they are an admin.
func admin(ctx context.Context) (*epiloop.User, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActAdminUsers) {
		return nil, forbidden()
	}
	return u, nil
}

// auditAdmin appends an admin action to the trail inside tx.
func (s *Service) auditAdmin(tx epiloop.Tx, u *epiloop.User, action, object, detail string) error {
	e := epiloop.NewAuditEntry(u, action, object, s.now())
	e.Detail = detail
	return tx.AppendAudit(e)
}

func userObject(id int64) string { return fmt.Sprintf("user:%d", id) }

// FindUsers returns every user, for admins.
func (s *Service) FindUsers(ctx context.Context) ([]*epiloop.User, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	var out []*epiloop.User
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindUsers()
		return err
	})
	return out, err
}

// FindUser returns one user, for admins.
func (s *Service) FindUser(ctx context.Context, id int64) (*epiloop.User, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	var out *epiloop.User
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindUserByID(id)
		return err
	})
	return out, err
}

// UserUpdate is an admin's change to a user; nil fields are left alone.
type UserUpdate struct {
	Role     *epiloop.Role
	UnitCode *string
	Disabled *bool
}

// UpdateUser changes a user's role, unit or disabled flag. An admin cannot
// disable or demote themselves, so that the last admin is never locked out
// by a slip.
func (s *Service) UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*epiloop.User, error) {
	defer s.creds.clear()
	me, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	if id == me.ID {
		if upd.Disabled != nil && *upd.Disabled {
			return nil, epiloop.FieldError("disabled", "err.you_cannot_disable_your_own")
		}
		if upd.Role != nil && *upd.Role != epiloop.RoleAdmin {
			return nil, epiloop.FieldError("role", "err.you_cannot_change_your_own")
		}
	}
	var out *epiloop.User
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		u, err := tx.FindUserByID(id)
		if err != nil {
			return err
		}
		var changes []string
		action := epiloop.AuditAdmin
		if upd.Role != nil && *upd.Role != u.Role {
			action = epiloop.GrantAction(u.Role, *upd.Role)
			u.Role = *upd.Role
			changes = append(changes, "role="+string(u.Role))
		}
		if upd.UnitCode != nil && strings.TrimSpace(*upd.UnitCode) != u.UnitCode {
			u.UnitCode = strings.TrimSpace(*upd.UnitCode)
			changes = append(changes, "unit="+u.UnitCode)
		}
		if upd.Disabled != nil && *upd.Disabled != u.Disabled {
			u.Disabled = *upd.Disabled
			changes = append(changes, fmt.Sprintf("disabled=%t", u.Disabled))
		}
		if len(changes) == 0 {
			out = u
			return nil
		}
		if err := s.fitUnit(tx, u); err != nil {
			return err
		}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		// A disabled account loses its sessions and tokens; any change
		// makes every replica re-read the account at its next request.
		if u.Disabled {
			if err := s.endCredentials(tx, u.ID, true); err != nil {
				return err
			}
		} else if err := s.revoked(tx, u.ID); err != nil {
			return err
		}
		out = u
		return s.auditAdmin(tx, me, action, userObject(u.ID), "update "+strings.Join(changes, " "))
	})
	return out, err
}

// fitUnit checks the user's role and unit together and sets the district
// from the unit: one rule for CreateUser and UpdateUser.
func (s *Service) fitUnit(tx epiloop.Tx, u *epiloop.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	u.DistrictCode = ""
	if u.UnitCode == "" {
		return nil
	}
	unit, err := tx.FindUnitByCode(u.UnitCode)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return epiloop.FieldError("unit", "err.unknown_unit")
	} else if err != nil {
		return err
	}
	if k := u.Role.UnitKind(); k != "" && unit.Kind != k {
		return epiloop.FieldError("unit", "err.0_user_belongs_1_unit", epiloop.M("role."+string(u.Role)), epiloop.M("unit.kind."+string(k)))
	}
	u.DistrictCode = unit.DistrictCode
	return nil
}

// ResetPassword sets a new password for a user, lifts any lock-out and
// ends the user's open sessions (whoever knew the old password is out).
func (s *Service) ResetPassword(ctx context.Context, id int64, password string) error {
	defer s.creds.clear()
	me, err := admin(ctx)
	if err != nil {
		return err
	}
	if len([]rune(password)) < MinPasswordLength {
		return epiloop.FieldError("password", "err.password_too_short_at_least", MinPasswordLength)
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		u, err := tx.FindUserByID(id)
		if err != nil {
			return err
		}
		u.PasswordHash = h
		u.FailedLogins = 0
		u.LockedUntil = time.Time{}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		// Whoever knew the old password may have made a token with it.
		if err := s.endCredentials(tx, u.ID, true); err != nil {
			return err
		}
		return s.auditAdmin(tx, me, epiloop.AuditAdmin, userObject(u.ID), "reset password, sessions and tokens ended")
	})
}

// FindUnits returns units by kind and district. Admins and city-wide
// roles see every unit; a district commander only their district's.
func (s *Service) FindUnits(ctx context.Context, kind *epiloop.UnitKind, district *string) ([]epiloop.Unit, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActReadUnits) {
		return nil, forbidden()
	}
	if sc := u.Scope(); !sc.All {
		district = &sc.District
	}
	var out []epiloop.Unit
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindUnits(kind, district)
		return err
	})
	return out, err
}

// FindJurisdictions returns the jurisdiction tree (districts, streets,
// communities; no units) for pickers and per-district tables. It is
// reference data, not personal data: any signed-in user may read it.
func (s *Service) FindJurisdictions(ctx context.Context) (*Jurisdictions, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	j := &Jurisdictions{}
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		if j.Districts, err = tx.FindDistricts(); err != nil {
			return err
		}
		if j.Streets, err = tx.FindStreets(); err != nil {
			return err
		}
		j.Communities, err = tx.FindCommunities()
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// LoadStationMapping reads an admin's community → police station CSV and
// applies it, all or nothing. It returns the number of communities
// assigned.
func (s *Service) LoadStationMapping(ctx context.Context, r io.Reader) (int, error) {
	me, err := admin(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := divisions.ParseStationMapping(r)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, epiloop.Errorf(epiloop.EINVALID, "err.file_has_no_rows")
	}
	as := make([]StationAssignment, len(rows))
	for i, a := range rows {
		as[i] = StationAssignment{Community: a.Community, StationCode: a.StationCode, StationName: a.StationName}
	}
	if err := s.AssignStations(ctx, as); err != nil {
		return 0, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		return s.auditAdmin(tx, me, epiloop.AuditAdmin, "station_mapping", fmt.Sprintf("%d communities", len(as)))
	})
	return len(as), err
}
