package epiloop

import (
	"slices"
	"strings"
	"time"
)

// Detention facilities under closed management (监所): the facilities are
// places of the registry (kind PlaceDetention) with areas — isolation
// cells that hold one new detainee each, and general areas with a
// capacity. A new detainee is isolated alone for the new_detainee
// observation's days (15); moving them to a general area before that ends
// needs a supervisor's override with a reason. Staff serve in cohorts on
// site for a rotation (14 days), each member under a detention_staff
// observation; a cohort hands over to the next when both leaders confirm
// (CohortHandover). A facility's closed management is a history of
// orders.

// AreaKind is what an area of a facility is.
type AreaKind string

const (
	// AreaIsolation is an isolation cell: one new detainee, alone.
	AreaIsolation AreaKind = "isolation"
	// AreaGeneral is a general area with a capacity.
	AreaGeneral AreaKind = "general"
)

// AreaKinds lists the kinds in display order.
var AreaKinds = []AreaKind{AreaIsolation, AreaGeneral}

// IsolationCellCapacity is what an isolation cell holds: one detainee.
const IsolationCellCapacity = 1

// MaxAreaCapacity bounds a general area's capacity.
const MaxAreaCapacity = 10_000

// DetentionArea is a cell or an area of a facility. Occupancy counts the
// detainees present in it; it is read, never typed.
type DetentionArea struct {
	ID           int64    `json:"id"`
	FacilityCode string   `json:"facility"`
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Kind         AreaKind `json:"kind"`
	Capacity     int      `json:"capacity"`
	Occupancy    int      `json:"occupancy"`
}

// Validate checks the area; an isolation cell's capacity is always one.
func (a *DetentionArea) Validate() error {
	a.Code, a.Name = strings.TrimSpace(a.Code), NormalizeSpace(a.Name)
	switch {
	case a.Code == "" || len(a.Code) > 32 || strings.ContainsAny(a.Code, " /?#%"):
		return FieldError("code", "err.detention_area_code")
	case a.Name == "" || len(a.Name) > MaxPlaceText:
		return FieldError("name", "err.detention_area_name", MaxPlaceText)
	case !slices.Contains(AreaKinds, a.Kind):
		return FieldError("kind", "err.detention_area_kind")
	}
	if a.Kind == AreaIsolation {
		a.Capacity = IsolationCellCapacity
	} else if a.Capacity < 1 || a.Capacity > MaxAreaCapacity {
		return FieldError("capacity", "err.detention_area_capacity", MaxAreaCapacity)
	}
	return nil
}

// Free reports whether the area takes one more detainee.
func (a *DetentionArea) Free() bool { return a.Occupancy < a.Capacity }

// DetaineeStatus is where a stay stands.
type DetaineeStatus string

const (
	DetaineePresent     DetaineeStatus = "present"
	DetaineeReleased    DetaineeStatus = "released"
	DetaineeTransferred DetaineeStatus = "transferred"
)

// DetaineeIntake is the admission of a person into a facility: the case
// register calls it for a detained suspect (loop.Service.admitDetainee).
type DetaineeIntake struct {
	FacilityCode string `json:"facility"` // the place code of the facility
	PersonID     int64  `json:"-"`        // an existing person (persons table)
	AreaCode     string `json:"area"`     // optional: the isolation cell; empty picks a free one
	CaseRef      string `json:"case_ref"` // optional: the referring case's number (case register)
	Reason       string `json:"reason"`   // optional note
}

// Validate checks the intake's text.
func (in *DetaineeIntake) Validate() error {
	in.FacilityCode, in.AreaCode = strings.TrimSpace(in.FacilityCode), strings.TrimSpace(in.AreaCode)
	in.CaseRef, in.Reason = strings.TrimSpace(in.CaseRef), strings.TrimSpace(in.Reason)
	switch {
	case in.FacilityCode == "":
		return FieldError("facility", "err.detention_facility_required")
	case len(in.CaseRef) > 64:
		return FieldError("case_ref", "err.detention_case_ref", 64)
	case len(in.Reason) > MaxReasonBytes:
		return FieldError("reason", "err.reason_too_long", MaxReasonBytes)
	}
	return nil
}

