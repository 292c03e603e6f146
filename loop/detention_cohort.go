package loop

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// Staff cohorts of a detention facility (epiloop/detention.go): a cohort
// on site serves its rotation, each member under a detention_staff
// observation (their daily health check is the observation check); the
// next cohort takes over when both leaders confirm the hand-over
// (epiloop.CohortHandover); a cohort left on site past its relief
// escalates to whoever is on duty for the district.

func cohortNotFound() error {
	return epiloop.Errorf(epiloop.ENOTFOUND, "err.detention_cohort_not_found")
}

func cohortObject(id int64) string { return fmt.Sprintf("cohort:%d", id) }

// CohortInput is a new cohort: its name, its leader (a user of the
// facility's staff), its members and its rotation (Days: 0 takes the
// detention_staff observation's days).
type CohortInput struct {
	Name    string           `json:"name"`
	Leader  int64            `json:"leader_user_id"`
	Members []epiloop.Person `json:"members"`
	Start   string           `json:"start"`
	Days    int              `json:"days"`
}

// MaxRotationDays bounds a cohort's rotation.
const MaxRotationDays = 60

// StartCohort registers a facility's cohort: on site at once when none is,
// else planned as the next, the on-site cohort's hand-over waiting for
// both leaders.
func (s *Service) StartCohort(ctx context.Context, code string, in CohortInput) (*epiloop.Cohort, error) {
	u, err := allowed(ctx, epiloop.ActRotateStaff)
	if err != nil {
		return nil, err
	}
	days := in.Days
	if days == 0 {
		days = s.Observation.duration(epiloop.ObservationDetentionStaff)
	}
	if days < 1 || days > MaxRotationDays {
		return nil, epiloop.FieldError("days", "err.detention_rotation_days", MaxRotationDays)
	}
	if in.Start == "" {
		in.Start = epiloop.CivilDate(s.now())
	}
	c := &epiloop.Cohort{Name: in.Name, LeaderUserID: in.Leader, Start: in.Start, End: epiloop.AddDays(in.Start, days)}
	for i := range in.Members {
		m := in.Members[i]
		if err := m.Normalize(); err != nil {
			return nil, err
		}
		if m.Name == "" {
			return nil, epiloop.FieldError("members", "err.detention_person_name")
		}
		c.Members = append(c.Members, epiloop.CohortMember{Person: m})
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		p, err := facilityFor(tx, u, code, func(p *epiloop.Place) bool { return epiloop.MayActAtFacility(u, p, epiloop.ActRotateStaff) })
		if err != nil {
			return err
		}
		leader, err := tx.FindUserByID(c.LeaderUserID)
		if err != nil || leader.Disabled || !(leader.Role == epiloop.RoleDetention && leader.UnitCode == p.UnitCode || leader.Role == epiloop.RoleCommander) {
			return epiloop.FieldError("leader", "err.detention_cohort_leader")
		}
		for i := range c.Members {
			if err := personOf(tx, &c.Members[i].Person); err != nil {
				return err
			}
		}
		now := s.now()
		c.FacilityCode, c.DistrictCode, c.UnitCode, c.CreatedAt, c.UpdatedAt = p.Code, p.DistrictCode, p.UnitCode, now, now
		onSite := epiloop.CohortOnSite
		cur, err := tx.FindCohorts(epiloop.CohortFilter{Facility: &p.Code, Status: &onSite, Limit: 1})
		if err != nil {
			return err
		}
		kind := epiloop.EventCohortStarted
		if len(cur) == 0 {
			c.Status = epiloop.CohortOnSite
			if err := tx.SaveCohort(c); err != nil {
				return err
			}
			if err := s.startStaffObservations(tx, u, now, p, c); err != nil {
				return err
			}
		} else {
			out := &cur[0]
			if out.NextID != 0 {
				return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_handover_pending")
			}
			c.Status, kind = epiloop.CohortPlanned, epiloop.EventCohortPlanned
			if err := tx.SaveCohort(c); err != nil {
				return err
			}
			out.NextID, out.UpdatedAt = c.ID, now
			if err := tx.SaveCohort(out); err != nil {
				return err
			}
		}
		if err := tx.CreateEvent(detentionEvent(kind, p, u.ID, now, map[string]any{"cohort": c.ID,
			"members": len(c.Members), "start": c.Start, "end": c.End})); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, cohortObject(c.ID), fmt.Sprintf("%s %s %d members", kind, p.Code, len(c.Members)))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return maskedCohort(c), nil
}

