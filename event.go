package epiloop

import (
	"encoding/json"
	"slices"
	"time"
)

// Event kinds. Every change to a lead or task writes one, in the same
// transaction; the timeline, the live stream and webhooks read them.
const (
	EventLeadCreated     = "lead.created"
	EventLeadMerged      = "lead.merged"
	EventLeadImported    = "lead.imported"
	EventLeadPushed      = "lead.pushed"
	EventLeadUnroutable  = "lead.unroutable"
	EventLeadRouted      = "lead.routed"
	EventLeadRerouted    = "lead.rerouted"
	EventLeadConflict    = "lead.conflict"
	EventLeadClosed      = "lead.closed"
	EventLeadHandedOver  = "lead.handed_over"
	EventLeadAdjudicated = "lead.adjudicated"
	EventLeadRepushed    = "lead.repushed"
	EventTaskPushed      = "task.pushed"
	EventTaskAccepted    = "task.accepted"
	EventTaskReturned    = "task.returned"
	EventTaskSubmitted   = "task.submitted"
	EventTaskCancelled   = "task.cancelled"
	EventTaskEscalated   = "task.escalated"
)

// Event is one change. It carries the jurisdiction of the lead at the time
// (district and the units holding tasks) so that the live stream can show
// each user only what they may see. Data never holds identity numbers,
// phones or names.
type Event struct {
	ID       int64           `json:"id"`
	Time     time.Time       `json:"time"`
	Kind     string          `json:"kind"`
	LeadID   int64           `json:"lead_id,omitempty"`
	TaskID   int64           `json:"task_id,omitempty"`
	ActorID  int64           `json:"actor_id,omitempty"`
	District string          `json:"district,omitempty"`
	Units    []string        `json:"units,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`

	// enc is the encoding Encode kept.
	enc []byte
}

// JSON returns the event's JSON encoding, the one Encode kept if any.
func (e *Event) JSON() []byte {
	if e.enc != nil {
		return e.enc
	}
	type plain Event // the fields, without the methods
	b, _ := json.Marshal((*plain)(e))
	return b
}

// Encode computes the encoding once and keeps it, before the event is
// shared: a live stream sends one event to thousands of watchers.
func (e *Event) Encode() { e.enc = e.JSON() }

// VisibleTo reports whether u may receive the event.
func (e *Event) VisibleTo(u *User) bool {
	s := u.Scope()
	switch {
	case s.All:
		return true
	case s.District != "":
		return e.District == s.District
	case s.Unit != "":
		return slices.Contains(e.Units, s.Unit)
	}
	return false
}

// NewEvent builds an event for a lead at time t with the given data (which
// must marshal; it is the caller's own map or struct).
func NewEvent(kind string, l *Lead, t time.Time, actor int64, data any) *Event {
	e := &Event{Time: t, Kind: kind, ActorID: actor}
	if l != nil {
		e.LeadID = l.ID
		e.District = l.DistrictCode
		for _, tk := range l.Tasks {
			if !slices.Contains(e.Units, tk.UnitCode) {
				e.Units = append(e.Units, tk.UnitCode)
			}
		}
	}
	if data != nil {
		b, err := json.Marshal(data)
		if err == nil {
			e.Data = b
		}
	}
	return e
}
