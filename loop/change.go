package loop

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// change is one transaction's edit of one lead: the workflows mutate the
// lead and its tasks in memory, emit events, and save writes the rows, the
// events and the counter deltas together, so no workflow can forget one.
type change struct {
	tx      epiloop.Tx
	now     time.Time
	user    *epiloop.User // nil for the system (escalation)
	lead    *epiloop.Lead
	before  []epiloop.CounterKey
	orig    map[int64]epiloop.Task
	created bool
	events  []pendingEvent
	// counted are the counters of rows the change adds beside the lead's
	// state (an escalation).
	counted []epiloop.CounterKey
}

type pendingEvent struct {
	kind string
	task *epiloop.Task
	data any
}

// loadChange loads a lead for update and remembers its state.
func loadChange(tx epiloop.Tx, leadID int64, now time.Time, u *epiloop.User) (*change, error) {
	l, err := tx.FindLeadByID(leadID, true)
	if err != nil {
		return nil, err
	}
	return changeOf(tx, l, now, u), nil
}

// changeOf starts the change of a lead loaded for update.
func changeOf(tx epiloop.Tx, l *epiloop.Lead, now time.Time, u *epiloop.User) *change {
	c := &change{tx: tx, now: now, user: u, lead: l, before: epiloop.Contribution(l)}
	c.orig = make(map[int64]epiloop.Task, len(l.Tasks))
	for _, t := range l.Tasks {
		c.orig[t.ID] = *t
	}
	return c
}

// newChange starts the change that creates lead l.
func newChange(tx epiloop.Tx, l *epiloop.Lead, now time.Time, u *epiloop.User) *change {
	return &change{tx: tx, now: now, user: u, lead: l, created: true, orig: map[int64]epiloop.Task{}}
}

func (c *change) emit(kind string, t *epiloop.Task, data any) {
	c.events = append(c.events, pendingEvent{kind, t, data})
}

// save writes the lead, its new and changed tasks, its events and the
// counter deltas.
func (c *change) save() error {
	l := c.lead
	l.UpdatedAt = c.now
	l.Overdue = overdue(l)
	if c.created {
		l.CreatedAt = c.now
		if err := c.tx.CreateLead(l); err != nil {
			return err
		}
	} else if err := c.tx.UpdateLead(l); err != nil {
		return err
	}
	for _, t := range l.Tasks {
		t.LeadID = l.ID
		t.DistrictCode = l.DistrictCode
		if t.ID == 0 {
			if err := c.tx.CreateTask(t); err != nil {
				return err
			}
			continue
		}
		if o, ok := c.orig[t.ID]; ok && !taskChanged(&o, t) {
			continue
		}
		if err := c.tx.UpdateTask(t); err != nil {
			return err
		}
	}
	kinds := make([]string, 0, len(c.events))
	for _, pe := range c.events {
		kinds = append(kinds, pe.kind)
		e := epiloop.NewEvent(pe.kind, l, c.now, c.actorID(), pe.data)
		if pe.task != nil {
			e.TaskID = pe.task.ID
			e.AddUnit(pe.task.UnitCode)
		}
		if err := c.tx.CreateEvent(e); err != nil {
			return err
		}
	}
	if err := c.tx.AddCounters(epiloop.CounterDiff(c.before, append(epiloop.Contribution(l), c.counted...))); err != nil {
		return err
	}
	a := epiloop.NewAuditEntry(c.user, epiloop.AuditChange, leadObject(l.ID), c.now)
	a.Detail = strings.Join(kinds, ",")
	return c.tx.AppendAudit(a)
}

func (c *change) actorID() int64 {
	if c.user == nil {
		return 0
	}
	return c.user.ID
}

// overdue reports whether any live open task has been escalated.
func overdue(l *epiloop.Lead) bool {
	if !l.Status.Open() {
		return false
	}
	for _, t := range l.LiveTasks() {
		if t.Status.Open() && t.Escalation > 0 {
			return true
		}
	}
	return false
}

func taskChanged(a, b *epiloop.Task) bool {
	return a.Status != b.Status || a.Escalation != b.Escalation ||
		!a.EscalateAt.Equal(b.EscalateAt) || !a.AcceptBy.Equal(b.AcceptBy) ||
		!a.FeedbackBy.Equal(b.FeedbackBy) || a.Feedback != b.Feedback ||
		a.ReturnReason != b.ReturnReason || a.Priority != b.Priority ||
		a.DistrictCode != b.DistrictCode ||
		!timePtrEqual(a.AcceptedAt, b.AcceptedAt) || !timePtrEqual(a.SubmittedAt, b.SubmittedAt)
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