// startStaffObservations puts each member of a cohort arriving on site
// under a detention_staff observation for its rotation and saves them.
func (s *Service) startStaffObservations(tx epiloop.Tx, u *epiloop.User, now time.Time, p *epiloop.Place, c *epiloop.Cohort) error {
	for i := range c.Members {
		o := &epiloop.Observation{Person: c.Members[i].Person, Kind: epiloop.ObservationDetentionStaff,
			Status: epiloop.ObservationPending, Start: c.Start, End: c.End, UnitCode: p.UnitCode, DistrictCode: p.DistrictCode, Site: p.Code}
		oc := &obsChange{tx: tx, now: now, user: u, o: o, created: true}
		s.activate(oc)
		oc.emit(epiloop.EventObservationStarted, map[string]any{"kind": o.Kind, "start": o.Start, "end": o.End, "site": p.Code})
		if err := oc.save(); err != nil {
			return err
		}
		c.Members[i].ObservationID = o.ID
	}
	return tx.SaveCohort(c)
}

// endStaffObservations releases the members of a relieved cohort.
func (s *Service) endStaffObservations(tx epiloop.Tx, u *epiloop.User, now time.Time, c *epiloop.Cohort) error {
	for _, m := range c.Members {
		if m.ObservationID == 0 {
			continue
		}
		o, err := tx.FindObservationByID(m.ObservationID, true)
		if err != nil {
			return err
		}
		if !o.Status.Open() {
			continue
		}
		oc := &obsChange{tx: tx, now: now, user: u, o: o, before: epiloop.ObservationContribution(o)}
		s.end(oc, epiloop.ObservationReleased, "relieved")
		oc.emit(epiloop.EventObservationReleased, map[string]any{"day": o.Day(epiloop.CivilDate(now))})
		if err := oc.save(); err != nil {
			return err
		}
	}
	return nil
}

func maskedCohort(c *epiloop.Cohort) *epiloop.Cohort {
	m := *c
	m.Members = make([]epiloop.CohortMember, len(c.Members))
	for i, x := range c.Members {
		x.Person = x.Person.Masked()
		m.Members[i] = x
	}
	return &m
}

