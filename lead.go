package epiloop

import (
	"slices"
	"strings"
	"time"
)

// LeadStatus is where a lead stands in the closed loop.
type LeadStatus string

const (
	LeadUnroutable LeadStatus = "unroutable"
	LeadPushed     LeadStatus = "pushed"
	LeadVerifying  LeadStatus = "verifying"
	LeadConflict   LeadStatus = "conflict"
	LeadClosed     LeadStatus = "closed"
	LeadHandedOver LeadStatus = "handed_over"
)

// Valid reports whether s is a known lead status.
func (s LeadStatus) Valid() bool {
	switch s {
	case LeadUnroutable, LeadPushed, LeadVerifying, LeadConflict, LeadClosed, LeadHandedOver:
		return true
	}
	return false
}

// Open reports whether the lead still needs work.
func (s LeadStatus) Open() bool { return !slices.Contains(ClosedLeadStatuses, s) }

// leadTransitions lists the moves the loop allows. A new lead starts
// unroutable and is pushed as soon as its address is matched.
var leadTransitions = map[LeadStatus][]LeadStatus{
	LeadUnroutable: {LeadPushed},
	LeadPushed:     {LeadVerifying, LeadUnroutable, LeadPushed, LeadConflict, LeadClosed, LeadHandedOver},
	LeadVerifying:  {LeadVerifying, LeadConflict, LeadClosed, LeadHandedOver, LeadPushed, LeadUnroutable},
	LeadConflict:   {LeadClosed, LeadHandedOver, LeadPushed, LeadUnroutable},
}

