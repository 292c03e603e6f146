package loop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// Detention facilities under closed management (epiloop/detention.go):
// the facility's areas, the intake of new detainees into isolation cells
// with their new_detainee observation, moves (an early one out of
// isolation only by a supervisor's override), release, and the
// closed-management orders. The staff cohorts are in detention_cohort.go,
// the pages' reads and figures in detention_read.go.

func facilityNotFound() error {
	return epiloop.Errorf(epiloop.ENOTFOUND, "err.detention_facility_not_found")
}

func detaineeNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.detainee_not_found") }

func detaineeObject(id int64) string { return fmt.Sprintf("detainee:%d", id) }

func facilityObject(code string) string { return "detention:" + code }

// visibleFacility loads a detention facility u may read (ENOTFOUND
// otherwise, as a missing one).
func visibleFacility(tx epiloop.Tx, u *epiloop.User, code string) (*epiloop.Place, error) {
	p, err := tx.FindPlaceByCode(code)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.DetentionFacilityVisible(u, p) {
		return nil, facilityNotFound()
	}
	return p, err
}

// facilityFor loads a facility u may do a at: not found when u may not
// read it, forbidden when u reads it but may not act there.
func facilityFor(tx epiloop.Tx, u *epiloop.User, code string, may func(*epiloop.Place) bool) (*epiloop.Place, error) {
	p, err := visibleFacility(tx, u, code)
	if err != nil {
		return nil, err
	}
	if !may(p) {
		return nil, forbidden()
	}
	return p, nil
}

// detentionEvent is a facility's event: codes and ids, its district and
// its unit.
func detentionEvent(kind string, p *epiloop.Place, actor int64, now time.Time, data map[string]any) *epiloop.Event {
	if data == nil {
		data = map[string]any{}
	}
	data["facility"] = p.Code
	e := epiloop.NewEvent(kind, nil, now, actor, data)
	e.District = p.DistrictCode
	e.AddUnit(p.UnitCode)
	return e
}

// SaveDetentionAreas creates or replaces areas of a facility. An area
// with detainees present keeps its kind, and keeps room for them.
func (s *Service) SaveDetentionAreas(ctx context.Context, code string, areas []epiloop.DetentionArea) ([]epiloop.DetentionArea, error) {
	u, err := allowed(ctx, epiloop.ActManageDetention)
	if err != nil {
		return nil, err
	}
	if len(areas) == 0 || len(areas) > 1000 {
		return nil, epiloop.FieldError("areas", "err.detention_areas_count", 1000)
	}
	for i := range areas {
		if err := areas[i].Validate(); err != nil {
			return nil, err
		}
	}
	var out []epiloop.DetentionArea
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		p, err := facilityFor(tx, u, code, func(p *epiloop.Place) bool { return epiloop.MayManageDetention(u, p) })
		if err != nil {
			return err
		}
		have, err := tx.FindDetentionAreas(p.Code)
		if err != nil {
			return err
		}
		now := s.now()
		for i := range areas {
			a := areas[i]
			a.FacilityCode = p.Code
			for _, h := range have {
				if h.Code == a.Code && h.Occupancy > 0 && (h.Kind != a.Kind || a.Capacity < h.Occupancy) {
					return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_area_occupied", a.Code, h.Occupancy)
				}
			}
			if err := tx.SaveDetentionArea(&a, now); err != nil {
				return err
			}
		}
		if err := tx.CreateEvent(detentionEvent(epiloop.EventDetentionAreaSaved, p, u.ID, now, map[string]any{"areas": len(areas)})); err != nil {
			return err
		}
		if out, err = tx.FindDetentionAreas(p.Code); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, facilityObject(p.Code), fmt.Sprintf("areas %d", len(areas)))
	})
	return out, err
}

