package epiloop

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Event kinds. Every change to a lead or task writes one, in the same
// transaction; the timeline, the live stream and webhooks read them.
const (
	EventLeadCreated = "lead.created"
	EventLeadMerged  = "lead.merged"
	// EventPersonMerged: the lead's person was merged with another record
	// of them (merge.go); EventPersonMergeUndone: the merge was undone.
	EventPersonMerged      = "person.merged"
	EventPersonMergeUndone = "person.merge_undone"
	EventLeadImported      = "lead.imported"
	EventLeadPushed        = "lead.pushed"
	EventLeadUnroutable    = "lead.unroutable"
	EventLeadRouted        = "lead.routed"
	EventLeadRerouted      = "lead.rerouted"
	EventLeadConflict      = "lead.conflict"
	EventLeadClosed        = "lead.closed"
	EventLeadHandedOver    = "lead.handed_over"
	EventLeadAdjudicated   = "lead.adjudicated"
	EventLeadRepushed      = "lead.repushed"
	EventTaskPushed        = "task.pushed"
	EventTaskAccepted      = "task.accepted"
	EventTaskReturned      = "task.returned"
	EventTaskSubmitted     = "task.submitted"
	EventTaskCancelled     = "task.cancelled"
	EventTaskEscalated     = "task.escalated"
)

// EventKind is one kind of event and what it means for the counters, the
// live pages, the timeline and retention. EventKinds is the one list of
// them: a new kind is added there, and everything else asks it.
type EventKind struct {
	Name string
	// Received marks the events that create a lead: the lead counts as
	// received from then on.
	Received bool
	// Closes marks the events that end a lead (closed or handed over).
	Closes bool
	// FreeText names the fields of the data that may hold text a person
	// typed (a note, a reason given in words, an outcome with an
	// address): NewEvent moves them to the event's Detail, kept sealed
	// and never streamed; retention blanks it with the lead's personal
	// data.
	FreeText []string
	// Internal marks the events replicas tell each other (never sent to
	// a live stream or listened to by a page).
	Internal bool
}

// EventCredentialsRevoked tells every replica that a user's sessions or
// tokens ended (a revoke, a password reset, a disabled account, a logout
// everywhere): each forgets the credentials it had checked. Its data is
// the user's id only.
const EventCredentialsRevoked = "credentials.revoked"

// Key is the catalogue key of the kind's description ("event.<kind>"),
// whose parameters the timeline fills from the event's data.
func (k EventKind) Key() string { return "event." + k.Name }

// EventKinds lists every kind of event, the lead's first.
var EventKinds = []EventKind{
	{Name: EventLeadCreated, Received: true},
	{Name: EventLeadImported, Received: true},
	{Name: EventLeadMerged},
	{Name: EventPersonMerged},
	{Name: EventPersonMergeUndone},
	{Name: EventLeadPushed},
	{Name: EventLeadUnroutable},
	{Name: EventLeadRouted},
	{Name: EventLeadRerouted},
	{Name: EventLeadConflict},
	{Name: EventLeadClosed, Closes: true},
	{Name: EventLeadHandedOver, Closes: true},
	{Name: EventLeadAdjudicated, FreeText: []string{"note", "outcome"}},
	{Name: EventLeadRepushed},
	{Name: EventTaskPushed},
	{Name: EventTaskAccepted},
	{Name: EventTaskReturned, FreeText: []string{"reason"}},
	{Name: EventTaskSubmitted},
	{Name: EventTaskCancelled},
	{Name: EventTaskEscalated},
	{Name: EventObservationStarted},
	{Name: EventObservationPending},
	{Name: EventObservationPlaced},
	{Name: EventObservationChecked},
	{Name: EventObservationAlert},
	{Name: EventObservationAbsent},
	{Name: EventObservationOverdue},
	{Name: EventObservationReleaseProposed},
	{Name: EventObservationReleased},
	{Name: EventObservationTransferred},
	{Name: EventScreeningCreated},
	{Name: EventRiskAreaChanged},
	{Name: EventHandoverConfirmed},
	{Name: EventHandoverClosed},
	{Name: EventHandoverOverdue},
	{Name: EventCredentialsRevoked, Internal: true},
	// Places, inspections, deployments (place.go, inspection.go, deployment.go).
	{Name: EventPlaceSaved},
	{Name: EventPlaceClosed},
	{Name: EventPlaceReopened},
	{Name: EventInspectionRecorded},
	{Name: EventRectificationOpened},
	{Name: EventRectificationFixed},
	{Name: EventRectificationChecked},
	{Name: EventRectificationClosed},
	{Name: EventRectificationOverdue},
	{Name: EventDeploymentRequested},
	{Name: EventDeploymentApproved},
	{Name: EventDeploymentOnSite},
	{Name: EventDeploymentEnded},
	{Name: EventPatrolLogged},
	{Name: EventPatrolCorrected, FreeText: []string{"reason"}},
	{Name: EventPatrolVoided, FreeText: []string{"reason"}},
	{Name: EventSortieLogged},
	{Name: EventSortieCorrected, FreeText: []string{"reason"}},
	{Name: EventSortieVoided, FreeText: []string{"reason"}},
	{Name: EventIncidentsEntered},
	{Name: EventVolunteerRegistered},
	{Name: EventVolunteerUpdated},
	{Name: EventVolunteerStatus},
	{Name: EventVolunteerVetted},
	{Name: EventVolunteerImported},
	{Name: EventVolunteerAssigned},
	{Name: EventVolunteerCheckedIn},
	{Name: EventVolunteerCheckedOut},
	// The enterprise service desk (desk.go).
	{Name: EventTicketCreated},
	{Name: EventTicketStep},
	{Name: EventTicketBreached},
	{Name: EventTicketClosed},
	{Name: EventMeasureSaved},
	// The case register (case.go).
	{Name: EventCaseRegistered},
	{Name: EventCaseUpdated},
	{Name: EventCaseTransitioned, FreeText: []string{"note"}},
	{Name: EventCaseSuspectAdded},
	{Name: EventCaseMeasure, FreeText: []string{"note"}},
	{Name: EventCaseGoodsSeized},
	{Name: EventCaseCustody},
	// Detention facilities (detention.go).
	{Name: EventDetentionAreaSaved},
	{Name: EventDetaineeAdmitted},
	{Name: EventDetaineeMoved},
	{Name: EventDetaineeOverride, FreeText: []string{"reason"}},
	{Name: EventDetaineeReleased, FreeText: []string{"reason"}},
	{Name: EventCohortStarted},
	{Name: EventCohortPlanned},
	{Name: EventCohortHandoverConfirmed},
	{Name: EventCohortRelieved},
	{Name: EventCohortOverdue},
	{Name: EventDetentionClosure},
	// The hand-over between cities (xcity.go).
	{Name: EventXCityQueued},
	{Name: EventXCityDelivered},
	{Name: EventXCityReceived},
	{Name: EventXCityAccepted},
	{Name: EventXCityRefused, FreeText: []string{"reason"}},
	{Name: EventXCityResult},
	{Name: EventXCityLetter},
}

