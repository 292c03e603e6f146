package loop

import (
	"context"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/gazetteer"
)

// LeadInput is a report of an at-risk person, from a form, the API or an
// integration.
type LeadInput struct {
	Person  epiloop.Person
	Address string
	Source  epiloop.Source
	Reason  epiloop.Reason

	match gazetteer.Match
}

// unroutableData says why an address did not route and, when the address
// named a sub-district or an ambiguous name, the candidate communities a
// commander chooses from.
func unroutableData(m gazetteer.Match) map[string]any {
	d := map[string]any{"reason": "address_not_matched"}
	if m.Reason != "" {
		d["match"] = m.Reason
	}
	if len(m.Candidates) > 0 {
		c := m.Candidates
		if len(c) > 50 {
			c = c[:50]
		}
		d["candidates"] = c
	}
	return d
}

// validate normalises and checks the input; errors name the field.
func (s *Service) validateLeadInput(in *LeadInput) error {
	if err := in.Person.Normalize(); err != nil {
		return err
	}
	in.Address = epiloop.NormalizeSpace(in.Address)
	if len(in.Address) > 500 {
		return epiloop.FieldError("address", "err.address_too_long_at_most")
	}
	if !in.Source.Kind.Valid() {
		return epiloop.InvalidSource("source.kind")
	}
	if len(in.Source.Ref) > 200 {
		return epiloop.FieldError("source.ref", "err.source_ref_too_long_at")
	}
	if err := in.Reason.Validate(); err != nil {
		return err
	}
	if o := epiloop.NormalizeSpace(in.Reason.Origin); o != "" {
		if s.Regions == nil {
			in.Reason.Origin = o
		} else if code, ok := s.Regions.LookupCode(o); ok {
			in.Reason.Origin = code
		} else {
			return epiloop.ReasonError("reason.origin", "origin_unknown")
		}
	}
	return nil
}

// priority decides the priority of a new report.
func (s *Service) priority(ctx context.Context, r epiloop.Reason) epiloop.Priority {
	risky := false
	if s.Risk != nil && r.Origin != "" {
		at := s.Clock.Now()
		if d, err := time.Parse(time.DateOnly, r.ArrivalDate); err == nil {
			at = d
		}
		risky = s.Risk.Risky(ctx, r.Origin, at)
	}
	return epiloop.PriorityOf(r, risky)
}

// Receipt is what the reporter learns of the lead their report went to:
// the whole lead (masked) when they may see it, else only its id and
// status — the same answer whether the report made a new lead or was
// merged into a person's open lead elsewhere, so that a report cannot probe
// who is a lead outside the reporter's jurisdiction.
type Receipt struct {
	ID     int64
	Status epiloop.LeadStatus
	// Created tells a new lead from a merge; it is set only when Lead is.
	Created bool
	// Lead is nil outside the caller's jurisdiction.
	Lead *epiloop.Lead
}

// CreateLead records a report. A person with an open lead gets the report
// merged into it; otherwise a new lead is routed by its address and pushed
// to two units, or queued as unroutable. Telling the reporter the lead is
// a read, audited.
func (s *Service) CreateLead(ctx context.Context, in LeadInput) (*Receipt, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActCreateLead) {
		return nil, forbidden()
	}
	if err := s.validateLeadInput(&in); err != nil {
		return nil, err
	}
	prio := s.priority(ctx, in.Reason)
	match := s.route(in.Address)
	in.match = match
	var (
		id      int64
		created bool
	)
	for attempt := 0; ; attempt++ {
		err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
			id, created, err = s.createLeadTx(tx, u, &in, prio, match.Community)
			return err
		})
		// Two reports of one new person racing on another replica: the
		// loser's unique violation becomes a merge on retry.
		if epiloop.ErrorCode(err) != epiloop.ECONFLICT || attempt == 2 {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	s.notify()
	l, err := s.loadLead(ctx, id)
	if err != nil {
		return nil, err
	}
	rc := &Receipt{ID: l.ID, Status: l.Status}
	detail := "receipt"
	if epiloop.LeadVisible(u, l, s.now()) {
		rc.Created, rc.Lead, detail = created, l, ""
	}
	return rc, s.auditRead(ctx, u, leadObject(id), detail)
}