// CanMoveLead reports whether a lead may go from one status to another.
func CanMoveLead(from, to LeadStatus) bool {
	for _, s := range leadTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Move changes the lead's status to to, if leadTransitions allows it: the
// workflows change a lead's status only through Move, so an illegal move
// is refused (conflict) whichever path attempts it.
func (l *Lead) Move(to LeadStatus) error {
	if !CanMoveLead(l.Status, to) {
		return Errorf(ECONFLICT, "err.lead_cannot_move", M("lead.status."+string(l.Status)), M("lead.status."+string(to)))
	}
	l.Status = to
	return nil
}

// Priority orders the work and sets the SLA.
type Priority string

const (
	PriorityUrgent Priority = "urgent"
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	return p == PriorityUrgent || p == PriorityHigh || p == PriorityNormal
}

// rank orders priorities: a merge never lowers a lead's priority.
func (p Priority) rank() int {
	switch p {
	case PriorityUrgent:
		return 3
	case PriorityHigh:
		return 2
	}
	return 1
}

// Higher returns the higher of two priorities.
func (p Priority) Higher(q Priority) Priority {
	if q.rank() > p.rank() {
		return q
	}
	return p
}

// SourceKind says where a lead came from.
type SourceKind string

// Source kinds accepted by the API.
const (
	SourceHotline    SourceKind = "hotline"
	SourceHealth     SourceKind = "health"
	SourceRail       SourceKind = "rail"
	SourceRoad       SourceKind = "road"
	SourceCheckpoint SourceKind = "checkpoint"
	SourceCity       SourceKind = "city"
	SourceOther      SourceKind = "other"
)

// Valid reports whether k is a known source kind.
func (k SourceKind) Valid() bool { return slices.Contains(SourceKinds, k) }

// SourceKinds lists every kind of source, in the order forms and usage
// show them.
var SourceKinds = []SourceKind{SourceRail, SourceRoad, SourceHealth, SourceHotline, SourceCheckpoint, SourceCity, SourceOther}

// SourceKindList is SourceKinds for a message or a usage line, joined by
// sep.
func SourceKindList(sep string) string {
	out := make([]string, len(SourceKinds))
	for i, k := range SourceKinds {
		out[i] = string(k)
	}
	return strings.Join(out, sep)
}

// InvalidSource is the error of a source kind that is not one of
// SourceKinds, on field.
func InvalidSource(field string) error {
	return FieldError(field, "err.source_one_of", SourceKindList(", "))
}

// Person is someone a lead is about. IDNumber and Phone are personal data:
// never logged, masked on screen unless the viewer may see them.
type Person struct {
	ID       int64  `json:"-"`
	IDNumber string `json:"id_number,omitempty"`
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Normalize validates and normalises the identity in place: the ID number
// to its 18-character form, the phone to 11 digits, the name's spaces.
func (p *Person) Normalize() error {
	p.Name = NormalizeName(p.Name)
	if strings.TrimSpace(p.IDNumber) != "" {
		id, err := NormalizeIDNumber(p.IDNumber)
		if err != nil {
			return prefixField(err, "person.")
		}
		p.IDNumber = id
	} else {
		p.IDNumber = ""
	}
	if strings.TrimSpace(p.Phone) != "" {
		ph, err := NormalizePhone(p.Phone)
		if err != nil {
			return prefixField(err, "person.")
		}
		p.Phone = ph
	} else {
		p.Phone = ""
	}
	switch {
	case p.IDNumber == "" && p.Phone == "":
		return ReasonError("person.id_number", "identity_missing")
	case p.IDNumber == "" && p.Name == "":
		return ReasonError("person.name", "name_missing")
	case len(p.Name) > 128:
		return ReasonError("person.name", "name_too_long")
	}
	return nil
}

func prefixField(err error, prefix string) error {
	if e, ok := err.(*Error); ok && e.Field != "" {
		c := *e
		c.Field = prefix + e.Field
		return &c
	}
	return err
}

// Masked returns a copy with the ID number, phone and name masked.
func (p Person) Masked() Person {
	p.IDNumber = MaskIDNumber(p.IDNumber)
	p.Phone = MaskPhone(p.Phone)
	return p
}

// Reason is why a person is at risk.
type Reason struct {
	// Origin is where the person came from: a division code or name.
	Origin       string `json:"origin,omitempty"`
	ArrivalDate  string `json:"arrival_date,omitempty"`
	Fever        bool   `json:"fever"`
	CloseContact bool   `json:"close_contact"`
	Note         string `json:"note,omitempty"`
}

// BlankFreeText empties the note a person typed, keeping the origin,
// dates and flags statistics count: what retention does.
func (r *Reason) BlankFreeText() { r.Note = "" }

// Validate checks the reason's formats.
func (r *Reason) Validate() error {
	if r.ArrivalDate != "" {
		if _, err := time.Parse(time.DateOnly, r.ArrivalDate); err != nil {
			return FieldError("reason.arrival_date", "err.arrival_date_must_yyyy_mm")
		}
	}
	if len(r.Note) > MaxNoteBytes {
		return FieldError("reason.note", "err.note_too_long", MaxNoteBytes)
	}
	return nil
}

// Source is one report that named the person, with its lineage.
type Source struct {
	ID        int64      `json:"id"`
	Kind      SourceKind `json:"kind"`
	Ref       string     `json:"ref,omitempty"`
	File      string     `json:"file,omitempty"`
	Row       int        `json:"row,omitempty"`
	Reason    Reason     `json:"reason"`
	Address   string     `json:"address,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Lead is one at-risk person and why.
type Lead struct {
	ID            int64      `json:"id"`
	Person        Person     `json:"person"`
	Status        LeadStatus `json:"status"`
	Priority      Priority   `json:"priority"`
	Address       string     `json:"address"`
	CommunityCode string     `json:"-"`
	DistrictCode  string     `json:"district,omitempty"`
	Reason        Reason     `json:"reason"`
	// Outcome is the agreed or adjudicated result once closed.
	Outcome *Feedback `json:"outcome,omitempty"`
	// Conflict lists the reconcile reasons while the lead is in conflict.
	Conflict []string `json:"conflict,omitempty"`
	// Marks flag what a commander should look at (LeadMarks).
	Marks []string `json:"marks,omitempty"`
	// Round counts pushes: tasks of the current round are the live ones.
	Round int `json:"round"`
	// Overdue is set by escalation while a live task is past its deadline.
	Overdue   bool       `json:"overdue"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`

	// Tasks, Sources are loaded with the lead.
	Tasks   []*Task   `json:"tasks"`
	Sources []*Source `json:"sources,omitempty"`
}

// Lead marks: what a workflow noticed and left for a commander to judge.
const (
	// MarkNameMismatch: the person's ID number arrived (in an import or a
	// report) under another name than the one recorded. The report was
	// merged, as the ID number decides, and the lead marked.
	MarkNameMismatch = "name_mismatch"
	// MarkPersonMerged: the lead's person was merged into another record
	// of them whose open lead took this one's reports (merge.go).
	MarkPersonMerged = "person_merged"
)

// LeadMarks lists every mark, in the order the lead page shows them.
var LeadMarks = []string{MarkNameMismatch, MarkPersonMerged}

// Mark adds m to the lead's marks once and reports whether it was new.
func (l *Lead) Mark(m string) bool {
	if slices.Contains(l.Marks, m) {
		return false
	}
	l.Marks = append(l.Marks, m)
	return true
}

// NameMismatch reports whether a report naming arriving for a person
// recorded as known is under another name: both are named and the names
// differ beyond spacing and letter case. A name that fills in a person
// recorded without one is no mismatch.
func NameMismatch(known, arriving string) bool {
	known, arriving = NormalizeName(known), NormalizeName(arriving)
	return known != "" && arriving != "" && !strings.EqualFold(known, arriving)
}

// LiveTasks returns the tasks of the current round that are not cancelled.
func (l *Lead) LiveTasks() []*Task {
	var out []*Task
	for _, t := range l.Tasks {
		if t.Round == l.Round && t.Status != TaskCancelled {
			out = append(out, t)
		}
	}
	return out
}

// LiveTask returns the current round's task for one side, or nil.
func (l *Lead) LiveTask(side UnitKind) *Task {
	for _, t := range l.LiveTasks() {
		if t.Side == side {
			return t
		}
	}
	return nil
}

// PriorityOf decides a lead's priority from its reason: fever or close
// contact of a confirmed case is urgent; arrival from a risk area inside its
// watch window (risky reports that) is high.
func PriorityOf(r Reason, risky bool) Priority {
	switch {
	case r.Fever || r.CloseContact:
		return PriorityUrgent
	case risky:
		return PriorityHigh
	}
	return PriorityNormal
}

// LeadFilter selects leads. Scope is always applied.
type LeadFilter struct {
	Scope Scope
	// Now is when a unit's access is judged (see UnitReadGrace).
	Now       time.Time
	Status    *LeadStatus
	Priority  *Priority
	District  *string
	Overdue   *bool
	Community *string
	// IDs, when set, selects these leads only (a page of tasks' leads).
	IDs []int64
	// Person, when set, selects the leads of the persons a search found
	// (ParsePersonQuery): by blind index, never by opening rows.
	Person *PersonKey
	// NoTasks leaves the leads' tasks unloaded (a page of tasks' leads
	// needs the leads only).
	NoTasks bool
	// Total, when set, is how many leads the filter selects, known to the
	// caller (from the counters): the engine returns it instead of
	// counting — a district's whole list is ≈ 1 M rows at 10 M leads.
	Total *int
	// Before, when > 0, selects IDs below it only: a scan of every row
	// asks for the page after the one that ended at Before, found through
	// the ID index, instead of skipping an ever longer Offset.
	Before int64
	// NoCount skips counting what the filter selects: the total returned
	// is the page's length (a scan page by page does not need it).
	NoCount bool
	Offset  int
	Limit   int
}

// CountedTotal tells how many leads f selects from the funnel counters,
// when the counters keep that number: a city's or a district's list,
// whole or by overdue, or in one of the statuses a counter follows. It
// returns the counter scope to read and how to reckon the total from its
// metrics; ok is false for any other filter, whose rows must be counted.
// Every lead counts once in the city and once in its district (see
// Contribution), and a lead's overdue column is set exactly when it counts
// as overdue, so the figures equal the rows — a district's list costs the
// same at 10 M leads as at ten (#22).
func (f LeadFilter) CountedTotal() (scope string, total func(map[string]int64) int64, ok bool) {
	if f.Priority != nil || f.Community != nil || f.IDs != nil || f.Person != nil || f.Before > 0 {
		return "", nil, false
	}
	switch {
	case f.District != nil && (f.Scope.All || f.Scope.District == *f.District):
		scope = DistrictScope(*f.District)
	case f.District != nil:
		return "", nil, false // another district's list in a district: empty, counted at once
	case f.Scope.All:
		scope = ScopeCity
	case f.Scope.District != "":
		scope = DistrictScope(f.Scope.District)
	default:
		return "", nil, false // a unit's leads are the tasks it holds and held
	}
	metric := func(m string) func(map[string]int64) int64 {
		return func(c map[string]int64) int64 { return c[m] }
	}
	switch {
	case f.Status != nil && f.Overdue != nil:
		return "", nil, false
	case f.Overdue != nil && *f.Overdue:
		return scope, metric(MetricOverdue), true
	case f.Overdue != nil:
		return scope, func(c map[string]int64) int64 { return c[MetricReceived] - c[MetricOverdue] }, true
	case f.Status == nil:
		return scope, metric(MetricReceived), true
	}
	switch *f.Status {
	case LeadUnroutable:
		return scope, metric(MetricUnroutable), true
	case LeadConflict:
		return scope, metric(MetricConflict), true
	case LeadHandedOver:
		return scope, metric(MetricHandedOver), true
	case LeadClosed:
		return scope, func(c map[string]int64) int64 { return c[MetricClosed] - c[MetricHandedOver] }, true
	}
	return "", nil, false // pushed and verifying share the open counter
}