// internalKinds are the Internal kinds of EventKinds, by name.
var internalKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range EventKinds {
		if k.Internal {
			m[k.Name] = true
		}
	}
	return m
}()

// FindEventKind returns the kind named name; ok is false for a name not
// in EventKinds.
func FindEventKind(name string) (k EventKind, ok bool) {
	for _, k := range EventKinds {
		if k.Name == name {
			return k, true
		}
	}
	return EventKind{Name: name}, false
}

// EventKindNames returns the names of every kind, in list order (the live
// pages listen to each).
func EventKindNames() []string {
	out := make([]string, 0, len(EventKinds))
	for _, k := range EventKinds {
		if !k.Internal {
			out = append(out, k.Name)
		}
	}
	return out
}

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
	// Detail holds the free text a person typed with the change (an
	// adjudication's note and outcome, a returned task's reason): it is
	// stored sealed beside the event, read only with the lead's timeline
	// (an audited read), and never sent to a live stream.
	Detail json.RawMessage `json:"detail,omitempty"`

	// enc and frame are the encodings Encode kept.
	enc, frame []byte
}

// JSON returns the event's JSON encoding, the one Encode kept if any.
func (e *Event) JSON() []byte {
	if e.enc != nil {
		return e.enc
	}
	type plain Event // the fields, without the methods
	c := *(*plain)(e)
	c.Detail = nil // a stream's encoding never carries free text
	b, _ := json.Marshal(&c)
	return b
}

// Frame returns the event as one message of a server-sent event stream
// (its id, kind and JSON), the one Encode kept if any.
func (e *Event) Frame() []byte {
	if e.frame != nil {
		return e.frame
	}
	js := e.JSON()
	b := make([]byte, 0, len(js)+len(e.Kind)+40)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, "\nevent: "...)
	b = append(b, e.Kind...)
	b = append(b, "\ndata: "...)
	b = append(b, js...)
	return append(b, "\n\n"...)
}

// Encode computes the encodings once and keeps them, before the event is
// shared: a live stream sends one event to thousands of watchers, each
// a copy of the same bytes.
func (e *Event) Encode() {
	e.enc = e.JSON()
	e.frame = e.Frame()
}

// AddUnit lets unit receive the event too (the unit whose task the event
// ends, which no longer sees the lead).
func (e *Event) AddUnit(unit string) {
	if unit != "" && !slices.Contains(e.Units, unit) {
		e.Units = append(e.Units, unit)
	}
}

// VisibleTo reports whether u may receive the event.
func (e *Event) VisibleTo(u *User) bool {
	if internalKinds[e.Kind] {
		return false
	}
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
			if read, _ := l.unitAccess(tk.UnitCode, t); read && !slices.Contains(e.Units, tk.UnitCode) {
				e.Units = append(e.Units, tk.UnitCode)
			}
		}
	}
	if m, ok := data.(map[string]any); ok {
		data = e.splitDetail(m)
	}
	if data != nil {
		b, err := json.Marshal(data)
		if err == nil {
			e.Data = b
		}
	}
	return e
}

// splitDetail moves the free-text fields of the kind out of data into the
// event's Detail, and returns the rest.
func (e *Event) splitDetail(data map[string]any) map[string]any {
	k, _ := FindEventKind(e.Kind)
	var detail map[string]any
	for _, f := range k.FreeText {
		v, ok := data[f]
		if !ok {
			continue
		}
		if detail == nil {
			detail = map[string]any{}
			data = maps.Clone(data)
		}
		detail[f] = v
		delete(data, f)
	}
	if detail != nil {
		e.Detail, _ = json.Marshal(detail)
	}
	return data
}