// Detainee is one stay of a person in a facility. IsolationEnd is the day
// the new_detainee observation ends: from then on the detainee may move
// to a general area without an override.
type Detainee struct {
	ID            int64          `json:"id"`
	FacilityCode  string         `json:"facility"`
	DistrictCode  string         `json:"district"`
	UnitCode      string         `json:"unit"`
	Person        Person         `json:"person"`
	AreaCode      string         `json:"area"`
	AreaKind      AreaKind       `json:"area_kind"`
	Status        DetaineeStatus `json:"status"`
	CaseRef       string         `json:"case_ref,omitempty"`
	Reason        string         `json:"reason,omitempty"`
	ObservationID int64          `json:"observation_id"`
	IsolationEnd  string         `json:"isolation_end"`
	AdmittedAt    time.Time      `json:"admitted_at"`
	MovedAt       *time.Time     `json:"moved_at,omitempty"`
	// OverrideReason is set when a supervisor moved the detainee out of
	// isolation early (OverrideBy).
	OverrideReason string     `json:"override_reason,omitempty"`
	OverrideBy     int64      `json:"override_by,omitempty"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
	EndReason      string     `json:"end_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// InIntakeIsolation reports whether the detainee is present in an
// isolation cell with isolation days left on today.
func (d *Detainee) InIntakeIsolation(today string) bool {
	return d.Status == DetaineePresent && d.AreaKind == AreaIsolation && today < d.IsolationEnd
}

// IsolationDaysLeft returns the days of isolation left on today (0 once
// it is over).
func (d *Detainee) IsolationDaysLeft(today string) int {
	return max(0, DaysBetween(today, d.IsolationEnd))
}

// ReadyToMove reports whether the detainee's isolation is over and they
// are still in an isolation cell.
func (d *Detainee) ReadyToMove(today string) bool {
	return d.Status == DetaineePresent && d.AreaKind == AreaIsolation && today >= d.IsolationEnd
}

// Masked returns the stay with the person's identity masked.
func (d Detainee) Masked() Detainee {
	d.Person = d.Person.Masked()
	return d
}

// CheckMove is the move rule: to may take one more detainee (an isolation
// cell none besides), and a move from isolation to a general area before
// the isolation ends is refused unless overridden, which needs a reason.
// It reports whether the move is such an early one.
func CheckMove(d *Detainee, to *DetentionArea, today string, override bool, reason string) (early bool, err error) {
	switch {
	case d.Status != DetaineePresent:
		return false, Errorf(ECONFLICT, "err.detention_not_present", string(d.Status))
	case to.Code == d.AreaCode:
		return false, FieldError("area", "err.detention_same_area")
	case !to.Free() && to.Kind == AreaIsolation:
		return false, Errorf(ECONFLICT, "err.detention_cell_occupied", to.Code)
	case !to.Free():
		return false, Errorf(ECONFLICT, "err.detention_area_full", to.Code, to.Capacity)
	}
	early = to.Kind == AreaGeneral && d.InIntakeIsolation(today)
	switch {
	case early && !override:
		return true, Errorf(ECONFLICT, "err.detention_isolation_not_over", d.IsolationDaysLeft(today), d.IsolationEnd)
	case early && len([]rune(strings.TrimSpace(reason))) < 2:
		return true, FieldError("override_reason", "err.detention_override_reason")
	case len(reason) > MaxReasonBytes:
		return early, FieldError("override_reason", "err.reason_too_long", MaxReasonBytes)
	}
	return early, nil
}

// FreeIsolationCell picks the first free isolation cell of areas (in
// their order), or nil.
func FreeIsolationCell(areas []DetentionArea) *DetentionArea {
	for i := range areas {
		if areas[i].Kind == AreaIsolation && areas[i].Free() {
			return &areas[i]
		}
	}
	return nil
}

// CohortStatus is where a staff cohort stands.
type CohortStatus string

const (
	// CohortPlanned: the next cohort, waiting for the hand-over.
	CohortPlanned CohortStatus = "planned"
	CohortOnSite  CohortStatus = "on_site"
	// CohortRelieved: handed over and gone.
	CohortRelieved CohortStatus = "relieved"
)

// MaxCohortMembers bounds a cohort's size.
const MaxCohortMembers = 200

// CohortMember is one named staff member of a cohort; ObservationID is
// their detention_staff observation while the cohort is on site.
type CohortMember struct {
	Person        Person `json:"person"`
	ObservationID int64  `json:"observation_id,omitempty"`
	// Checked and Fever are read for today: the member's check done, and
	// its finding.
	Checked bool `json:"checked_today"`
	Fever   bool `json:"fever_today"`
}

// Cohort is one rotation of a facility's staff, on site from Start to the
// day before End. A hand-over to the next cohort (NextID) closes when the
// outgoing and the incoming leader both confirm it (CohortHandover).
type Cohort struct {
	ID           int64          `json:"id"`
	FacilityCode string         `json:"facility"`
	DistrictCode string         `json:"district"`
	UnitCode     string         `json:"unit"`
	Name         string         `json:"name"`
	LeaderUserID int64          `json:"leader_user_id"`
	Start        string         `json:"start"`
	End          string         `json:"end"`
	Status       CohortStatus   `json:"status"`
	Members      []CohortMember `json:"members"`

	NextID         int64      `json:"next_id,omitempty"`
	OutConfirmedBy int64      `json:"out_confirmed_by,omitempty"`
	OutConfirmedAt *time.Time `json:"out_confirmed_at,omitempty"`
	OutNote        string     `json:"out_note,omitempty"`
	InConfirmedBy  int64      `json:"in_confirmed_by,omitempty"`
	InConfirmedAt  *time.Time `json:"in_confirmed_at,omitempty"`
	InNote         string     `json:"in_note,omitempty"`
	RelievedAt     *time.Time `json:"relieved_at,omitempty"`
	EscalatedAt    *time.Time `json:"escalated_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Validate checks the cohort as proposed: a name, a leader, members, and
// a start date.
func (c *Cohort) Validate() error {
	c.Name = NormalizeSpace(c.Name)
	switch {
	case c.Name == "" || len(c.Name) > 64:
		return FieldError("name", "err.detention_cohort_name", 64)
	case c.LeaderUserID == 0:
		return FieldError("leader", "err.detention_cohort_leader")
	case len(c.Members) == 0 || len(c.Members) > MaxCohortMembers:
		return FieldError("members", "err.detention_cohort_members", MaxCohortMembers)
	case !civilDate(c.Start):
		return FieldError("start", "err.place_date")
	}
	return nil
}

// Due is when the cohort should be relieved: the start of its end day.
func (c *Cohort) Due() time.Time { return CivilMidnight(c.End) }

// Overdue reports whether an on-site cohort is past its relief without a
// closed hand-over (CohortHandover's escalation).
func (c *Cohort) Overdue(now time.Time) bool {
	return c.Status == CohortOnSite && CohortHandover.Overdue(c.Due(), now)
}

// CohortConfirmation is one leader's confirmation of a hand-over: the
// incoming cohort they hand to (or take over as) and a note.
type CohortConfirmation struct {
	Next int64  `json:"next_id"`
	Note string `json:"note,omitempty"`
}

// CohortGrace is how long past its end day's start an on-site cohort may
// stay before its relief escalates.
const CohortGrace = 24 * time.Hour

// CohortHandover is the hand-over between two cohorts of a facility: the
// outgoing and the incoming leader each confirm it (the parties of a
// shift hand-over, PartyOutgoing and PartyIncoming), naming the same
// incoming cohort. Not closed CohortGrace after the outgoing cohort's end
// day began, it escalates to whoever is on duty for the district.
var CohortHandover = AgreementRule[CohortConfirmation, int64]{
	Name:    "cohort_handover",
	Parties: []string{PartyOutgoing, PartyIncoming},
	Required: func(c CohortConfirmation) error {
		switch {
		case c.Next == 0:
			return FieldError("next_id", "err.detention_handover_next")
		case len(c.Note) > MaxReasonBytes:
			return FieldError("note", "err.note_too_long", MaxReasonBytes)
		}
		return nil
	},
	Compare: func(cs []CohortConfirmation) (int64, bool, []string) {
		if cs[0].Next != cs[1].Next {
			return 0, false, []string{"next_cohort"}
		}
		return cs[0].Next, true, nil
	},
	EscalateAfter: CohortGrace,
	EscalateTo:    "district_duty",
}

// Handover decides the cohort's hand-over from the confirmations so far.
func (c *Cohort) Handover() AgreementDecision[int64] {
	confirmed := map[string]CohortConfirmation{}
	if c.OutConfirmedAt != nil {
		confirmed[PartyOutgoing] = CohortConfirmation{Next: c.NextID, Note: c.OutNote}
	}
	if c.InConfirmedAt != nil {
		confirmed[PartyIncoming] = CohortConfirmation{Next: c.NextID, Note: c.InNote}
	}
	return CohortHandover.Decide(confirmed)
}

// HandoverParty returns the party user is of the hand-over from c to
// next: the outgoing cohort's leader or the incoming one's ("" for
// neither).
func HandoverParty(user int64, c, next *Cohort) string {
	switch {
	case user == c.LeaderUserID:
		return PartyOutgoing
	case next != nil && user == next.LeaderUserID:
		return PartyIncoming
	}
	return ""
}

// ClosureState is a facility's closed-management state.
type ClosureState string

const (
	ClosureClosed ClosureState = "closed"
	ClosureLifted ClosureState = "lifted"
)

// MaxExemptions bounds a closure order's exemptions.
const MaxExemptions = 50

// Exemption is a named exception to a facility's closed management (a
// doctor, a lawyer, a repair crew) with its reason and dates.
type Exemption struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// ClosedManagement is one order of a facility's closed management: the
// state it puts the facility in, from a date, with its number and its
// exemptions. The newest is the facility's state; the others its history.
type ClosedManagement struct {
	ID           int64        `json:"id"`
	FacilityCode string       `json:"facility"`
	State        ClosureState `json:"state"`
	From         string       `json:"from"`
	To           string       `json:"to,omitempty"`
	OrderNo      string       `json:"order_no"`
	Exemptions   []Exemption  `json:"exemptions"`
	By           int64        `json:"by,omitempty"`
	At           time.Time    `json:"at"`
}

// Validate checks the order: closing needs a number and a from date;
// each exemption a name, a reason and ordered dates.
func (m *ClosedManagement) Validate() error {
	m.OrderNo = strings.TrimSpace(m.OrderNo)
	switch {
	case m.State != ClosureClosed && m.State != ClosureLifted:
		return FieldError("state", "err.detention_closure_state")
	case m.OrderNo == "" || len(m.OrderNo) > MaxPlaceText:
		return FieldError("order_no", "err.place_order_required", MaxPlaceText)
	case !civilDate(m.From):
		return FieldError("from", "err.place_date")
	case m.To != "" && (!civilDate(m.To) || m.To < m.From):
		return FieldError("to", "err.place_order_dates")
	case len(m.Exemptions) > MaxExemptions:
		return FieldError("exemptions", "err.detention_exemptions", MaxExemptions)
	}
	if m.State == ClosureLifted {
		m.Exemptions = nil
	}
	for i := range m.Exemptions {
		x := &m.Exemptions[i]
		x.Name, x.Reason = NormalizeName(x.Name), strings.TrimSpace(x.Reason)
		switch {
		case x.Name == "" || len(x.Name) > 64:
			return FieldError("exemption_name", "err.detention_exemption_name", 64)
		case x.Reason == "" || len(x.Reason) > MaxReasonBytes:
			return FieldError("exemption_reason", "err.detention_exemption_reason", MaxReasonBytes)
		case !civilDate(x.From) || !civilDate(x.To) || x.To < x.From:
			return FieldError("exemption_dates", "err.place_order_dates")
		}
	}
	if m.Exemptions == nil {
		m.Exemptions = []Exemption{}
	}
	return nil
}

// UnderClosedManagement reports whether the facility's newest order (nil:
// none) keeps it closed on today.
func UnderClosedManagement(m *ClosedManagement, today string) bool {
	return m != nil && m.State == ClosureClosed && m.From <= today && (m.To == "" || today <= m.To)
}

// Detention event kinds (EventKinds). Their data carries codes and ids
// only; the reasons typed are FreeText.
const (
	EventDetentionAreaSaved      = "detention.area_saved"
	EventDetaineeAdmitted        = "detention.admitted"
	EventDetaineeMoved           = "detention.moved"
	EventDetaineeOverride        = "detention.isolation_overridden"
	EventDetaineeReleased        = "detention.released"
	EventCohortStarted           = "detention.cohort_started"
	EventCohortPlanned           = "detention.cohort_planned"
	EventCohortHandoverConfirmed = "detention.handover_confirmed"
	EventCohortRelieved          = "detention.cohort_relieved"
	EventCohortOverdue           = "detention.cohort_overdue"
	EventDetentionClosure        = "detention.closure"
)

// DutyItemCohortOverdue: a facility's cohort on site past its relief
// without a closed hand-over (to whoever holds the district sub-command's
// duty post).
const DutyItemCohortOverdue DutyItemKind = "cohort_overdue"

// Detention figures (docs/figures.md), read from the rows.
const (
	// MetricDetentionClosed: facilities whose newest order keeps them
	// under closed management today (UnderClosedManagement).
	MetricDetentionClosed = "detention_closed"
	// MetricDetaineesIsolated: detainees present in intake isolation
	// (Detainee.InIntakeIsolation).
	MetricDetaineesIsolated = "detainees_isolated"
	// MetricIsolationCellsFree: isolation cells with no one present.
	MetricIsolationCellsFree = "isolation_cells_free"
	// MetricCohortsOverdue: cohorts on site past their relief
	// (Cohort.Overdue).
	MetricCohortsOverdue = "cohorts_overdue"
	// MetricStaffFever: staff on site whose check today found a fever or
	// symptoms (ObservationCheck.Alarming).
	MetricStaffFever = "staff_fever_today"
)

// DetentionMetrics lists the figures in display order.
var DetentionMetrics = []string{MetricDetentionClosed, MetricDetaineesIsolated, MetricIsolationCellsFree,
	MetricCohortsOverdue, MetricStaffFever}

// DetentionStats are one facility's figures on a day.
type DetentionStats struct {
	FacilityCode       string `json:"facility"`
	Closed             bool   `json:"closed"`
	Present            int    `json:"present"`
	Isolated           int    `json:"isolated"`
	ReadyToMove        int    `json:"ready_to_move"`
	IsolationCells     int    `json:"isolation_cells"`
	IsolationCellsFree int    `json:"isolation_cells_free"`
	StaffOnSite        int    `json:"staff_on_site"`
	ChecksDone         int    `json:"checks_done"`
	StaffFever         int    `json:"staff_fever"`
	CohortOverdue      bool   `json:"cohort_overdue"`
	HandoverPending    bool   `json:"handover_pending"`
}

// DetentionFacilityVisible reports whether u may read facility p's page
// and figures: city-wide readers, its district, and its own staff (users
// of its responsible unit).
func DetentionFacilityVisible(u *User, p *Place) bool {
	if !u.Can(ActReadDetention) || p.Kind != PlaceDetention {
		return false
	}
	return inScope(u.Scope(), p.DistrictCode, func(unit string) bool { return unit == p.UnitCode })
}

// DetaineesVisible reports whether u may read p's detainees (masked) and
// staff: commanders and the facility's own staff; a district reads the
// figures only.
func DetaineesVisible(u *User, p *Place) bool {
	return u.Can(ActReadDetainees) && DetentionFacilityVisible(u, p)
}

// MayActAtFacility reports whether u may do a (admit, move, release,
// rotate, reveal) at p: granted a, and commanding the city or on the
// facility's staff.
func MayActAtFacility(u *User, p *Place, a Action) bool {
	return u.Can(a) && DetentionFacilityVisible(u, p) && (u.Scope().All || u.UnitCode == p.UnitCode)
}

// MayOverrideIsolation reports whether u may move a detainee out of
// isolation early: a commander, or the district commander of p's
// district — supervisors, not the facility's own staff.
func MayOverrideIsolation(u *User, p *Place) bool {
	return u.Can(ActOverrideIsolation) && inScope(u.Scope(), p.DistrictCode, func(string) bool { return false })
}

// MayManageDetention reports whether u may set p's areas and its closed
// management: city-wide managers and p's district commander.
func MayManageDetention(u *User, p *Place) bool {
	return u.Can(ActManageDetention) && p.Kind == PlaceDetention &&
		inScope(u.Scope(), p.DistrictCode, func(string) bool { return false })
}

// DetaineeFilter selects stays of one facility.
type DetaineeFilter struct {
	Facility string
	Status   *DetaineeStatus
	Offset   int
	Limit    int
}

// CohortFilter selects cohorts: of a facility, of a status, or on site
// with an end on or before EndBefore (the overdue scan).
type CohortFilter struct {
	Facility  *string
	Status    *CohortStatus
	EndBefore *string
	Limit     int
}

// DetentionTx stores the facilities' areas, stays, cohorts and orders.
type DetentionTx interface {
	// SaveDetentionArea creates or replaces the area of its facility and
	// code.
	SaveDetentionArea(a *DetentionArea, now time.Time) error
	// FindDetentionAreas returns a facility's areas by code, with their
	// occupancy.
	FindDetentionAreas(facility string) ([]DetentionArea, error)
	// CreateDetainee inserts a stay: a second detainee present in an
	// isolation cell, or a person present twice, is ECONFLICT.
	CreateDetainee(d *Detainee) error
	// UpdateDetainee writes a stay's area, status, override and end.
	UpdateDetainee(d *Detainee) error
	FindDetaineeByID(id int64) (*Detainee, error)
	// FindPresentDetainee returns the person's stay present in a
	// facility, or ENOTFOUND.
	FindPresentDetainee(personID int64) (*Detainee, error)
	// FindDetainees returns one page of a facility's stays, newest first,
	// and the total.
	FindDetainees(f DetaineeFilter) ([]Detainee, int, error)
	// SaveCohort creates (ID 0, with its members) or updates a cohort
	// (its status, hand-over and members' observations).
	SaveCohort(c *Cohort) error
	FindCohortByID(id int64) (*Cohort, error)
	FindCohorts(f CohortFilter) ([]Cohort, error)
	CreateClosedManagement(m *ClosedManagement) error
	// FindClosedManagement returns a facility's orders, newest first.
	FindClosedManagement(facility string, limit int) ([]ClosedManagement, error)
	// FindDetentionStats returns the figures of each facility of codes on
	// today; fever is the threshold of a staff check's fever.
	FindDetentionStats(codes []string, today string, fever float64) (map[string]*DetentionStats, error)
}