// admitDetainee admits a person into a facility inside the caller's
// transaction, with no permission check of its own (the caller checked
// its action and the facility's scope): the person goes to the named
// isolation cell, or the first free one, and starts the new_detainee
// observation; the stay's event and audit line are written with it. No
// free isolation cell is ECONFLICT (err.detention_no_free_cell).
func (s *Service) admitDetainee(tx epiloop.Tx, u *epiloop.User, now time.Time, in epiloop.DetaineeIntake) (*epiloop.Detainee, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	p, err := tx.FindPlaceByCode(in.FacilityCode)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && p.Kind != epiloop.PlaceDetention {
		return nil, epiloop.FieldError("facility", "err.detention_facility_not_found")
	} else if err != nil {
		return nil, err
	}
	areas, err := tx.FindDetentionAreas(p.Code)
	if err != nil {
		return nil, err
	}
	var cell *epiloop.DetentionArea
	if in.AreaCode == "" {
		if cell = epiloop.FreeIsolationCell(areas); cell == nil {
			return nil, epiloop.Errorf(epiloop.ECONFLICT, "err.detention_no_free_cell")
		}
	} else {
		for i := range areas {
			if areas[i].Code == in.AreaCode {
				cell = &areas[i]
			}
		}
		switch {
		case cell == nil:
			return nil, epiloop.FieldError("area", "err.detention_area_not_found")
		case cell.Kind != epiloop.AreaIsolation:
			return nil, epiloop.FieldError("area", "err.detention_intake_isolation_only")
		case !cell.Free():
			return nil, epiloop.Errorf(epiloop.ECONFLICT, "err.detention_cell_occupied", cell.Code)
		}
	}
	today := epiloop.CivilDate(now)
	o := &epiloop.Observation{Person: epiloop.Person{ID: in.PersonID}, Kind: epiloop.ObservationNewDetainee,
		Status: epiloop.ObservationPending, Start: today, End: epiloop.AddDays(today, s.Observation.duration(epiloop.ObservationNewDetainee)),
		UnitCode: p.UnitCode, DistrictCode: p.DistrictCode, Site: p.Code}
	oc := &obsChange{tx: tx, now: now, user: u, o: o, created: true}
	s.activate(oc)
	oc.emit(epiloop.EventObservationStarted, map[string]any{"kind": o.Kind, "start": o.Start, "end": o.End, "site": p.Code})
	if err := oc.save(); err != nil {
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return nil, epiloop.FieldError("person", "err.detention_person_not_found")
		}
		return nil, err
	}
	d := &epiloop.Detainee{FacilityCode: p.Code, DistrictCode: p.DistrictCode, UnitCode: p.UnitCode,
		Person: epiloop.Person{ID: in.PersonID}, AreaCode: cell.Code, AreaKind: cell.Kind, Status: epiloop.DetaineePresent,
		CaseRef: in.CaseRef, Reason: in.Reason, ObservationID: o.ID, IsolationEnd: o.End, AdmittedAt: now,
		CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateDetainee(d); err != nil {
		return nil, err
	}
	data := map[string]any{"detainee": d.ID, "area": d.AreaCode, "observation": o.ID, "isolation_end": d.IsolationEnd}
	if d.CaseRef != "" {
		data["case_ref"] = d.CaseRef
	}
	if err := tx.CreateEvent(detentionEvent(epiloop.EventDetaineeAdmitted, p, actorID(u), now, data)); err != nil {
		return nil, err
	}
	if err := s.audit(tx, u, epiloop.AuditChange, detaineeObject(d.ID), "admitted "+p.Code+" "+d.AreaCode); err != nil {
		return nil, err
	}
	return tx.FindDetaineeByID(d.ID)
}

func actorID(u *epiloop.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// AdmitDetainee admits an existing person into a facility the caller
// acts at (admitDetainee, in one transaction).
func (s *Service) AdmitDetainee(ctx context.Context, in epiloop.DetaineeIntake) (*epiloop.Detainee, error) {
	return s.admit(ctx, nil, in)
}

// AdmitPerson admits a person given by identity (found or registered in
// persons) into a facility the caller acts at: the intake form's way.
func (s *Service) AdmitPerson(ctx context.Context, person epiloop.Person, in epiloop.DetaineeIntake) (*epiloop.Detainee, error) {
	if err := person.Normalize(); err != nil {
		return nil, err
	}
	if person.Name == "" {
		return nil, epiloop.FieldError("person.name", "err.detention_person_name")
	}
	if person.IDNumber == "" && person.Phone == "" {
		return nil, epiloop.FieldError("person.id_number", "err.detention_person_identity")
	}
	return s.admit(ctx, &person, in)
}

func (s *Service) admit(ctx context.Context, person *epiloop.Person, in epiloop.DetaineeIntake) (*epiloop.Detainee, error) {
	u, err := allowed(ctx, epiloop.ActAdmitDetainee)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *epiloop.Detainee
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if _, err := facilityFor(tx, u, in.FacilityCode, func(p *epiloop.Place) bool {
			return epiloop.MayActAtFacility(u, p, epiloop.ActAdmitDetainee)
		}); err != nil {
			return err
		}
		in := in
		if person != nil {
			p := *person
			if err := personOf(tx, &p); err != nil {
				return err
			}
			in.PersonID = p.ID
		}
		d, err := s.admitDetainee(tx, u, s.now(), in)
		out = d
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	m := out.Masked()
	return &m, nil
}

// detaineeFor loads a stay and its facility for u: not found when u may
// not read the facility, forbidden when may refuses.
func detaineeFor(tx epiloop.Tx, u *epiloop.User, id int64, may func(*epiloop.Place) bool) (*epiloop.Detainee, *epiloop.Place, error) {
	d, err := tx.FindDetaineeByID(id)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil, nil, detaineeNotFound()
	} else if err != nil {
		return nil, nil, err
	}
	p, err := tx.FindPlaceByCode(d.FacilityCode)
	if err != nil {
		return nil, nil, err
	}
	if !epiloop.DetentionFacilityVisible(u, p) {
		return nil, nil, detaineeNotFound()
	}
	if !may(p) {
		return nil, nil, forbidden()
	}
	return d, p, nil
}

