package epiloop

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The enterprise resumption service desk (复工复产服务): a catalogue of
// service measures, each with its responsible unit and SLA; tickets from
// the public online form, from appointments and from the hotline, routed
// to the measure's unit; three SLA clocks per ticket, paused while the
// desk waits for the enterprise and escalated through the duty roster
// when breached; and a ticket that closes only when the handling unit
// marks it solved and the enterprise confirms (DeskAgreement), or, left
// unconfirmed, closes as unconfirmed after DefaultDeskConfirmDays.

// DeskMode is how a measure is served.
type DeskMode string

const (
	DeskOnline      DeskMode = "online"      // 网上办
	DeskAppointment DeskMode = "appointment" // 预约办
	DeskBoth        DeskMode = "both"
)

// DeskModes lists the modes in display order.
var DeskModes = []DeskMode{DeskOnline, DeskAppointment, DeskBoth}

// Serves reports whether a measure of mode m takes tickets from source.
func (m DeskMode) Serves(src TicketSource) bool {
	switch src {
	case SourceOnline:
		return m == DeskOnline || m == DeskBoth
	case SourceAppointment:
		return m == DeskAppointment || m == DeskBoth
	}
	return src == SourceHotlineDesk // the hotline takes every measure
}

// DeskSLA is a measure's service level: the first response, the interval
// between updates, and the solution, each from the ticket's creation
// (the update's from the last update).
type DeskSLA struct {
	FirstResponse time.Duration `json:"-"`
	UpdateEvery   time.Duration `json:"-"`
	Solution      time.Duration `json:"-"`
}

// Bounds of an SLA's durations.
const (
	MinDeskSLA = 10 * time.Minute
	MaxDeskSLA = 60 * 24 * time.Hour
)

// GreenChannelSLA is the green channel's service level: the shortest
// of the desk. A green-channel ticket takes, clock by clock, the shorter
// of its measure's and this (TicketSLA).
var GreenChannelSLA = DeskSLA{FirstResponse: 30 * time.Minute, UpdateEvery: 2 * time.Hour, Solution: 24 * time.Hour}

// TicketSLA is the service level a ticket of measure m runs on.
func TicketSLA(m *ServiceMeasure, green bool) DeskSLA {
	s := m.SLA
	if green {
		s.FirstResponse = min(s.FirstResponse, GreenChannelSLA.FirstResponse)
		s.UpdateEvery = min(s.UpdateEvery, GreenChannelSLA.UpdateEvery)
		s.Solution = min(s.Solution, GreenChannelSLA.Solution)
	}
	return s
}

// ServiceMeasure is one service measure of the catalogue (稳岗返还, 社保缓缴 …).
type ServiceMeasure struct {
	ID       int64    `json:"id"`
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Mode     DeskMode `json:"mode"`
	UnitCode string   `json:"unit"`
	// The SLA in minutes, as the API and the pages take it.
	FirstResponseMin int       `json:"first_response_min"`
	UpdateEveryMin   int       `json:"update_every_min"`
	SolutionMin      int       `json:"solution_min"`
	SLA              DeskSLA   `json:"-"`
	Active           bool      `json:"active"`
	UpdatedAt        time.Time `json:"updated_at"`
	// UnitName is the responsible unit's name, for lists.
	UnitName string `json:"unit_name,omitempty"`
}

// MaxDeskName bounds a measure's, an enterprise's and a project's name.
const MaxDeskName = 200

