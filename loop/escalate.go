package loop

import (
	"context"
	"time"

	"github.com/epiloop/epiloop"
)

// Escalate raises every task whose deadline (or previous escalation level)
// has passed by one level: unit, then district, then headquarters. Each
// level is recorded once per task and deadline in the store, so running it
// again, after a restart or on another replica, escalates nothing twice.
// It returns the number of escalations made.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	total := 0
	for {
		// A task overdue by several levels rises one level a pass, so
		// passes continue while any escalation happened.
		n, more, err := s.escalateBatch(ctx, 200)
		total += n
		if err != nil || (!more && n == 0) {
			if total > 0 {
				s.notify()
			}
			return total, err
		}
	}
}

func (s *Service) escalateBatch(ctx context.Context, limit int) (n int, more bool, err error) {
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		n = 0
		now := s.now()
		due, err := tx.FindDueTasks(now, limit)
		if err != nil {
			return err
		}
		more = len(due) == limit
		for _, d := range due {
			ok, err := s.escalateTask(tx, d.LeadID, d.ID, now)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, more, err
}

func (s *Service) escalateTask(tx epiloop.Tx, leadID, taskID int64, now time.Time) (bool, error) {
	c, err := loadChange(tx, leadID, now, nil)
	if err != nil {
		return false, err
	}
	var t *epiloop.Task
	for _, lt := range c.lead.Tasks {
		if lt.ID == taskID {
			t = lt
		}
	}
	if t == nil || !t.Status.Open() || t.EscalateAt.IsZero() || t.EscalateAt.After(now) {
		return false, nil
	}
	level := t.Escalation + 1
	e := &epiloop.Escalation{TaskID: t.ID, Deadline: t.Deadline(), Level: level, At: now, District: c.lead.DistrictCode}
	inserted, err := tx.CreateEscalation(e)
	if err != nil {
		return false, err
	}
	t.Escalation = level
	s.schedule(t)
	if inserted {
		c.counted = append(c.counted, epiloop.EscalationContribution(e)...)
		data := map[string]any{
			"level": epiloop.EscalationLevelName(level), "unit": t.UnitCode,
			"deadline": t.Deadline(), "stage": string(t.Status),
		}
		// To the inbox of whoever holds the node's duty post now.
		onDuty, err := routeEscalation(tx, t, c.lead.DistrictCode, level, now)
		if err != nil {
			return false, err
		}
		if onDuty != 0 {
			data["duty_user"] = onDuty
		}
		c.emit(epiloop.EventTaskEscalated, t, data)
	}
	return inserted, c.save()
}
