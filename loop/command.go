package loop

import (
	"context"
	"strings"

	"github.com/epiloop/epiloop"
)

// Adjudication is a commander's decision on a conflict: an outcome (the
// fields of a feedback) closes the lead; Action "repush" sends it back to
// the units for a new round.
type Adjudication struct {
	Outcome *epiloop.Feedback
	Action  string
	Note    string
}

// commandChange loads a lead the commander may act on, for update.
func (s *Service) commandChange(tx epiloop.Tx, u *epiloop.User, leadID int64) (*change, error) {
	c, err := loadChange(tx, leadID, s.now(), u)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil, leadNotFound()
	} else if err != nil {
		return nil, err
	}
	if !epiloop.LeadVisible(u, c.lead, c.now) {
		return nil, leadNotFound()
	}
	return c, nil
}

// Adjudicate decides a lead in conflict.
func (s *Service) Adjudicate(ctx context.Context, leadID int64, a Adjudication) (*epiloop.Lead, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	a.Note = strings.TrimSpace(a.Note)
	switch {
	case a.Outcome != nil && a.Action != "":
		return nil, epiloop.FieldError("action", "err.give_either_outcome_or_action")
	case a.Outcome == nil && a.Action != "repush":
		return nil, epiloop.FieldError("outcome", "err.outcome_or_action_repush_required")
	case len(a.Note) > epiloop.MaxNoteBytes:
		return nil, epiloop.FieldError("note", "err.note_too_long", epiloop.MaxNoteBytes)
	}
	if a.Outcome != nil {
		a.Outcome.Normalize()
		if err := a.Outcome.Validate(); err != nil {
			return nil, prefixOutcome(err)
		}
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, err := s.commandChange(tx, u, leadID)
		if err != nil {
			return err
		}
		if !u.Can(epiloop.ActAdjudicate) {
			return forbidden()
		}
		if c.lead.Status != epiloop.LeadConflict {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.only_lead_in_conflict_can", c.lead.Status)
		}
		c.emit(epiloop.EventLeadAdjudicated, nil, map[string]any{"action": a.Action, "note": a.Note, "outcome": a.Outcome})
		if a.Action == "repush" {
			community := c.lead.CommunityCode
			if err := cancelLive(c, "repushed"); err != nil {
				return err
			}
			c.emit(epiloop.EventLeadRepushed, nil, nil)
			if err := s.push(c, community); err != nil {
				return err
			}
			return c.save()
		}
		out := *a.Outcome
		out.SubmittedAt, out.SubmittedBy = c.now, u.ID
		r := epiloop.Reconciliation{Verdict: epiloop.VerdictAgree, Outcome: out}
		switch out.Located {
		case epiloop.LocatedLeftCity:
			r.Verdict = epiloop.VerdictHandOver
		case epiloop.LocatedElsewhereInCity:
			r.Verdict = epiloop.VerdictReroute
		}
		if err := s.apply(c, r, "adjudication"); err != nil {
			return err
		}
		return c.save()
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return s.loadLead(ctx, leadID)
}

func prefixOutcome(err error) error {
	if e, ok := err.(*epiloop.Error); ok && e.Field != "" {
		c := *e
		c.Field = "outcome." + e.Field
		return &c
	}
	return err
}

// RouteLead routes an unroutable lead to a community by hand and pushes it,
// as a commander who confirmed a community outside the district the
// address names (RouteLeads).
func (s *Service) RouteLead(ctx context.Context, leadID int64, community string) (*epiloop.Lead, error) {
	return s.RouteLeadTeaching(ctx, leadID, community, "")
}

// RouteLeadTeaching routes an unroutable lead by hand and, when alias is
// given (the compound or road name in the lead's address that should have
// found the community), teaches the gazetteer so that the next such
// address routes by itself. It is RouteLeads for one lead, confirmed.
func (s *Service) RouteLeadTeaching(ctx context.Context, leadID int64, community, alias string) (*epiloop.Lead, error) {
	res, err := s.RouteLeads(ctx, RouteRequest{LeadIDs: []int64{leadID}, Community: community,
		Teach: strings.TrimSpace(alias) != "", Alias: alias, Confirm: true})
	if err != nil {
		return nil, err
	}
	return res.Leads[0], nil
}
