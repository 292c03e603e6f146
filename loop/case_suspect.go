package loop

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// A case's suspects (loop/case.go): adding them with the measure taken
// on arrival, further measures (a detaining one admits the suspect to
// the detention facility, loop/case_detention.go), and the audited
// reveal.

// AddSuspect records a person as a suspect of a case (found by blind
// index, or recorded) and, when first is given, the measure taken when
// they came into the case, in the same transaction; it returns the
// suspect masked.
func (s *Service) AddSuspect(ctx context.Context, caseID int64, p epiloop.Person, first *epiloop.CaseMeasure) (*epiloop.CaseSuspect, error) {
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	var sp *epiloop.CaseSuspect
	err := s.withCase(ctx, caseID, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) error {
		var err error
		sp, err = s.addSuspect(tx, u, c, p, first, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	m := sp.Masked()
	return &m, nil
}

// addSuspect records person p (normalised) as a suspect of c with its
// first measure if any, its events, audit lines and counters.
func (s *Service) addSuspect(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, p epiloop.Person, first *epiloop.CaseMeasure, now time.Time) (*epiloop.CaseSuspect, error) {
	before := *c
	if c.Suspects >= epiloop.MaxCaseSuspects {
		return nil, epiloop.Errorf(epiloop.ECONFLICT, "err.case_suspects_full", epiloop.MaxCaseSuspects)
	}
	if err := personOf(tx, &p); err != nil {
		return nil, err
	}
	sp := &epiloop.CaseSuspect{CaseID: c.ID, Person: p, Measures: []epiloop.CaseMeasure{}, CreatedBy: u.ID, CreatedAt: now}
	if err := tx.CreateCaseSuspect(sp); err != nil {
		return nil, err
	}
	c.Suspects++
	if err := tx.UpdateCase(c); err != nil {
		return nil, err
	}
	if err := s.recordCase(tx, u, epiloop.EventCaseSuspectAdded, &before, c, now, map[string]any{"suspect": sp.ID}); err != nil {
		return nil, err
	}
	if first == nil {
		return sp, nil
	}
	m := *first
	if err := s.takeMeasure(tx, u, c, sp, &m, now); err != nil {
		return nil, err
	}
	sp.Measures = append(sp.Measures, m)
	return sp, nil
}

// prefixCaseField names a suspect's field in a registration's error
// (suspects.0.person.id_number).
func prefixCaseField(err error, prefix string) error {
	var e *epiloop.Error
	if errors.As(err, &e) && e.Field != "" {
		c := *e
		c.Field = prefix + c.Field
		return &c
	}
	return err
}

// AddMeasure records a measure taken against a suspect of a case. A
// measure that detains names a detention facility, and the suspect's
// admission there (detainSuspect) is part of the same transaction.
func (s *Service) AddMeasure(ctx context.Context, caseID, suspectID int64, m epiloop.CaseMeasure) (*epiloop.CaseMeasure, error) {
	err := s.withCase(ctx, caseID, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) error {
		sp, err := tx.FindCaseSuspectByID(suspectID)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && sp.CaseID != c.ID {
			return epiloop.Errorf(epiloop.ENOTFOUND, "err.case_suspect_not_found")
		} else if err != nil {
			return err
		}
		return s.takeMeasure(tx, u, c, sp, &m, now)
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// takeMeasure validates and records m against suspect sp of c (whose
// measures so far sp holds), with the detention it starts, the handled
// count, the event, audit line and counters.
func (s *Service) takeMeasure(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, sp *epiloop.CaseSuspect, m *epiloop.CaseMeasure, now time.Time) error {
	before := *c
	if err := m.Validate(c); err != nil {
		return err
	}
	m.ID, m.SuspectID, m.CaseID, m.CreatedBy, m.CreatedAt = 0, sp.ID, c.ID, u.ID, now
	if m.Kind.Detains() {
		if err := s.detainSuspect(tx, u, now, c, sp.Person.ID, m.FacilityCode); err != nil {
			return err
		}
	}
	if err := tx.CreateCaseMeasure(m); err != nil {
		return err
	}
	if len(sp.Measures) == 0 {
		c.Handled++
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
	}
	return s.recordCase(tx, u, epiloop.EventCaseMeasure, &before, c, now,
		map[string]any{"suspect": sp.ID, "measure": m.Kind, "facility": m.FacilityCode, "note": m.Note})
}

// RevealSuspect returns a suspect's full identity for a stated purpose,
// audited like a lead's reveal.
func (s *Service) RevealSuspect(ctx context.Context, caseID, suspectID int64, purpose string) (epiloop.Person, error) {
	u, err := allowed(ctx, epiloop.ActReadCases)
	if err != nil {
		return epiloop.Person{}, err
	}
	if purpose, err = checkPurpose(purpose); err != nil {
		return epiloop.Person{}, err
	}
	var p epiloop.Person
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, err := visibleCase(tx, u, caseID, false, false)
		if err != nil {
			return err
		}
		if !epiloop.MayRevealSuspects(u, c) {
			return forbidden()
		}
		sp, err := tx.FindCaseSuspectByID(suspectID)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && sp.CaseID != c.ID {
			return epiloop.Errorf(epiloop.ENOTFOUND, "err.case_suspect_not_found")
		} else if err != nil {
			return err
		}
		p = sp.Person
		p.ID = 0
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, fmt.Sprintf("case:%d/suspect:%d", caseID, suspectID), s.now())
		e.Purpose = purpose
		return tx.AppendAudit(e)
	})
	return p, err
}