// presentDetainee returns the stay as u may see it: masked for those who
// read detainees, without the person for the others (a district's
// supervisors).
func presentDetainee(u *epiloop.User, p *epiloop.Place, d *epiloop.Detainee) *epiloop.Detainee {
	m := d.Masked()
	if !epiloop.DetaineesVisible(u, p) {
		m.Person, m.Reason, m.EndReason = epiloop.Person{}, "", ""
	}
	return &m
}

// MoveInput is a move of a detainee to another area; Override and Reason
// are a supervisor's decision to end the isolation early.
type MoveInput struct {
	Area     string `json:"area"`
	Override bool   `json:"override"`
	Reason   string `json:"override_reason"`
}

// MoveDetainee moves a detainee to another area of the facility. Out of
// isolation into a general area before the isolation ends is refused
// unless a supervisor (MayOverrideIsolation) overrides it with a reason,
// recorded on the stay, in its event and in the audit trail. A move once
// the isolation is over ends the new_detainee observation.
func (s *Service) MoveDetainee(ctx context.Context, id int64, in MoveInput) (*epiloop.Detainee, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActAdmitDetainee) && !u.Can(epiloop.ActOverrideIsolation) {
		return nil, forbidden()
	}
	in.Area, in.Reason = strings.TrimSpace(in.Area), strings.TrimSpace(in.Reason)
	if in.Area == "" {
		return nil, epiloop.FieldError("area", "err.detention_area_not_found")
	}
	var out *epiloop.Detainee
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		d, p, err := detaineeFor(tx, u, id, func(p *epiloop.Place) bool {
			return epiloop.MayActAtFacility(u, p, epiloop.ActAdmitDetainee) || epiloop.MayOverrideIsolation(u, p)
		})
		if err != nil {
			return err
		}
		if in.Override && !epiloop.MayOverrideIsolation(u, p) {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.detention_override_supervisor")
		}
		areas, err := tx.FindDetentionAreas(p.Code)
		if err != nil {
			return err
		}
		var to *epiloop.DetentionArea
		for i := range areas {
			if areas[i].Code == in.Area {
				to = &areas[i]
			}
		}
		if to == nil {
			return epiloop.FieldError("area", "err.detention_area_not_found")
		}
		now := s.now()
		today := epiloop.CivilDate(now)
		wasIsolated := d.AreaKind == epiloop.AreaIsolation
		early, err := epiloop.CheckMove(d, to, today, in.Override, in.Reason)
		if err != nil {
			return err
		}
		from := d.AreaCode
		d.AreaCode, d.AreaKind, d.MovedAt, d.UpdatedAt = to.Code, to.Kind, &now, now
		kind, data := epiloop.EventDetaineeMoved, map[string]any{"detainee": d.ID, "from": from, "to": to.Code}
		if early {
			d.OverrideReason, d.OverrideBy = in.Reason, u.ID
			kind, data["reason"], data["days_left"] = epiloop.EventDetaineeOverride, in.Reason, d.IsolationDaysLeft(today)
		}
		if wasIsolated && to.Kind == epiloop.AreaGeneral && !early {
			if err := s.endDetaineeObservation(tx, u, now, d, epiloop.ObservationReleased, "isolation over"); err != nil {
				return err
			}
		}
		if err := tx.UpdateDetainee(d); err != nil {
			return err
		}
		out = presentDetainee(u, p, d)
		if err := tx.CreateEvent(detentionEvent(kind, p, u.ID, now, data)); err != nil {
			return err
		}
		detail := fmt.Sprintf("moved %s -> %s", from, to.Code)
		if early {
			detail = fmt.Sprintf("isolation override %s -> %s, %d days left", from, to.Code, d.IsolationDaysLeft(today))
			e := epiloop.NewAuditEntry(u, epiloop.AuditChange, detaineeObject(d.ID), now)
			e.Detail, e.Purpose = detail, in.Reason
			return tx.AppendAudit(e)
		}
		return s.audit(tx, u, epiloop.AuditChange, detaineeObject(d.ID), detail)
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return out, nil
}

