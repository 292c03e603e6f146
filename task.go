package epiloop

import (
	"slices"
	"time"
)

// TaskStatus is where one unit's share of a lead stands.
type TaskStatus string

const (
	TaskPushed    TaskStatus = "pushed"
	TaskAccepted  TaskStatus = "accepted"
	TaskSubmitted TaskStatus = "submitted"
	TaskReturned  TaskStatus = "returned"
	TaskCancelled TaskStatus = "cancelled"
)

// Valid reports whether s is a known task status.
func (s TaskStatus) Valid() bool {
	switch s {
	case TaskPushed, TaskAccepted, TaskSubmitted, TaskReturned, TaskCancelled:
		return true
	}
	return false
}

// Open reports whether the task still waits for its unit.
func (s TaskStatus) Open() bool { return slices.Contains(OpenTaskStatuses, s) }

// CanMoveTask reports whether a task may go from one status to another.
func CanMoveTask(from, to TaskStatus) bool {
	switch from {
	case TaskPushed:
		return to == TaskAccepted || to == TaskReturned || to == TaskCancelled
	case TaskAccepted:
		return to == TaskSubmitted || to == TaskReturned || to == TaskCancelled
	case TaskSubmitted:
		return to == TaskCancelled
	}
	return false
}

// Move changes the task's status to to, if CanMoveTask allows it; like
// Lead.Move, the one way the workflows change a task's status.
func (t *Task) Move(to TaskStatus) error {
	if !CanMoveTask(t.Status, to) {
		return Errorf(ECONFLICT, "err.task_cannot_move", M("task.status."+string(t.Status)), M("task.status."+string(to)))
	}
	t.Status = to
	return nil
}

// Task is one unit's share of a lead.
type Task struct {
	ID       int64      `json:"id"`
	LeadID   int64      `json:"lead_id"`
	Round    int        `json:"round"`
	Side     UnitKind   `json:"side"`
	UnitCode string     `json:"-"`
	Unit     *Unit      `json:"unit,omitempty"`
	Status   TaskStatus `json:"status"`
	Priority Priority   `json:"priority"`
	// DistrictCode copies the lead's district for scoped task queries.
	DistrictCode string    `json:"district,omitempty"`
	AcceptBy     time.Time `json:"accept_by"`
	FeedbackBy   time.Time `json:"feedback_by"`
	// EscalateAt is when the next escalation is due; zero when none is.
	EscalateAt time.Time `json:"-"`
	// Escalation is the level reached on the current deadline: 0 none,
	// 1 unit, 2 district, 3 headquarters.
	Escalation   int        `json:"escalation"`
	ReturnReason string     `json:"return_reason,omitempty"`
	Feedback     *Feedback  `json:"feedback,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	AcceptedAt   *time.Time `json:"accepted_at,omitempty"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"`
}

// Deadline returns the deadline the task is working against now: accept
// while pushed, feedback while accepted, zero otherwise.
func (t *Task) Deadline() time.Time {
	switch t.Status {
	case TaskPushed:
		return t.AcceptBy
	case TaskAccepted:
		return t.FeedbackBy
	}
	return time.Time{}
}

// Overdue reports whether the task is past its current deadline at now.
func (t *Task) Overdue(now time.Time) bool {
	d := t.Deadline()
	return !d.IsZero() && now.After(d)
}

// TaskFilter selects tasks.
type TaskFilter struct {
	Unit     *string
	Status   *TaskStatus
	Open     bool
	District *string
	Offset   int
	Limit    int
	// Total, when set, is how many tasks the filter selects, known to the
	// caller (a unit's open tasks, from MetricOpenTasks): the engine
	// returns it instead of counting the unit's whole backlog.
	Total *int
	// TotalCounter, when set and Total is not, is the counter that holds
	// how many tasks the filter selects (a unit's open tasks,
	// MetricOpenTasks): the engine reads it with the page, in the same
	// statement.
	TotalCounter *CounterKey
}

// SLA is the accept and feedback windows of one priority.
type SLA struct {
	Accept   time.Duration
	Feedback time.Duration
}

// SLAs maps each priority to its windows.
type SLAs map[Priority]SLA

// DefaultSLAs are the design's defaults: urgent 1 h / 3 h, high 2 h / 12 h,
// normal 4 h / 24 h.
func DefaultSLAs() SLAs {
	return SLAs{
		PriorityUrgent: {Accept: time.Hour, Feedback: 3 * time.Hour},
		PriorityHigh:   {Accept: 2 * time.Hour, Feedback: 12 * time.Hour},
		PriorityNormal: {Accept: 4 * time.Hour, Feedback: 24 * time.Hour},
	}
}

// Escalation levels: who is told about an overdue task.
const (
	EscalateUnit         = 1
	EscalateDistrict     = 2
	EscalateHeadquarters = 3
)

// EscalationLevelName names a level for events and pages.
func EscalationLevelName(level int) string {
	switch level {
	case EscalateUnit:
		return "unit"
	case EscalateDistrict:
		return "district"
	case EscalateHeadquarters:
		return "headquarters"
	}
	return ""
}

// NextEscalation returns when the level after current is due for a task
// whose deadline is d and whose priority's accept window is grace: the unit
// is told at the deadline, the district one grace later, headquarters two
// graces later. It returns zero after the last level.
func NextEscalation(d time.Time, current int, grace time.Duration) time.Time {
	if current >= EscalateHeadquarters || d.IsZero() {
		return time.Time{}
	}
	return d.Add(time.Duration(current) * grace)
}