// Validate checks a measure's own fields and sets SLA from the minutes;
// that its unit is a department is the workflow's to check.
func (m *ServiceMeasure) Validate() error {
	m.SLA = DeskSLA{FirstResponse: time.Duration(m.FirstResponseMin) * time.Minute,
		UpdateEvery: time.Duration(m.UpdateEveryMin) * time.Minute, Solution: time.Duration(m.SolutionMin) * time.Minute}
	switch {
	case m.Code == "" || len(m.Code) > 32:
		return FieldError("code", "err.desk_measure_code")
	case strings.TrimSpace(m.Name) == "" || utf8.RuneCountInString(m.Name) > MaxDeskName:
		return FieldError("name", "err.desk_name_required", MaxDeskName)
	case !slices.Contains(DeskModes, m.Mode):
		return FieldError("mode", "err.desk_mode")
	case m.UnitCode == "":
		return FieldError("unit", "err.desk_unit_required")
	}
	for _, c := range []struct {
		field string
		d     time.Duration
	}{{"first_response_min", m.SLA.FirstResponse}, {"update_every_min", m.SLA.UpdateEvery}, {"solution_min", m.SLA.Solution}} {
		if c.d < MinDeskSLA || c.d > MaxDeskSLA {
			return FieldError(c.field, "err.desk_sla_range", int(MinDeskSLA.Minutes()), int(MaxDeskSLA.Minutes()))
		}
	}
	if m.SLA.FirstResponse > m.SLA.Solution {
		return FieldError("solution_min", "err.desk_sla_order")
	}
	return nil
}

// SetSLA sets the SLA and its minutes.
func (m *ServiceMeasure) SetSLA(s DeskSLA) {
	m.SLA = s
	m.FirstResponseMin, m.UpdateEveryMin, m.SolutionMin = int(s.FirstResponse.Minutes()), int(s.UpdateEvery.Minutes()), int(s.Solution.Minutes())
}

// TicketSource is where a ticket came from.
type TicketSource string

const (
	SourceOnline      TicketSource = "online"      // the public form
	SourceAppointment TicketSource = "appointment" // a booked slot
	SourceHotlineDesk TicketSource = "hotline"     // typed in by an operator
)

// TicketSources lists the sources in display order.
var TicketSources = []TicketSource{SourceOnline, SourceAppointment, SourceHotlineDesk}

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

// TicketInput is what a ticket is made from, by any source.
type TicketInput struct {
	Measure    string `json:"measure"`
	District   string `json:"district"`
	Enterprise string `json:"enterprise"`
	CreditCode string `json:"credit_code"`
	Contact    string `json:"contact"`
	Phone      string `json:"phone"`
	Detail     string `json:"detail"`
	Project    string `json:"project"`
	SlotID     int64  `json:"slot_id,omitempty"`
}

// Normalize trims the input, upper-cases the credit code and normalizes
// the phone, and checks every field; the first refusal names its field.
func (in *TicketInput) Normalize() error {
	in.Measure, in.District = strings.TrimSpace(in.Measure), strings.TrimSpace(in.District)
	in.Enterprise, in.Contact = strings.TrimSpace(in.Enterprise), strings.TrimSpace(in.Contact)
	in.Detail, in.Project = strings.TrimSpace(in.Detail), strings.TrimSpace(in.Project)
	in.CreditCode = strings.ToUpper(strings.TrimSpace(toHalfWidth(in.CreditCode)))
	switch {
	case in.Measure == "":
		return FieldError("measure", "err.desk_measure_required")
	case in.District == "":
		return FieldError("district", "err.desk_district_required")
	case in.Enterprise == "" || utf8.RuneCountInString(in.Enterprise) > MaxDeskName:
		return FieldError("enterprise", "err.desk_enterprise_required", MaxDeskName)
	}
	if err := CheckCreditCode(in.CreditCode); err != nil {
		return err
	}
	switch {
	case in.Contact == "" || utf8.RuneCountInString(in.Contact) > 32:
		return FieldError("contact", "err.desk_contact_required")
	}
	p, err := NormalizeDeskPhone(in.Phone)
	if err != nil {
		return err
	}
	in.Phone = p
	switch {
	case utf8.RuneCountInString(in.Detail) < 5 || utf8.RuneCountInString(in.Detail) > MaxDeskDetail:
		return FieldError("detail", "err.desk_detail", 5, MaxDeskDetail)
	case utf8.RuneCountInString(in.Project) > MaxDeskName:
		return FieldError("project", "err.desk_project", MaxDeskName)
	}
	return nil
}

func toHalfWidth(s string) string {
	return strings.Map(halfWidthRune, s)
}

