package epiloop

import (
	"context"
	"time"
)

// Role is what a person does; with their unit it decides what they see.
type Role string

const (
	RoleCommander  Role = "commander"
	RoleDistrict   Role = "district"
	RoleStation    Role = "station"
	RoleCommittee  Role = "committee"
	RoleCheckpoint Role = "checkpoint"
	RoleAnalyst    Role = "analyst"
	RoleAuditor    Role = "auditor"
	RoleAdmin      Role = "admin"
	// RoleDesk operates the enterprise service desk (服务专班/热线):
	// types in hotline tickets, sees the queue city-wide (desk.go).
	RoleDesk Role = "desk"
	// RoleDepartment is staff of a handling unit (职能部门): sees and
	// handles its own unit's desk tickets only.
	RoleDepartment Role = "department"
	// RoleDetention is a detention facility's staff (监所民警): their
	// unit is the facility's responsible unit (detention.go).
	RoleDetention Role = "detention"
)

// Roles lists every role, in the order the demo prints them.
var Roles = []Role{RoleCommander, RoleDistrict, RoleStation, RoleCommittee, RoleCheckpoint, RoleAnalyst, RoleAuditor, RoleAdmin,
	RoleDesk, RoleDepartment, RoleDetention}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// UnitKind returns the kind of unit a user of this role must belong to, or ""
// when the role is not tied to a unit of a particular kind.
func (r Role) UnitKind() UnitKind {
	switch r {
	case RoleDistrict:
		return UnitSubCommand
	case RoleStation:
		return UnitPoliceStation
	case RoleCommittee:
		return UnitCommittee
	case RoleCheckpoint:
		return UnitCheckpoint
	case RoleDepartment:
		return UnitDepartment
	}
	return ""
}

// User is a person (or an integration acting through a token) with a role
// in a unit.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	UnitCode     string    `json:"unit,omitempty"`
	DistrictCode string    `json:"district,omitempty"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// FailedLogins counts consecutive failed logins; at the limit the
	// account is locked until LockedUntil.
	FailedLogins int       `json:"-"`
	LockedUntil  time.Time `json:"-"`
}

// Validate checks a user's own fields; that the unit exists and is of the
// right kind is checked by the workflow that has the store.
func (u *User) Validate() error {
	switch {
	case u.Name == "" || len(u.Name) > 64:
		return FieldError("name", "err.name_required_at_most_64")
	case !u.Role.Valid():
		return FieldError("role", "err.unknown_role")
	case (u.Role.UnitKind() != "" || u.Role == RoleDetention) && u.UnitCode == "":
		return FieldError("unit", "err.this_role_needs_unit")
	}
	return nil
}

// Scope is the part of the city a user may see: everything, one district,
// or one unit's work. Storage queries filter by it.
type Scope struct {
	All      bool
	District string
	Unit     string
}

// Scope returns the user's jurisdiction.
func (u *User) Scope() Scope {
	switch u.Role {
	case RoleCommander, RoleAnalyst, RoleAuditor, RoleAdmin, RoleDesk:
		return Scope{All: true}
	case RoleDistrict:
		return Scope{District: u.DistrictCode}
	default:
		return Scope{Unit: u.UnitCode}
	}
}

type userContextKey struct{}

// NewContextWithUser returns a context carrying the authenticated user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the authenticated user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}
