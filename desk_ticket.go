package epiloop

import (
	"slices"
	"time"
)

// A service desk ticket's states and steps, its three SLA clocks and its
// two-party agreement (desk.go has the catalogue, the input and the
// rules of who sees what).

// TicketState is where a ticket stands.
type TicketState string

const (
	TicketNew         TicketState = "new"         // waiting for its first response
	TicketInProgress  TicketState = "in_progress" // the unit works on it
	TicketWaiting     TicketState = "waiting"     // waiting for the enterprise: the clocks are paused
	TicketSolved      TicketState = "solved"      // the unit marked it solved; the enterprise confirms
	TicketClosed      TicketState = "closed"      // both agreed
	TicketUnconfirmed TicketState = "unconfirmed" // closed without the enterprise's confirmation
)

// TicketStates lists the states in display order.
var TicketStates = []TicketState{TicketNew, TicketInProgress, TicketWaiting, TicketSolved, TicketClosed, TicketUnconfirmed}

// Open reports whether a ticket in state st is not closed.
func (st TicketState) Open() bool { return st != TicketClosed && st != TicketUnconfirmed }

// TicketAction is a step of a ticket.
type TicketAction string

const (
	TicketRespond TicketAction = "respond" // the unit's first response
	TicketUpdate  TicketAction = "update"  // an update to the enterprise
	TicketWait    TicketAction = "wait"    // ask the enterprise for something: pauses the clocks
	TicketResume  TicketAction = "resume"  // the enterprise answered: the clocks run again
	TicketSolve   TicketAction = "solve"   // the unit marks it solved
	TicketConfirm TicketAction = "confirm" // the enterprise confirms the solution
	TicketReopen  TicketAction = "reopen"  // the enterprise says it is not solved, with a reason
	TicketExpire  TicketAction = "expire"  // no confirmation in time: closed as unconfirmed
)

// ticketSteps is the state machine: each action, the states it is taken
// from and the state it leads to.
var ticketSteps = map[TicketAction]struct {
	from []TicketState
	to   TicketState
}{
	TicketRespond: {[]TicketState{TicketNew}, TicketInProgress},
	TicketUpdate:  {[]TicketState{TicketInProgress}, TicketInProgress},
	TicketWait:    {[]TicketState{TicketNew, TicketInProgress}, TicketWaiting},
	TicketResume:  {[]TicketState{TicketWaiting}, TicketInProgress},
	TicketSolve:   {[]TicketState{TicketInProgress}, TicketSolved},
	TicketConfirm: {[]TicketState{TicketSolved}, TicketClosed},
	TicketReopen:  {[]TicketState{TicketSolved}, TicketInProgress},
	TicketExpire:  {[]TicketState{TicketSolved}, TicketUnconfirmed},
}

// StaffActions are the steps the handling unit takes (the pages' buttons).
var StaffActions = []TicketAction{TicketRespond, TicketUpdate, TicketWait, TicketResume, TicketSolve}

// NextTicketState returns the state action leads to from st, or a
// conflict when it may not be taken from st.
func NextTicketState(st TicketState, a TicketAction) (TicketState, error) {
	s, ok := ticketSteps[a]
	if !ok {
		return st, FieldError("action", "err.desk_action")
	}
	if !slices.Contains(s.from, st) {
		return st, Errorf(ECONFLICT, "err.desk_step_refused", M("desk.action."+string(a)), M("desk.state."+string(st)))
	}
	return s.to, nil
}