// NormalizeDeskPhone accepts a mainland mobile (NormalizePhone) or a
// landline with its area code ("024-23456789"), the way enterprises give
// their contact numbers.
func NormalizeDeskPhone(s string) (string, error) {
	if p, err := NormalizePhone(s); err == nil {
		return p, nil
	}
	var digits []byte
	for _, r := range toHalfWidth(s) {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '-' || r == ' ' || r == '(' || r == ')':
		default:
			return "", FieldError("phone", "err.desk_phone")
		}
	}
	if len(digits) < 10 || len(digits) > 12 || digits[0] != '0' {
		return "", FieldError("phone", "err.desk_phone")
	}
	return string(digits), nil
}

// The unified social credit code (统一社会信用代码, GB 32100-2015): 18
// characters of creditAlphabet, the last a check character over the
// first 17 with creditWeights.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the check character of a code's first 17
// characters (0 when one is not of the alphabet).
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31]
}

// CheckCreditCode checks a unified social credit code: its length, its
// characters and its check character, each with its own reason.
func CheckCreditCode(code string) error {
	switch {
	case len(code) != 18:
		return FieldError("credit_code", "err.desk_credit_length")
	case strings.IndexFunc(code, func(r rune) bool { return !strings.ContainsRune(creditAlphabet, r) }) >= 0:
		return FieldError("credit_code", "err.desk_credit_chars")
	case CreditCheckChar(code[:17]) != code[17]:
		return FieldError("credit_code", "err.desk_credit_check")
	}
	return nil
}

// MaskCreditCode shows a credit code's registration authority and type
// and its last four characters: "91**********12345X" style, enough for an
// enterprise to recognise its own.
func MaskCreditCode(s string) string { return maskRunes(s, 2, 4) }

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

// TicketFilter selects tickets; a department's are its unit's.
type TicketFilter struct {
	Unit     *string
	State    *TicketState
	Open     bool
	Breached bool
	Green    bool
	// SolvedBefore selects solved tickets solved before it (the
	// unconfirmed closer's).
	SolvedBefore *time.Time
	Offset       int
	Limit        int
}

// DueClock is a running clock past due, not yet recorded as breached.
type DueClock struct {
	TicketID int64
	Kind     ClockKind
}

