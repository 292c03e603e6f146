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