// Actions returns the staff actions that may be taken from st.
func (st TicketState) Actions() []TicketAction {
	var out []TicketAction
	for _, a := range StaffActions {
		if _, err := NextTicketState(st, a); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// ClockKind names one of a ticket's three SLA clocks.
type ClockKind string

const (
	ClockFirstResponse ClockKind = "first_response"
	ClockNextUpdate    ClockKind = "next_update"
	ClockSolution      ClockKind = "solution"
)

// ClockKinds lists the clocks in display order.
var ClockKinds = []ClockKind{ClockFirstResponse, ClockNextUpdate, ClockSolution}

// SLAClock is one clock of a ticket, stored as a row: when it is due,
// since when it is paused and how long it was paused in all (Due has
// moved by that much), when it was met and when it breached.
type SLAClock struct {
	Kind        ClockKind     `json:"kind"`
	Due         time.Time     `json:"due"`
	PausedSince *time.Time    `json:"paused_since,omitempty"`
	PausedTotal time.Duration `json:"paused_total_ms"`
	MetAt       *time.Time    `json:"met_at,omitempty"`
	BreachedAt  *time.Time    `json:"breached_at,omitempty"`
}

// ClockStatus is a clock's state as the pages and the tracking page show
// it.
type ClockStatus string

const (
	ClockRunning  ClockStatus = "running"
	ClockPaused   ClockStatus = "paused"
	ClockMet      ClockStatus = "met"
	ClockBreached ClockStatus = "breached"
	ClockIdle     ClockStatus = "idle" // not started (the update clock before the first response)
)

// Status returns c's state at now.
func (c *SLAClock) Status(now time.Time) ClockStatus {
	switch {
	case c.MetAt != nil:
		return ClockMet
	case c.Due.IsZero():
		return ClockIdle
	case c.BreachedAt != nil:
		return ClockBreached
	case c.PausedSince != nil:
		return ClockPaused
	case !now.Before(c.Due):
		return ClockBreached
	}
	return ClockRunning
}

// Running reports whether c counts down: started, not met, not paused.
func (c *SLAClock) Running() bool { return !c.Due.IsZero() && c.MetAt == nil && c.PausedSince == nil }

// Start (re)starts c due d from now.
func (c *SLAClock) Start(now time.Time, d time.Duration) {
	c.Due, c.PausedSince, c.PausedTotal, c.MetAt, c.BreachedAt = now.Add(d), nil, 0, nil, nil
}

// Pause stops a running clock at now.
func (c *SLAClock) Pause(now time.Time) {
	if c.Running() {
		c.PausedSince = &now
	}
}

// Resume runs a paused clock again: its due time moves by the time it
// was paused.
func (c *SLAClock) Resume(now time.Time) {
	if c.PausedSince == nil {
		return
	}
	paused := now.Sub(*c.PausedSince)
	c.Due, c.PausedTotal, c.PausedSince = c.Due.Add(paused), c.PausedTotal+paused, nil
}

// Meet stops c as met at now (a clock already met stays as it was).
func (c *SLAClock) Meet(now time.Time) {
	if c.MetAt == nil && !c.Due.IsZero() {
		c.Resume(now)
		c.MetAt = &now
	}
}

// Breach reports whether c must be recorded breached at now: running,
// past due, not yet recorded.
func (c *SLAClock) Breach(now time.Time) bool {
	return c.Running() && c.BreachedAt == nil && !now.Before(c.Due)
}

// Breached reports whether c stands breached: recorded, and not met
// since (a met clock's breach is history, kept in its events).
func (c *SLAClock) Breached() bool { return c.BreachedAt != nil && c.MetAt == nil }

// DeskReport is one party's word on a ticket: the unit's "solved" or the
// enterprise's confirmation (Solved false: the enterprise reopens it).
type DeskReport struct {
	UserID int64     `json:"user_id,omitempty"`
	At     time.Time `json:"at"`
	Solved bool      `json:"solved"`
}

// Ticket parties: the handling unit marks it solved, the enterprise
// confirms.
const (
	PartyHandlingUnit = "handling_unit"
	PartyEnterprise   = "enterprise"
)

// ReasonNotSolved is why a ticket's two sides disagree: the enterprise
// says it is not solved.
const ReasonNotSolved = "not_solved"

// DefaultDeskConfirmDays is how long the enterprise has to confirm a
// solved ticket before it closes as unconfirmed (configurable:
// loop.Service.DeskConfirmWindow).
const DefaultDeskConfirmDays = 7

// DeskAgreement is the ticket's agreement: it closes when the handling
// unit marked it solved and the enterprise confirmed.
var DeskAgreement = AgreementRule[*DeskReport, struct{}]{
	Name:    "desk_ticket",
	Parties: []string{PartyHandlingUnit, PartyEnterprise},
	Compare: func(cs []*DeskReport) (struct{}, bool, []string) {
		if cs[0].Solved && cs[1].Solved {
			return struct{}{}, true, nil
		}
		return struct{}{}, false, []string{ReasonNotSolved}
	},
	EscalateAfter: DefaultDeskConfirmDays * 24 * time.Hour,
	EscalateTo:    "close_unconfirmed",
}

// Ticket is one enterprise's request. Contact and Phone are personal
// data (sealed, masked in lists, revealed for a purpose); Detail is free
// text, sealed. The enterprise's credit code is shown masked outside.
type Ticket struct {
	ID     int64        `json:"id"`
	Number string       `json:"number"`
	Source TicketSource `json:"source"`
	// CodeHash is the confirmation code's hash; the code is shown once.
	CodeHash     []byte       `json:"-"`
	MeasureID    int64        `json:"measure_id"`
	UnitCode     string       `json:"unit"`
	DistrictCode string       `json:"district"`
	Enterprise   string       `json:"enterprise"`
	CreditCode   string       `json:"credit_code"`
	Contact      string       `json:"contact"`
	Phone        string       `json:"phone"`
	Detail       string       `json:"detail"`
	Project      string       `json:"project,omitempty"`
	Green        bool         `json:"green"`
	SlotID       int64        `json:"slot_id,omitempty"`
	State        TicketState  `json:"state"`
	Solved       *DeskReport  `json:"solved,omitempty"`
	Confirmed    *DeskReport  `json:"confirmed,omitempty"`
	LeaderUserID int64        `json:"leader_user_id,omitempty"`
	Clocks       []SLAClock   `json:"clocks"`
	CreatedBy    int64        `json:"created_by,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	SolvedAt     *time.Time   `json:"solved_at,omitempty"`
	ClosedAt     *time.Time   `json:"closed_at,omitempty"`
	Steps        []TicketStep `json:"steps,omitempty"`
	// For lists: the measure's and unit's names.
	MeasureName string `json:"measure_name,omitempty"`
	UnitName    string `json:"unit_name,omitempty"`
}

// TicketStep is one step of a ticket's history; Note is sealed.
type TicketStep struct {
	ID     int64        `json:"id"`
	Action TicketAction `json:"action"`
	UserID int64        `json:"user_id,omitempty"`
	At     time.Time    `json:"at"`
	Note   string       `json:"note,omitempty"`
}

// Bounds of a ticket's text.
const (
	MaxDeskDetail = 2000
	MaxDeskNote   = 1000
)

// NewTicket makes a ticket of measure m from in (normalized), created at
// now: routed to the measure's unit, green when it names a major
// project, its clocks started on the SLA the ticket runs on.
func NewTicket(m *ServiceMeasure, in TicketInput, src TicketSource, now time.Time) *Ticket {
	t := &Ticket{Source: src, MeasureID: m.ID, UnitCode: m.UnitCode, DistrictCode: in.District, Enterprise: in.Enterprise,
		CreditCode: in.CreditCode, Contact: in.Contact, Phone: in.Phone, Detail: in.Detail, Project: in.Project,
		Green: in.Project != "", SlotID: in.SlotID, State: TicketNew, CreatedAt: now, UpdatedAt: now,
		MeasureName: m.Name, UnitName: m.UnitName}
	sla := TicketSLA(m, t.Green)
	first, sol := SLAClock{Kind: ClockFirstResponse}, SLAClock{Kind: ClockSolution}
	first.Start(now, sla.FirstResponse)
	sol.Start(now, sla.Solution)
	t.Clocks = []SLAClock{first, {Kind: ClockNextUpdate}, sol}
	return t
}

// Clock returns the ticket's clock of kind k.
func (t *Ticket) Clock(k ClockKind) *SLAClock {
	for i := range t.Clocks {
		if t.Clocks[i].Kind == k {
			return &t.Clocks[i]
		}
	}
	t.Clocks = append(t.Clocks, SLAClock{Kind: k})
	return &t.Clocks[len(t.Clocks)-1]
}

// Apply takes action a at now under sla (by user, 0 for the enterprise
// or the system): the state moves as ticketSteps says and the clocks with
// it — a response meets the first response and starts the update clock,
// an update restarts it, waiting pauses every clock and resuming runs
// them again (their due times moved by the pause), solving meets the
// solution and stops the update clock, a reopening runs them again, and
// the enterprise's confirmation closes the ticket through DeskAgreement.
func (t *Ticket) Apply(a TicketAction, sla DeskSLA, user int64, now time.Time) error {
	next, err := NextTicketState(t.State, a)
	if err != nil {
		return err
	}
	first, upd, sol := t.Clock(ClockFirstResponse), t.Clock(ClockNextUpdate), t.Clock(ClockSolution)
	switch a {
	case TicketRespond:
		first.Meet(now)
		upd.Start(now, sla.UpdateEvery)
	case TicketUpdate:
		// A ticket put to wait before its first response comes back in
		// progress: its first update is its response.
		first.Meet(now)
		upd.Start(now, sla.UpdateEvery)
	case TicketWait:
		for i := range t.Clocks {
			t.Clocks[i].Pause(now)
		}
	case TicketResume:
		for i := range t.Clocks {
			t.Clocks[i].Resume(now)
		}
		if first.MetAt != nil && upd.Due.IsZero() {
			upd.Start(now, sla.UpdateEvery)
		}
	case TicketSolve:
		first.Meet(now)
		sol.Meet(now)
		upd.Meet(now)
		t.Solved, t.Confirmed, t.SolvedAt = &DeskReport{UserID: user, At: now, Solved: true}, nil, &now
	case TicketConfirm, TicketReopen:
		t.Confirmed = &DeskReport{At: now, Solved: a == TicketConfirm}
		d := t.Decide()
		if a == TicketConfirm && d.State != AgreementAgreed {
			return Errorf(ECONFLICT, "err.desk_not_solved")
		}
		if a == TicketReopen {
			// Not solved: the unit works on it again, on the clocks
			// it had (the solution's due time stands).
			t.Solved, t.Confirmed, t.SolvedAt = nil, nil, nil
			sol.MetAt = nil
			upd.Start(now, sla.UpdateEvery)
		}
	}
	t.State, t.UpdatedAt = next, now
	if !next.Open() {
		t.ClosedAt = &now
	}
	return nil
}

// Decide applies the parties' words to DeskAgreement.
func (t *Ticket) Decide() AgreementDecision[struct{}] {
	confirmed := map[string]*DeskReport{}
	if t.Solved != nil {
		confirmed[PartyHandlingUnit] = t.Solved
	}
	if t.Confirmed != nil {
		confirmed[PartyEnterprise] = t.Confirmed
	}
	return DeskAgreement.Decide(confirmed)
}

// UnconfirmedDue reports whether a solved ticket has waited window for
// the enterprise's confirmation at now.
func (t *Ticket) UnconfirmedDue(window time.Duration, now time.Time) bool {
	return t.State == TicketSolved && t.SolvedAt != nil && !now.Before(t.SolvedAt.Add(window))
}

// Breached reports whether a clock of the ticket stands breached.
func (t *Ticket) Breached() bool {
	return slices.ContainsFunc(t.Clocks, func(c SLAClock) bool { return c.Breached() })
}

// Masked returns a copy of t with its personal data masked, for lists and
// for readers who have not revealed it.
func (t *Ticket) Masked() Ticket {
	c := *t
	c.Contact, c.Phone = MaskName(t.Contact), MaskPhone(t.Phone)
	c.Steps = slices.Clone(t.Steps)
	return c
}
