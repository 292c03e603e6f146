package loop

import (
	"context"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// taskChange loads the lead of a task the caller's unit holds, for update,
// and returns the task inside it. Another unit's task is not found.
func (s *Service) taskChange(tx epiloop.Tx, u *epiloop.User, taskID int64) (*change, *epiloop.Task, error) {
	if u.UnitCode == "" {
		return nil, nil, taskNotFound()
	}
	l, err := tx.FindLeadByTaskID(taskID, true)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil, nil, taskNotFound()
	} else if err != nil {
		return nil, nil, err
	}
	c := changeOf(tx, l, s.now(), u)
	for _, lt := range c.lead.Tasks {
		if lt.ID == taskID && lt.UnitCode == u.UnitCode {
			return c, lt, nil
		}
	}
	return nil, nil, taskNotFound()
}

// update runs a task workflow in one transaction and notifies watchers.
func (s *Service) updateTask(ctx context.Context, taskID int64, fn func(c *change, t *epiloop.Task) error) (*epiloop.Task, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out *epiloop.Task
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, t, err := s.taskChange(tx, u, taskID)
		if err != nil {
			return err
		}
		if err := fn(c, t); err != nil {
			return err
		}
		out = t
		return c.save()
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return out, nil
}

// AcceptTask records that the unit took the task on; the feedback deadline
// now runs.
func (s *Service) AcceptTask(ctx context.Context, taskID int64) (*epiloop.Task, error) {
	return s.updateTask(ctx, taskID, func(c *change, t *epiloop.Task) error {
		if t.Round != c.lead.Round || t.Status != epiloop.TaskPushed {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.task_not_waiting_for_acceptance", t.Status)
		}
		return s.accept(c, t)
	})
}

func (s *Service) accept(c *change, t *epiloop.Task) error {
	now := c.now
	if err := t.Move(epiloop.TaskAccepted); err != nil {
		return err
	}
	t.AcceptedAt = &now
	t.Escalation = 0
	s.schedule(t)
	if c.lead.Status == epiloop.LeadPushed {
		if err := c.lead.Move(epiloop.LeadVerifying); err != nil {
			return err
		}
	}
	c.emit(epiloop.EventTaskAccepted, t, map[string]any{"unit": t.UnitCode})
	return nil
}

// ReturnTask hands a task back as not the unit's jurisdiction. The lead's
// other task is cancelled and the lead goes to the unroutable queue for
// headquarters to route by hand.
func (s *Service) ReturnTask(ctx context.Context, taskID int64, reason string) (*epiloop.Task, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, epiloop.FieldError("reason", "err.reason_required_return_task")
	} else if len(reason) > epiloop.MaxReasonBytes {
		return nil, epiloop.FieldError("reason", "err.reason_too_long", epiloop.MaxReasonBytes)
	}
	return s.updateTask(ctx, taskID, func(c *change, t *epiloop.Task) error {
		if t.Round != c.lead.Round || !t.Status.Open() {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.task_can_no_longer_returned", t.Status)
		}
		if err := t.Move(epiloop.TaskReturned); err != nil {
			return err
		}
		t.ReturnReason = reason
		s.schedule(t)
		c.emit(epiloop.EventTaskReturned, t, map[string]any{"unit": t.UnitCode, "reason": reason})
		if err := cancelLive(c, "returned_by_other_unit"); err != nil {
			return err
		}
		if err := c.lead.Move(epiloop.LeadUnroutable); err != nil {
			return err
		}
		c.emit(epiloop.EventLeadUnroutable, nil, map[string]any{"reason": "returned"})
		return nil
	})
}

// SubmitFeedback records a unit's structured report; when both units of the
// round have reported, the two are reconciled in the same transaction.
// Submitting twice is a conflict, never an overwrite.
func (s *Service) SubmitFeedback(ctx context.Context, taskID int64, fb epiloop.Feedback) (*epiloop.Task, error) {
	fb.Normalize()
	if err := fb.Validate(); err != nil {
		return nil, err
	}
	return s.updateTask(ctx, taskID, func(c *change, t *epiloop.Task) error {
		switch {
		case t.Status == epiloop.TaskSubmitted:
			return epiloop.Errorf(epiloop.ECONFLICT, "err.feedback_was_already_submitted_for")
		case t.Round != c.lead.Round || !t.Status.Open():
			return epiloop.Errorf(epiloop.ECONFLICT, "err.task_no_longer_takes_feedback", t.Status)
		case t.Status == epiloop.TaskPushed:
			if err := s.accept(c, t); err != nil {
				return err
			}
		}
		now := c.now
		fb.SubmittedAt, fb.SubmittedBy = now, c.actorID()
		t.Feedback = &fb
		if err := t.Move(epiloop.TaskSubmitted); err != nil {
			return err
		}
		t.SubmittedAt = &now
		s.schedule(t)
		c.emit(epiloop.EventTaskSubmitted, t, map[string]any{"unit": t.UnitCode, "located": fb.Located, "measure": fb.Measure})
		return s.reconcile(c)
	})
}