// ConfirmCohortHandover records one leader's confirmation of the hand-over from
// the on-site cohort id to its next: the outgoing leader or the incoming
// one, each once. When both have confirmed the same next cohort, the
// outgoing cohort is relieved (its observations released) and the next
// comes on site (its observations started).
func (s *Service) ConfirmCohortHandover(ctx context.Context, id int64, conf epiloop.CohortConfirmation) (*epiloop.Cohort, error) {
	u, err := allowed(ctx, epiloop.ActRotateStaff)
	if err != nil {
		return nil, err
	}
	var out *epiloop.Cohort
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, err := tx.FindCohortByID(id)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return cohortNotFound()
		} else if err != nil {
			return err
		}
		p, err := facilityFor(tx, u, c.FacilityCode, func(p *epiloop.Place) bool { return epiloop.MayActAtFacility(u, p, epiloop.ActRotateStaff) })
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return cohortNotFound()
		} else if err != nil {
			return err
		}
		if c.Status != epiloop.CohortOnSite || c.NextID == 0 {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_no_handover")
		}
		next, err := tx.FindCohortByID(c.NextID)
		if err != nil {
			return err
		}
		party := epiloop.HandoverParty(u.ID, c, next)
		if err := epiloop.CohortHandover.Check(party, conf); err != nil {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.detention_handover_not_leader")
		}
		if conf.Next != c.NextID {
			return epiloop.FieldError("next_id", "err.detention_handover_next")
		}
		now := s.now()
		switch party {
		case epiloop.PartyOutgoing:
			if c.OutConfirmedAt != nil {
				return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_handover_confirmed")
			}
			c.OutConfirmedBy, c.OutConfirmedAt, c.OutNote = u.ID, &now, conf.Note
		case epiloop.PartyIncoming:
			if c.InConfirmedAt != nil {
				return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_handover_confirmed")
			}
			c.InConfirmedBy, c.InConfirmedAt, c.InNote = u.ID, &now, conf.Note
		}
		c.UpdatedAt = now
		d := c.Handover()
		if err := tx.CreateEvent(detentionEvent(epiloop.EventCohortHandoverConfirmed, p, u.ID, now,
			map[string]any{"cohort": c.ID, "next": c.NextID, "party": party, "agreement": d.State})); err != nil {
			return err
		}
		if d.State == epiloop.AgreementAgreed {
			c.Status, c.RelievedAt = epiloop.CohortRelieved, &now
			if err := tx.SaveCohort(c); err != nil {
				return err
			}
			if err := s.endStaffObservations(tx, u, now, c); err != nil {
				return err
			}
			days := epiloop.DaysBetween(next.Start, next.End)
			next.Status, next.UpdatedAt = epiloop.CohortOnSite, now
			next.Start = max(next.Start, epiloop.CivilDate(now))
			next.End = epiloop.AddDays(next.Start, days)
			if err := s.startStaffObservations(tx, u, now, p, next); err != nil {
				return err
			}
			if err := tx.CreateEvent(detentionEvent(epiloop.EventCohortRelieved, p, u.ID, now,
				map[string]any{"cohort": c.ID, "next": next.ID})); err != nil {
				return err
			}
		} else if err := tx.SaveCohort(c); err != nil {
			return err
		}
		out = c
		return s.audit(tx, u, epiloop.AuditChange, cohortObject(c.ID), "handover "+party+" "+string(d.State))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return maskedCohort(out), nil
}

// EscalateCohorts escalates every cohort on site past its relief without
// a closed hand-over (epiloop.CohortHandover), once: an event, and an item
// in the duty inbox of whoever holds the district sub-command's duty post
// now. It is run with the other escalations.
func (s *Service) EscalateCohorts(ctx context.Context) (int, error) {
	now := s.now()
	before := epiloop.CivilDate(now.Add(-epiloop.CohortHandover.EscalateAfter))
	var ids []int64
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		cs, err := tx.FindCohorts(epiloop.CohortFilter{EndBefore: &before, Limit: 1000})
		for _, c := range cs {
			if c.EscalatedAt == nil {
				ids = append(ids, c.ID)
			}
		}
		return err
	})
	n := 0
	for _, id := range ids {
		if err != nil {
			break
		}
		err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
			c, err := tx.FindCohortByID(id)
			if err != nil || c.EscalatedAt != nil || !c.Overdue(now) {
				return err
			}
			p, err := tx.FindPlaceByCode(c.FacilityCode)
			if err != nil {
				return err
			}
			c.EscalatedAt, c.UpdatedAt = &now, now
			if err := tx.SaveCohort(c); err != nil {
				return err
			}
			data := map[string]any{"cohort": c.ID, "end": c.End}
			if node, err := dutyNode(tx, c.DistrictCode, false); err != nil {
				return err
			} else if node != nil {
				user, post, err := dutyHolder(tx, node.Code, now)
				if err != nil {
					return err
				}
				if user != 0 {
					data["duty_user"] = user
					if err := tx.CreateDutyItem(&epiloop.DutyItem{UserID: user, Kind: epiloop.DutyItemCohortOverdue,
						NodeCode: node.Code, PostID: post, Ref: epiloop.DutyRef(epiloop.RefFacility, c.FacilityCode), CreatedAt: now}); err != nil {
						return err
					}
				}
			}
			n++
			if err := tx.CreateEvent(detentionEvent(epiloop.EventCohortOverdue, p, 0, now, data)); err != nil {
				return err
			}
			return s.audit(tx, nil, epiloop.AuditChange, cohortObject(c.ID), "relief overdue")
		})
	}
	if n > 0 {
		s.notify()
	}
	return n, err
}
