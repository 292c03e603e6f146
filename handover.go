package epiloop

import (
	"strings"
	"time"
)

// The shift hand-over (交接班): at the boundary between two slots of a
// post, the outgoing and the incoming officer each confirm a structured
// hand-over; it is an agreement (HandoverAgreement) that closes when both
// confirmed the same figures and, not closed HandoverGrace after the
// boundary, escalates to the node's leader. Escalations and overdue
// hand-overs land in the duty inbox (DutyItem) of the person they reach.

// Hand-over parties.
const (
	PartyOutgoing = "outgoing"
	PartyIncoming = "incoming"
)

// Hand-over event kinds (EventKinds): a side confirmed, both agreed, not
// closed in time.
const (
	EventHandoverConfirmed = "handover.confirmed"
	EventHandoverClosed    = "handover.closed"
	EventHandoverOverdue   = "handover.overdue"
)

// HandoverGrace is how long after its boundary a hand-over may stay open
// before it escalates.
const HandoverGrace = 30 * time.Minute

// HandoverWindow is how long before and after a boundary an officer of
// either slot may confirm the hand-over.
const HandoverWindow = 2 * time.Hour

// HandoverLate is how long after its boundary a hand-over may still be
// confirmed (an overdue one closes late rather than never), and how far
// back the sweep looks for late ones.
const HandoverLate = 12 * time.Hour

// MaxHandoverCount bounds the figures of a hand-over.
const MaxHandoverCount = 10_000_000

// HandoverReport is one officer's confirmation: the figures handed over
// (open conflicts, overdue tasks, alerts of the node's scope) and a free
// note. The note is free text and kept sealed.
type HandoverReport struct {
	OpenConflicts *int      `json:"open_conflicts"`
	OverdueTasks  *int      `json:"overdue_tasks"`
	Alerts        *int      `json:"alerts"`
	Note          string    `json:"note,omitempty"`
	UserID        int64     `json:"user_id"`
	At            time.Time `json:"at"`
}

// Validate checks that a report carries every figure, within range, and
// a note within MaxDutyText.
func (r *HandoverReport) Validate() error {
	for _, f := range []struct {
		name string
		v    *int
	}{{"open_conflicts", r.OpenConflicts}, {"overdue_tasks", r.OverdueTasks}, {"alerts", r.Alerts}} {
		if f.v == nil {
			return FieldError(f.name, "err.handover_figure_required")
		}
		if *f.v < 0 || *f.v > MaxHandoverCount {
			return FieldError(f.name, "err.handover_figure_range", MaxHandoverCount)
		}
	}
	if len(r.Note) > MaxDutyText {
		return FieldError("note", "err.duty_text_too_long", MaxDutyText)
	}
	return nil
}

// Reasons a hand-over's two reports disagree.
const (
	ReasonHandoverConflicts = "open_conflicts_differ"
	ReasonHandoverOverdue   = "overdue_tasks_differ"
	ReasonHandoverAlerts    = "alerts_differ"
)

// HandoverAgreement is the shift hand-over's agreement: the incoming
// officer takes over the figures the outgoing one handed over; a
// difference keeps it open until one of them corrects theirs.
var HandoverAgreement = AgreementRule[*HandoverReport, struct{}]{
	Name:     "shift_handover",
	Parties:  []string{PartyOutgoing, PartyIncoming},
	Required: func(r *HandoverReport) error { return r.Validate() },
	Compare: func(cs []*HandoverReport) (struct{}, bool, []string) {
		a, b := cs[0], cs[1]
		var reasons []string
		if *a.OpenConflicts != *b.OpenConflicts {
			reasons = append(reasons, ReasonHandoverConflicts)
		}
		if *a.OverdueTasks != *b.OverdueTasks {
			reasons = append(reasons, ReasonHandoverOverdue)
		}
		if *a.Alerts != *b.Alerts {
			reasons = append(reasons, ReasonHandoverAlerts)
		}
		return struct{}{}, len(reasons) == 0, reasons
	},
	EscalateAfter: HandoverGrace,
	EscalateTo:    "node_leader",
}