// reconcile decides the lead once both live tasks have feedback.
func (s *Service) reconcile(c *change) error {
	l := c.lead
	reported := map[string]*epiloop.Feedback{}
	for _, kind := range []epiloop.UnitKind{epiloop.UnitPoliceStation, epiloop.UnitCommittee} {
		if t := l.LiveTask(kind); t != nil && t.Feedback != nil && t.Status == epiloop.TaskSubmitted {
			reported[string(kind)] = t.Feedback
		}
	}
	d := epiloop.DoubleVerification.Decide(reported)
	if d.State == epiloop.AgreementWaiting {
		return nil
	}
	a, b := reported[string(epiloop.UnitPoliceStation)], reported[string(epiloop.UnitCommittee)]
	r := d.Outcome
	if r.Verdict == epiloop.VerdictReroute && len(r.Reasons) > 0 {
		ma, mb := s.route(a.Address), s.route(b.Address)
		if ma.Community == "" || ma.Community != mb.Community {
			r = epiloop.Reconciliation{Verdict: epiloop.VerdictConflict, Reasons: r.Reasons}
		}
	}
	return s.apply(c, r, "reconcile")
}

// apply moves the lead as a reconciliation or adjudication decided.
func (s *Service) apply(c *change, r epiloop.Reconciliation, by string) error {
	l := c.lead
	now := c.now
	switch r.Verdict {
	case epiloop.VerdictAgree, epiloop.VerdictHandOver:
		out := r.Outcome
		out.Resolution = epiloop.ResolutionAgreed
		if by == "adjudication" {
			out.Resolution = epiloop.ResolutionAdjudicated
		}
		l.Outcome = &out
		l.Conflict = nil
		l.ClosedAt = &now
		to, kind := epiloop.LeadClosed, epiloop.EventLeadClosed
		if r.Verdict == epiloop.VerdictHandOver {
			to, kind = epiloop.LeadHandedOver, epiloop.EventLeadHandedOver
		}
		if err := l.Move(to); err != nil {
			return err
		}
		if err := cancelOpen(c, by); err != nil {
			return err
		}
		c.emit(kind, nil, map[string]any{"by": by, "located": out.Located, "measure": out.Measure})
		if err := s.startObservation(c); err != nil {
			return err
		}
		if err := s.xcityOnClose(c, r.Verdict); err != nil {
			return err
		}
	case epiloop.VerdictConflict:
		if err := l.Move(epiloop.LeadConflict); err != nil {
			return err
		}
		l.Conflict = r.Reasons
		c.emit(epiloop.EventLeadConflict, nil, map[string]any{"reasons": r.Reasons})
	case epiloop.VerdictReroute:
		addr := r.Outcome.Address
		l.Address = addr
		if err := cancelLive(c, "rerouted"); err != nil {
			return err
		}
		m := s.route(addr)
		if m.Community == "" {
			if err := l.Move(epiloop.LeadUnroutable); err != nil {
				return err
			}
			l.Conflict, l.DistrictCode = nil, districtNamed(m)
			c.emit(epiloop.EventLeadUnroutable, nil, map[string]any{"reason": "reroute_address_not_matched"})
			return nil
		}
		c.emit(epiloop.EventLeadRerouted, nil, map[string]any{"by": by, "community": m.Community})
		return s.push(c, m.Community)
	}
	return nil
}

// cancelOpen cancels the round's tasks still waiting (an adjudication may
// close a lead before both units reported).
func cancelOpen(c *change, why string) error {
	for _, t := range c.lead.LiveTasks() {
		if t.Status.Open() {
			if err := cancel(c, t, why); err != nil {
				return err
			}
		}
	}
	return nil
}

// cancel cancels one task and says so.
func cancel(c *change, t *epiloop.Task, why string) error {
	if err := t.Move(epiloop.TaskCancelled); err != nil {
		return err
	}
	t.EscalateAt = time.Time{}
	c.emit(epiloop.EventTaskCancelled, t, map[string]any{"reason": why})
	return nil
}