// endDetaineeObservation ends the stay's observation when it still runs.
func (s *Service) endDetaineeObservation(tx epiloop.Tx, u *epiloop.User, now time.Time, d *epiloop.Detainee,
	status epiloop.ObservationStatus, reason string) error {
	if d.ObservationID == 0 {
		return nil
	}
	o, err := tx.FindObservationByID(d.ObservationID, true)
	if err != nil || !o.Status.Open() {
		return err
	}
	oc := &obsChange{tx: tx, now: now, user: u, o: o, before: epiloop.ObservationContribution(o)}
	s.end(oc, status, reason)
	kind := epiloop.EventObservationReleased
	if status == epiloop.ObservationTransferred {
		kind = epiloop.EventObservationTransferred
	}
	oc.emit(kind, map[string]any{"day": o.Day(epiloop.CivilDate(now))})
	return oc.save()
}

// ReleaseInput ends a stay: released, or transferred out (to another
// facility or a hospital, named in Reason).
type ReleaseInput struct {
	Status epiloop.DetaineeStatus `json:"status"`
	Reason string                 `json:"reason"`
}

// ReleaseDetainee ends a stay and its observation.
func (s *Service) ReleaseDetainee(ctx context.Context, id int64, in ReleaseInput) (*epiloop.Detainee, error) {
	u, err := allowed(ctx, epiloop.ActAdmitDetainee)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Status != epiloop.DetaineeReleased && in.Status != epiloop.DetaineeTransferred:
		return nil, epiloop.FieldError("status", "err.detention_release_status")
	case len([]rune(in.Reason)) < 2 || len(in.Reason) > epiloop.MaxReasonBytes:
		return nil, epiloop.FieldError("reason", "err.detention_release_reason", epiloop.MaxReasonBytes)
	}
	var out *epiloop.Detainee
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		d, p, err := detaineeFor(tx, u, id, func(p *epiloop.Place) bool {
			return epiloop.MayActAtFacility(u, p, epiloop.ActAdmitDetainee)
		})
		if err != nil {
			return err
		}
		if d.Status != epiloop.DetaineePresent {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.detention_not_present", string(d.Status))
		}
		now := s.now()
		obs := epiloop.ObservationReleased
		if in.Status == epiloop.DetaineeTransferred {
			obs = epiloop.ObservationTransferred
		}
		if err := s.endDetaineeObservation(tx, u, now, d, obs, in.Reason); err != nil {
			return err
		}
		d.Status, d.EndReason, d.EndedAt, d.UpdatedAt = in.Status, in.Reason, &now, now
		if err := tx.UpdateDetainee(d); err != nil {
			return err
		}
		if err := tx.CreateEvent(detentionEvent(epiloop.EventDetaineeReleased, p, u.ID, now,
			map[string]any{"detainee": d.ID, "status": d.Status, "reason": in.Reason})); err != nil {
			return err
		}
		out = presentDetainee(u, p, d)
		return s.audit(tx, u, epiloop.AuditChange, detaineeObject(d.ID), string(d.Status))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return out, nil
}

// RevealDetainee unmasks a detainee's identity for a stated purpose,
// audited: the facility's staff and commanders.
func (s *Service) RevealDetainee(ctx context.Context, id int64, purpose string) (epiloop.Person, error) {
	u, err := allowed(ctx, epiloop.ActRevealDetainee)
	if err != nil {
		return epiloop.Person{}, err
	}
	if purpose, err = checkPurpose(purpose); err != nil {
		return epiloop.Person{}, err
	}
	var p epiloop.Person
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		d, _, err := detaineeFor(tx, u, id, func(p *epiloop.Place) bool {
			return epiloop.MayActAtFacility(u, p, epiloop.ActRevealDetainee)
		})
		if err != nil {
			return err
		}
		p, p.ID = d.Person, 0
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, detaineeObject(id), s.now())
		e.Purpose = purpose
		return tx.AppendAudit(e)
	})
	return p, err
}

// SetClosedManagement records a facility's closed-management order: it
// becomes the facility's state, the orders before it its history.
func (s *Service) SetClosedManagement(ctx context.Context, code string, m epiloop.ClosedManagement) (*epiloop.ClosedManagement, error) {
	u, err := allowed(ctx, epiloop.ActManageDetention)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		p, err := facilityFor(tx, u, code, func(p *epiloop.Place) bool { return epiloop.MayManageDetention(u, p) })
		if err != nil {
			return err
		}
		now := s.now()
		m.FacilityCode, m.By, m.At = p.Code, u.ID, now
		if err := tx.CreateClosedManagement(&m); err != nil {
			return err
		}
		if err := tx.CreateEvent(detentionEvent(epiloop.EventDetentionClosure, p, u.ID, now, map[string]any{
			"state": m.State, "from": m.From, "order_no": m.OrderNo, "exemptions": len(m.Exemptions)})); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, facilityObject(p.Code), fmt.Sprintf("closed management %s from %s", m.State, m.From))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &m, nil
}