// Handover is the hand-over of a post at one boundary: the end of the
// outgoing slot, the start of the incoming one.
type Handover struct {
	ID        int64           `json:"id"`
	PostID    int64           `json:"post_id"`
	NodeCode  string          `json:"node"`
	Boundary  time.Time       `json:"boundary"`
	OutSlotID int64           `json:"outgoing_slot_id"`
	InSlotID  int64           `json:"incoming_slot_id,omitempty"`
	Outgoing  *HandoverReport `json:"outgoing,omitempty"`
	Incoming  *HandoverReport `json:"incoming,omitempty"`
	State     AgreementState  `json:"state"`
	Reasons   []string        `json:"reasons,omitempty"`
	// ClosedAt is when both reports agreed.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// EscalatedAt is when the open hand-over escalated, to EscalatedTo.
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	EscalatedTo int64      `json:"escalated_to,omitempty"`
	Post        Post       `json:"post"`
}

// Decide applies the hand-over's reports to the agreement and sets its
// state (and ClosedAt at now when they agree).
func (h *Handover) Decide(now time.Time) {
	confirmed := map[string]*HandoverReport{}
	if h.Outgoing != nil {
		confirmed[PartyOutgoing] = h.Outgoing
	}
	if h.Incoming != nil {
		confirmed[PartyIncoming] = h.Incoming
	}
	d := HandoverAgreement.Decide(confirmed)
	h.State, h.Reasons = d.State, d.Reasons
	if d.State == AgreementAgreed && h.ClosedAt == nil {
		h.ClosedAt = &now
	}
}

// HandoverFilter selects hand-overs whose boundary is in From..To, of a
// node, open ones only with Open.
type HandoverFilter struct {
	Node   *string
	Post   *int64
	From   time.Time
	To     time.Time
	Open   bool
	Offset int
	Limit  int
}

// DutyItemKind is what reached a person's duty inbox.
type DutyItemKind string

const (
	// DutyItemEscalation: an overdue task escalated to the node the
	// person held the duty post of.
	DutyItemEscalation DutyItemKind = "escalation"
	// DutyItemHandoverOverdue: a hand-over of the person's node not
	// closed HandoverGrace after its boundary (to the node's leader).
	DutyItemHandoverOverdue DutyItemKind = "handover_overdue"
)

// DutyItem is one entry of a person's duty inbox: what escalated to them
// because they held the node's duty post at that moment (or lead it).
// It carries ids only; the lead is read through the audited API.
type DutyItem struct {
	ID         int64        `json:"id"`
	UserID     int64        `json:"user_id"`
	Kind       DutyItemKind `json:"kind"`
	NodeCode   string       `json:"node"`
	PostID     int64        `json:"post_id,omitempty"`
	LeadID     int64        `json:"lead_id,omitempty"`
	TaskID     int64        `json:"task_id,omitempty"`
	HandoverID int64        `json:"handover_id,omitempty"`
	Level      string       `json:"level,omitempty"`
	// Ref names the object the item is about beside a lead, a task or a
	// hand-over, as kind:key (DutyRef: place:PL123, ticket:12,
	// facility:DT210102001); the inbox links to its page.
	Ref       string     `json:"ref,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
}

// HandoverTx stores hand-overs and the duty inbox.
type HandoverTx interface {
	// FindHandover returns the hand-over of a post at a boundary, with
	// lock held for an update (ENOTFOUND when none was started).
	FindHandover(postID int64, boundary time.Time, lock bool) (*Handover, error)
	FindHandoverByID(id int64) (*Handover, error)
	// SaveHandover creates (ID 0) or updates a hand-over.
	SaveHandover(h *Handover) error
	FindHandovers(f HandoverFilter) ([]Handover, error)
	CreateDutyItem(it *DutyItem) error
	// FindDutyItems returns a person's inbox, newest first; open only
	// with open.
	FindDutyItems(userID int64, open bool, limit int) ([]DutyItem, error)
	// MarkDutyItemDone closes an item of the user (ENOTFOUND otherwise).
	MarkDutyItemDone(id, userID int64, at time.Time) error
}

// PreferredDutyPosts is the order in which a node's posts answer for it:
// an escalation goes to the first of these that has someone on duty.
var PreferredDutyPosts = []PostKind{PostDutyChief, PostLeaderOnDuty, PostDutyOfficer, PostCheckpointChief}

// The kinds of object a duty item's Ref names.
const (
	RefPlace    = "place"    // a place with an overdue rectification (its code)
	RefTicket   = "ticket"   // a service desk request (its id)
	RefFacility = "facility" // a detention facility (its place code)
)

// DutyRef is the Ref of a duty item about the object kind key.
func DutyRef(kind, key string) string { return kind + ":" + key }

// ParseDutyRef splits a duty item's Ref into its kind and key.
func ParseDutyRef(ref string) (kind, key string, ok bool) {
	kind, key, ok = strings.Cut(ref, ":")
	return kind, key, ok && key != ""
}
