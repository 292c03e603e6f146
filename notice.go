package epiloop

import (
	"encoding/json"
	"strconv"
	"time"
)

// Notice kinds: what a notice tells the person on duty.
const (
	NoticeUrgentLead       = "urgent_lead"
	NoticeObservationAlert = "observation_alert"
	NoticeEscalation       = "escalation"
	NoticeHandoverOverdue  = "handover_overdue"
)

// NoticeKinds lists every kind of notice.
var NoticeKinds = []string{NoticeUrgentLead, NoticeObservationAlert, NoticeEscalation, NoticeHandoverOverdue}

// NoticeStatus is where a notice is in its delivery.
type NoticeStatus string

// Notice statuses: pending until an adapter accepts it, dead when it was
// refused for good or ran out of attempts.
const (
	NoticePending   NoticeStatus = "pending"
	NoticeDelivered NoticeStatus = "delivered"
	NoticeDead      NoticeStatus = "dead"
)

// TargetHQ is the notice target of the city headquarters; any other
// target is a district code.
const TargetHQ = "HQ"

// DefaultNoticeAttempts is how many times a notice is tried before it is
// dead.
const DefaultNoticeAttempts = 8

// Notice is one message to the person (or channel) on duty for a target.
// It carries codes and ids only (NoticePayload): personal data never leaves
// in a notice; the receiver fetches details through the audited API.
type Notice struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	EventID int64  `json:"event_id,omitempty"`
	// Target is the district code or TargetHQ the notice is for.
	Target string `json:"target"`
	// UserID is the person the notice is for, when known (0 for a
	// channel of the target).
	UserID int64 `json:"user_id,omitempty"`
	// Channel names the adapter ("webhook", "sms"); Address is where the
	// adapter sends it (a URL, a phone number of the duty desk).
	Channel string `json:"channel"`
	Address string `json:"-"`
	// Key is stable for one event and one channel address: the receiver
	// drops a repeat (delivery is at least once).
	Key           string        `json:"idempotency_key"`
	Payload       NoticePayload `json:"payload"`
	Status        NoticeStatus  `json:"status"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt time.Time     `json:"next_attempt_at"`
	// LeaseUntil is when a worker's claim on a pending notice lapses: no
	// other worker sends it before.
	LeaseUntil time.Time `json:"-"`
	// LastError is the adapter's code for the last failure (an HTTP
	// status, "timeout"), never a response body.
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NoticePayload is what a notice says: codes and ids only.
type NoticePayload struct {
	Kind     string `json:"kind"`
	EventID  int64  `json:"event_id"`
	LeadID   int64  `json:"lead_id,omitempty"`
	TaskID   int64  `json:"task_id,omitempty"`
	Target   string `json:"target"`
	District string `json:"district,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Priority string `json:"priority,omitempty"`
	Level    string `json:"level,omitempty"`
	// Node and Handover name an overdue hand-over's node and record.
	Node     string `json:"node,omitempty"`
	Handover int64  `json:"handover_id,omitempty"`
	// DutyUser is the person the change reached (who held the node's
	// duty post, or the node's leader), when the roster knew one.
	DutyUser int64  `json:"duty_user,omitempty"`
	Time     string `json:"time"`
}

// NoticeKey is the idempotency key of a notice of an event sent to one
// channel address.
func NoticeKey(eventID int64, channel, address string) string {
	return strconv.FormatInt(eventID, 10) + ":" + channel + ":" + address
}

// NoticeAttempt is one try at delivering a notice, for the delivery log.
type NoticeAttempt struct {
	NoticeID int64         `json:"notice_id"`
	Time     time.Time     `json:"time"`
	Status   int           `json:"http_status"`
	Duration time.Duration `json:"duration_ms"`
	Error    string        `json:"error,omitempty"`
}

// MarshalJSON writes the duration in milliseconds.
func (a NoticeAttempt) MarshalJSON() ([]byte, error) {
	type plain NoticeAttempt
	return json.Marshal(struct {
		plain
		Duration int64 `json:"duration_ms"`
	}{plain(a), a.Duration.Milliseconds()})
}

// NoticeFilter selects notices for the delivery log.
type NoticeFilter struct {
	Status *NoticeStatus
	Offset int
	Limit  int
}

// NoticeTx stores the outbox of notices.
type NoticeTx interface {
	// CreateNotice adds n unless a notice with its key exists; created
	// says which.
	CreateNotice(n *Notice) (created bool, err error)
	// ClaimNotices leases up to limit pending notices due at now to the
	// caller until now+lease, so that no other worker claims them first.
	ClaimNotices(now time.Time, lease time.Duration, limit int) ([]*Notice, error)
	// RecordNoticeAttempt saves n's new status, attempts, next attempt and
	// error, releases its lease, and appends a to its delivery log.
	RecordNoticeAttempt(n *Notice, a NoticeAttempt) error
	FindNotices(f NoticeFilter) ([]*Notice, int, error)
	FindNoticeAttempts(noticeID int64) ([]NoticeAttempt, error)
	// NoticeCursor is the id of the last event the producer turned into
	// notices; SetNoticeCursor moves it forward (never back).
	NoticeCursor() (int64, error)
	SetNoticeCursor(eventID int64) error
}

// NoticeBackoff returns the wait before the next try after attempts
// failed ones: base doubled each time, at most max.
func NoticeBackoff(attempts int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// NoticeFor decides whether event e makes a notice, of which kind, for
// which target, with what payload: an urgent lead created, merged or
// imported; an observation's alarming check; a task escalated (to the
// district, or to headquarters); a shift hand-over not closed in time (to
// the node's leader). The one home of that rule.
func NoticeFor(e *Event) (p NoticePayload, ok bool) {
	var data struct {
		Priority string `json:"priority"`
		Level    string `json:"level"`
		Unit     string `json:"unit"`
		Node     string `json:"node"`
		Handover int64  `json:"handover"`
		DutyUser int64  `json:"duty_user"`
	}
	if len(e.Data) > 0 {
		_ = json.Unmarshal(e.Data, &data)
	}
	p = NoticePayload{EventID: e.ID, LeadID: e.LeadID, TaskID: e.TaskID, District: e.District,
		Target: e.District, DutyUser: data.DutyUser, Time: e.Time.UTC().Format(time.RFC3339)}
	switch e.Kind {
	case EventLeadCreated, EventLeadMerged, EventLeadImported:
		if data.Priority != string(PriorityUrgent) {
			return p, false
		}
		p.Kind, p.Priority = NoticeUrgentLead, data.Priority
	case EventObservationAlert:
		p.Kind = NoticeObservationAlert
	case EventTaskEscalated:
		p.Kind, p.Level, p.Unit = NoticeEscalation, data.Level, data.Unit
		if data.Level == EscalationLevelName(EscalateHeadquarters) {
			p.Target = TargetHQ
		}
	case EventHandoverOverdue:
		p.Kind, p.Node, p.Handover = NoticeHandoverOverdue, data.Node, data.Handover
	default:
		return p, false
	}
	if p.Target == "" {
		p.Target = TargetHQ // an unroutable lead is headquarters' to route
	}
	return p, true
}

// Text is the short message of a notice (an SMS): its kind, the record's
// number and the target, never personal data.
func (p NoticePayload) Text() Msg {
	id := p.LeadID
	if id == 0 {
		id = p.EventID
	}
	return M("notice.text."+p.Kind, id, p.Target)
}