func (s *Service) createLeadTx(tx epiloop.Tx, u *epiloop.User, in *LeadInput, prio epiloop.Priority, community string) (int64, bool, error) {
	now := s.now()
	p, err := s.findOrCreatePerson(tx, &in.Person, now)
	if err != nil {
		return 0, false, err
	}
	marks := nameMarks(p.Name, in.Person.Name)
	src := in.Source
	src.Reason = in.Reason
	src.Address = in.Address
	src.CreatedAt = now
	open, err := tx.FindOpenLeadByPerson(p.ID, true)
	switch {
	case err == nil:
		return open.ID, false, s.mergeTx(tx, open.ID, u, &src, prio, now, marks...)
	case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
		return 0, false, err
	}
	l := &epiloop.Lead{
		Person:       *p,
		Status:       epiloop.LeadUnroutable,
		Priority:     prio,
		Address:      in.Address,
		Reason:       in.Reason,
		DistrictCode: districtNamed(in.match), // until pushed
		Marks:        marks,
	}
	c := newChange(tx, l, now, u)
	c.emit(epiloop.EventLeadCreated, nil, map[string]any{"source": src.Kind, "priority": prio})
	if community != "" {
		if err := s.push(c, community); err != nil {
			return 0, false, err
		}
	} else {
		c.emit(epiloop.EventLeadUnroutable, nil, unroutableData(in.match))
	}
	if err := c.save(); err != nil {
		return 0, false, err
	}
	return l.ID, true, tx.AddSource(l.ID, &src)
}

// findOrCreatePerson finds the person by identity, filling in what the new
// report adds, or creates them.
func (s *Service) findOrCreatePerson(tx epiloop.Tx, in *epiloop.Person, now time.Time) (*epiloop.Person, error) {
	p, err := tx.FindPerson(in)
	switch {
	case err == nil:
		changed := false
		if p.Phone == "" && in.Phone != "" {
			p.Phone, changed = in.Phone, true
		}
		if p.Name == "" && in.Name != "" {
			p.Name, changed = in.Name, true
		}
		if changed {
			return p, tx.UpdatePerson(p)
		}
		return p, nil
	case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
		return nil, err
	}
	p = &epiloop.Person{IDNumber: in.IDNumber, Name: in.Name, Phone: in.Phone}
	return p, tx.CreatePerson(p)
}

// nameMarks returns the marks of a report naming arriving for a person
// recorded as known: an ID number under another name is merged, as the
// number decides, and marked for a commander, never silently.
func nameMarks(known, arriving string) []string {
	if epiloop.NameMismatch(known, arriving) {
		return []string{epiloop.MarkNameMismatch}
	}
	return nil
}

// mergeTx adds a report to an open lead, with marks; a higher priority
// tightens the live tasks' deadlines.
func (s *Service) mergeTx(tx epiloop.Tx, leadID int64, u *epiloop.User, src *epiloop.Source, prio epiloop.Priority, now time.Time, marks ...string) error {
	c, err := loadChange(tx, leadID, now, u)
	if err != nil {
		return err
	}
	l := c.lead
	s.merge(l, src, prio)
	for _, m := range marks {
		l.Mark(m)
	}
	c.emit(epiloop.EventLeadMerged, nil, map[string]any{"source": src.Kind, "priority": l.Priority})
	if err := c.save(); err != nil {
		return err
	}
	return tx.AddSource(l.ID, src)
}

