package epiloop

import (
	"slices"
	"strings"
	"time"
)

// Officers sent down (下沉): a deployment sends a named officer or
// auxiliary from a unit to a compound for a period: requested → approved
// (by the district's commander or headquarters) → on site (checked in) →
// ended. The persons on site now are the compound's coverage, held
// against its minimum guard (Place.Uncovered).

// DeploymentState is where a deployment stands.
type DeploymentState string

const (
	DeploymentRequested DeploymentState = "requested"
	DeploymentApproved  DeploymentState = "approved"
	DeploymentOnSite    DeploymentState = "on_site"
	DeploymentEnded     DeploymentState = "ended"
)

// DeploymentStates lists the states in order.
var DeploymentStates = []DeploymentState{DeploymentRequested, DeploymentApproved, DeploymentOnSite, DeploymentEnded}

// PersonKinds are who is sent: a police officer or an auxiliary.
var PersonKinds = []string{"police", "auxiliary"}

// Deployment transitions.
const (
	DeployApprove = "approve"
	DeployCheckIn = "check_in"
	DeployEnd     = "end"
)

// Deployment event kinds (EventKinds).
const (
	EventDeploymentRequested = "deployment.requested"
	EventDeploymentApproved  = "deployment.approved"
	EventDeploymentOnSite    = "deployment.on_site"
	EventDeploymentEnded     = "deployment.ended"
)

// deploymentSteps are the transitions: from which states each leads to
// which, and its event. Ending a deployment not yet on site cancels it.
var deploymentSteps = map[string]struct {
	from  []DeploymentState
	to    DeploymentState
	event string
}{
	DeployApprove: {[]DeploymentState{DeploymentRequested}, DeploymentApproved, EventDeploymentApproved},
	DeployCheckIn: {[]DeploymentState{DeploymentApproved}, DeploymentOnSite, EventDeploymentOnSite},
	DeployEnd:     {[]DeploymentState{DeploymentRequested, DeploymentApproved, DeploymentOnSite}, DeploymentEnded, EventDeploymentEnded},
}

// Deployment is one person sent to one compound. The person's name and
// police number are kept sealed.
type Deployment struct {
	ID           int64           `json:"id"`
	PlaceID      int64           `json:"place_id"`
	DistrictCode string          `json:"district"`
	UnitCode     string          `json:"unit"`
	PersonName   string          `json:"person_name"`
	PoliceNumber string          `json:"police_number,omitempty"`
	PersonKind   string          `json:"person_kind"`
	From         string          `json:"from"`
	To           string          `json:"to"`
	State        DeploymentState `json:"state"`
	RequestedBy  int64           `json:"requested_by"`
	ApprovedBy   int64           `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time      `json:"approved_at,omitempty"`
	CheckedInAt  *time.Time      `json:"checked_in_at,omitempty"`
	EndedAt      *time.Time      `json:"ended_at,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	PlaceCode    string          `json:"place_code,omitempty"`
	PlaceName    string          `json:"place_name,omitempty"`
}

// MaxDeploymentDays bounds a deployment's period.
const MaxDeploymentDays = 366

// Validate checks a requested deployment.
func (d *Deployment) Validate() error {
	d.PersonName, d.PoliceNumber = strings.TrimSpace(d.PersonName), strings.TrimSpace(d.PoliceNumber)
	switch {
	case d.PersonName == "" || len(d.PersonName) > 100:
		return FieldError("person_name", "err.deployment_name")
	case len(d.PoliceNumber) > 32:
		return FieldError("police_number", "err.deployment_police_number")
	case !slices.Contains(PersonKinds, d.PersonKind):
		return FieldError("person_kind", "err.deployment_person_kind")
	case d.UnitCode == "":
		return FieldError("unit", "err.place_unit")
	case !civilDate(d.From):
		return FieldError("from", "err.place_date")
	case !civilDate(d.To):
		return FieldError("to", "err.place_date")
	case d.To < d.From:
		return FieldError("to", "err.deployment_dates")
	}
	from, _ := time.Parse(time.DateOnly, d.From)
	to, _ := time.Parse(time.DateOnly, d.To)
	if to.Sub(from) > MaxDeploymentDays*24*time.Hour {
		return FieldError("to", "err.deployment_too_long", MaxDeploymentDays)
	}
	return nil
}

// Step applies a transition by user at now and returns its event kind.
func (d *Deployment) Step(action string, user int64, now time.Time) (string, error) {
	s, ok := deploymentSteps[action]
	if !ok {
		return "", FieldError("action", "err.deployment_action")
	}
	if !slices.Contains(s.from, d.State) {
		return "", Errorf(ECONFLICT, "err.deployment_transition", string(d.State))
	}
	d.State = s.to
	switch action {
	case DeployApprove:
		d.ApprovedBy, d.ApprovedAt = user, &now
	case DeployCheckIn:
		d.CheckedInAt = &now
	case DeployEnd:
		d.EndedAt = &now
	}
	return s.event, nil
}

// DeploymentFilter selects deployments.
type DeploymentFilter struct {
	PlaceID  *int64
	District *string
	Unit     *string
	State    *DeploymentState
	Offset   int
	Limit    int
}

// DeploymentVisible reports whether u may read d: city-wide readers, its
// district, and its sending unit.
func DeploymentVisible(u *User, d *Deployment) bool {
	if !u.Can(ActReadDeployments) {
		return false
	}
	return inScope(u.Scope(), d.DistrictCode, func(unit string) bool { return unit == d.UnitCode })
}

// MayRequestDeployment reports whether u may send a person of unit to a
// compound of district: city-wide deployers, the district's commander,
// and a unit for its own people.
func MayRequestDeployment(u *User, unit, district string) bool {
	return u.Can(ActDeploy) && inScope(u.Scope(), district, func(own string) bool { return own == unit })
}

// MayApproveDeployment reports whether u may approve a deployment to a
// compound of the district: headquarters, or that district's commander.
func MayApproveDeployment(u *User, d *Deployment) bool {
	return u.Can(ActApproveDeploy) && inScope(u.Scope(), d.DistrictCode, func(string) bool { return false })
}

// MayStepDeployment reports whether u may check d in or end it: those
// who may request it.
func MayStepDeployment(u *User, d *Deployment) bool {
	return MayRequestDeployment(u, d.UnitCode, d.DistrictCode)
}