// DeskSlot is an appointment slot of a service window: a date, a window,
// a time and how many it takes.
type DeskSlot struct {
	ID       int64  `json:"id"`
	Date     string `json:"date"`
	Window   string `json:"window"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
}

// MaxSlotCapacity bounds a slot's capacity.
const MaxSlotCapacity = 200

// Validate checks a slot's fields.
func (s *DeskSlot) Validate() error {
	s.Window = strings.TrimSpace(s.Window)
	switch {
	case AddDays(s.Date, 0) != s.Date || s.Date == "":
		return FieldError("date", "err.desk_slot_date")
	case s.Window == "" || utf8.RuneCountInString(s.Window) > 64:
		return FieldError("window", "err.desk_slot_window")
	case !clockTime(s.Start):
		return FieldError("start", "err.desk_slot_time")
	case !clockTime(s.End) || s.End <= s.Start:
		return FieldError("end", "err.desk_slot_end")
	case s.Capacity < 1 || s.Capacity > MaxSlotCapacity:
		return FieldError("capacity", "err.desk_slot_capacity", MaxSlotCapacity)
	}
	return nil
}

// clockTime reports whether s is a time of day "HH:MM".
func clockTime(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil && len(s) == 5
}

// Full reports whether the slot has no place left.
func (s *DeskSlot) Full() bool { return s.Booked >= s.Capacity }

// The desk's figures (DeskFigures), for the dashboard tile and the daily
// report: open tickets, breached clocks standing, green-channel tickets
// open, tickets closed unconfirmed, and tickets solved in the last
// seven days.
const (
	MetricDeskOpen        = "desk_open"
	MetricDeskBreached    = "desk_breached"
	MetricDeskGreenOpen   = "desk_green_open"
	MetricDeskUnconfirmed = "desk_unconfirmed"
	MetricDeskSolvedWeek  = "desk_solved_week"
)

// DeskMetrics lists the desk's figures in display order.
var DeskMetrics = []string{MetricDeskOpen, MetricDeskBreached, MetricDeskGreenOpen, MetricDeskUnconfirmed, MetricDeskSolvedWeek}

// DeskWeek is the window of MetricDeskSolvedWeek.
const DeskWeek = 7 * 24 * time.Hour

// DeskContribution is what one ticket adds to the desk's figures at now:
// a pure function of its rows, which the figures and their recount share.
func DeskContribution(t *Ticket, now time.Time) []string {
	var out []string
	if t.State.Open() {
		out = append(out, MetricDeskOpen)
		if t.Green {
			out = append(out, MetricDeskGreenOpen)
		}
		for _, c := range t.Clocks {
			if c.Breached() {
				out = append(out, MetricDeskBreached)
			}
		}
	}
	if t.State == TicketUnconfirmed {
		out = append(out, MetricDeskUnconfirmed)
	}
	if t.SolvedAt != nil && now.Sub(*t.SolvedAt) < DeskWeek && t.State != TicketInProgress {
		out = append(out, MetricDeskSolvedWeek)
	}
	return out
}

// Desk event kinds (EventKinds).
const (
	EventTicketCreated  = "ticket.created"
	EventTicketStep     = "ticket.step"
	EventTicketBreached = "ticket.breached"
	EventTicketClosed   = "ticket.closed"
	EventMeasureSaved   = "measure.saved"
)

// Duty inbox items of the desk: a breached clock (to whoever holds the
// headquarters' duty post), and a green-channel ticket (to the leader on
// duty at the headquarters).
const (
	DutyItemDeskBreached DutyItemKind = "desk_breached"
	DutyItemDeskGreen    DutyItemKind = "desk_green"
)

// TicketInScope reports whether t is in scope s: every ticket for the
// city, the enterprises' of a district, a handling unit's own.
func TicketInScope(s Scope, t *Ticket) bool {
	return inScope(s, t.DistrictCode, func(unit string) bool { return unit == t.UnitCode })
}

// TicketVisible reports whether u may see ticket t: city-wide readers
// (the desk, commanders) every ticket, a department its unit's.
func TicketVisible(u *User, t *Ticket) bool {
	return u.Can(ActReadDesk) && TicketInScope(u.Scope(), t)
}

// MayHandleTicket reports whether u may take the unit's steps on t:
// commanders, and staff of its handling unit.
func MayHandleTicket(u *User, t *Ticket) bool {
	return u.Can(ActHandleDesk) && TicketVisible(u, t) && (u.Scope().All || u.UnitCode == t.UnitCode)
}

// DeskTx stores the desk's catalogue, tickets, clocks and slots.
type DeskTx interface {
	// SaveMeasure creates (by code) or replaces a measure.
	SaveMeasure(m *ServiceMeasure) error
	FindMeasureByCode(code string) (*ServiceMeasure, error)
	FindMeasureByID(id int64) (*ServiceMeasure, error)
	// FindMeasures returns the catalogue by code (active ones only with
	// active).
	FindMeasures(active bool) ([]ServiceMeasure, error)
	// CreateTicket inserts a ticket with its clocks (ECONFLICT when its
	// number is taken).
	CreateTicket(t *Ticket) error
	// SaveTicket writes a ticket's own fields and its clocks.
	SaveTicket(t *Ticket) error
	// FindTicketByID loads a ticket with its clocks and steps; with lock
	// it is locked for update until the transaction ends.
	FindTicketByID(id int64, lock bool) (*Ticket, error)
	FindTicketByNumber(number string) (*Ticket, error)
	// FindTickets returns one page of tickets (with clocks, without
	// steps), newest first, and the total.
	FindTickets(f TicketFilter) ([]Ticket, int, error)
	AddTicketStep(ticketID int64, s *TicketStep) error
	// FindDueClocks returns running clocks due at now not yet recorded
	// breached, by due time.
	FindDueClocks(now time.Time, limit int) ([]DueClock, error)
	// DeskTickets returns the tickets (with clocks, without steps) after
	// an id, by id, of a unit or all: the figures' pass over the rows.
	DeskTickets(unit *string, after int64, limit int) ([]Ticket, error)
	SaveDeskSlot(s *DeskSlot) error
	FindDeskSlotByID(id int64) (*DeskSlot, error)
	// FindDeskSlots returns the slots of the dates from..to, by date,
	// window and start.
	FindDeskSlots(from, to string) ([]DeskSlot, error)
	// BookDeskSlot takes one place of a slot; ECONFLICT when it is full.
	BookDeskSlot(id int64) error
}