// merge is the one merge rule, for single reports and imports alike: a new
// source for a person's open lead raises the lead's priority (never lowers
// it), which tightens its live tasks' deadlines to the new priority's SLA
// counted from when each task was pushed (never extends them), and the
// lead takes the source's fever and close-contact marks. The caller
// stores the source.
func (s *Service) merge(l *epiloop.Lead, src *epiloop.Source, prio epiloop.Priority) {
	if p := l.Priority.Higher(prio); p != l.Priority {
		l.Priority = p
		sla := s.SLAs[p]
		for _, t := range l.LiveTasks() {
			t.Priority = p
			t.AcceptBy = minTime(t.AcceptBy, t.CreatedAt.Add(sla.Accept))
			t.FeedbackBy = minTime(t.FeedbackBy, t.CreatedAt.Add(sla.Feedback))
			s.schedule(t)
		}
	}
	l.Reason.Fever = l.Reason.Fever || src.Reason.Fever
	l.Reason.CloseContact = l.Reason.CloseContact || src.Reason.CloseContact
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// push routes the lead to a community and creates the two tasks of a new
// round: one for the community's police station, one for its committee.
func (s *Service) push(c *change, community string) error {
	cm, err := c.tx.FindCommunityByCode(community)
	if err != nil {
		return err
	}
	c.emit(epiloop.EventLeadPushed, nil, map[string]any{"community": cm.Code, "round": c.lead.Round + 1})
	tasks, err := s.newRound(c.lead, *cm, c.now)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		unit, err := c.tx.FindUnitByCode(t.UnitCode)
		if err != nil {
			return epiloop.Errorf(epiloop.EINVALID, "err.community_0_has_no_1", cm.Code, t.Side)
		}
		t.Unit = unit
		c.emit(epiloop.EventTaskPushed, t, map[string]any{"unit": unit.Code, "side": t.Side})
	}
	return nil
}

// newRound routes l to community cm and adds the round's two tasks, with
// deadlines from the lead's priority: the rule of the double push, shared
// by single reports and bulk imports. It returns the new tasks.
func (s *Service) newRound(l *epiloop.Lead, cm epiloop.Community, now time.Time) ([]*epiloop.Task, error) {
	sla := s.SLAs[l.Priority]
	if err := l.Move(epiloop.LeadPushed); err != nil {
		return nil, err
	}
	l.Round++
	l.CommunityCode = cm.Code
	l.DistrictCode = cm.DistrictCode
	l.Conflict = nil
	l.Outcome = nil
	sides := []struct {
		kind epiloop.UnitKind
		code string
	}{
		{epiloop.UnitPoliceStation, cm.Station},
		{epiloop.UnitCommittee, epiloop.CommitteeCode(cm.Code)},
	}
	tasks := make([]*epiloop.Task, 0, 2)
	for _, side := range sides {
		t := &epiloop.Task{
			Round:        l.Round,
			Side:         side.kind,
			UnitCode:     side.code,
			Status:       epiloop.TaskPushed,
			Priority:     l.Priority,
			DistrictCode: cm.DistrictCode,
			AcceptBy:     now.Add(sla.Accept),
			FeedbackBy:   now.Add(sla.Feedback),
			CreatedAt:    now,
		}
		s.schedule(t)
		tasks = append(tasks, t)
	}
	l.Tasks = append(l.Tasks, tasks...)
	return tasks, nil
}

// cancelLive cancels the live tasks of the current round (a returned one
// stays returned).
func cancelLive(c *change, why string) error {
	for _, t := range c.lead.LiveTasks() {
		if t.Status == epiloop.TaskReturned {
			continue
		}
		if err := cancel(c, t, why); err != nil {
			return err
		}
	}
	return nil
}

// schedule sets when the task's next escalation is due.
func (s *Service) schedule(t *epiloop.Task) {
	if !t.Status.Open() {
		t.EscalateAt = time.Time{}
		return
	}
	t.EscalateAt = epiloop.NextEscalation(t.Deadline(), t.Escalation, s.SLAs[t.Priority].Accept)
}
