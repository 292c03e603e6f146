package loop

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/epiloop/epiloop"
)

// Inspections and rectifications (epiloop/inspection.go): an officer on a
// post's duty slot (or a commander) inspects a place of their
// jurisdiction; a defect opens a rectification for the place's
// responsible unit, which closes when a re-inspection confirms the unit's
// fix (epiloop.RectificationAgreement); one left open past its due time
// escalates.

func rectificationNotFound() error {
	return epiloop.Errorf(epiloop.ENOTFOUND, "err.rectification_not_found")
}

// holdsSlotNow reports whether the user holds a duty slot of a post at
// now.
func holdsSlotNow(tx epiloop.Tx, user int64, now time.Time) (bool, error) {
	slots, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{User: &user, From: now, To: now.Add(time.Millisecond), Limit: 10})
	if err != nil {
		return false, err
	}
	for i := range slots {
		if !now.Before(slots[i].Start) && now.Before(slots[i].End) && slots[i].Holds(user) {
			return true, nil
		}
	}
	return false, nil
}

// InspectionResult is what recording an inspection did: the inspection,
// and the rectification it opened or re-inspected (nil for none).
type InspectionResult struct {
	Inspection    *epiloop.Inspection    `json:"inspection"`
	Rectification *epiloop.Rectification `json:"rectification,omitempty"`
}

// RecordInspection records the caller's inspection of a place: defects
// open a rectification; an inspection naming a rectification re-inspects
// it (and opens none of its own).
func (s *Service) RecordInspection(ctx context.Context, code string, in epiloop.Inspection) (*InspectionResult, error) {
	u, err := allowed(ctx, epiloop.ActInspect)
	if err != nil {
		return nil, err
	}
	var out *InspectionResult
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		p, err := s.visiblePlace(tx, u, code)
		if err != nil {
			return err
		}
		now := s.now()
		onDuty, err := holdsSlotNow(tx, u.ID, now)
		if err != nil {
			return err
		}
		if !epiloop.MayInspect(u, onDuty) {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.inspection_not_on_duty")
		}
		rec := in
		rec.Items = slices.Clone(in.Items) // Apply marks them; the caller's stay as given
		rec.PlaceID, rec.InspectorID, rec.At = p.ID, u.ID, now
		var r *epiloop.Rectification
		if rec.RectificationID != 0 {
			if r, err = tx.FindRectificationByID(rec.RectificationID, true); err != nil || r.PlaceID != p.ID {
				return epiloop.FieldError("rectification_id", "err.rectification_not_found")
			}
		}
		if err := rec.Apply(p); err != nil {
			return err
		}
		if r != nil && r.Fixed == nil {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.rectification_not_fixed")
		}
		if err := tx.CreateInspection(&rec); err != nil {
			return err
		}
		data := map[string]any{"inspection": rec.ID, "inspection_kind": rec.Kind, "defects": len(rec.Defects)}
		if err := tx.CreateEvent(placeEvent(epiloop.EventInspectionRecorded, p, u.ID, now, data)); err != nil {
			return err
		}
		kind := ""
		switch {
		case r != nil:
			if err := r.Reinspect(&rec, now); err != nil {
				return err
			}
			kind = epiloop.EventRectificationChecked
			if r.State == epiloop.AgreementAgreed {
				kind = epiloop.EventRectificationClosed
			}
		case len(rec.Defects) > 0:
			r, kind = epiloop.NewRectification(p, &rec), epiloop.EventRectificationOpened
		}
		if r != nil {
			if err := tx.SaveRectification(r); err != nil {
				return err
			}
			if err := tx.CreateEvent(rectificationEvent(kind, r, p, u.ID, now)); err != nil {
				return err
			}
		}
		out = &InspectionResult{Inspection: &rec, Rectification: r}
		return s.audit(tx, u, epiloop.AuditChange, placeObject(p.Code), fmt.Sprintf("inspection:%d defects %d", rec.ID, len(rec.Defects)))
	})
	s.placeTiles.forget()
	return out, err
}

// rectificationEvent is a rectification's step: codes and ids only.
func rectificationEvent(kind string, r *epiloop.Rectification, p *epiloop.Place, actor int64, now time.Time) *epiloop.Event {
	return placeEvent(kind, p, actor, now, map[string]any{"rectification": r.ID, "agreement": r.State,
		"items": r.Items, "found_open": r.FoundOpen()})
}

// visibleRectification loads a rectification and its place when u may
// read the place.
func (s *Service) visibleRectification(tx epiloop.Tx, u *epiloop.User, id int64, lock bool) (*epiloop.Rectification, *epiloop.Place, error) {
	r, err := tx.FindRectificationByID(id, lock)
	if err != nil {
		return nil, nil, err
	}
	p, err := tx.FindPlaceByID(r.PlaceID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.placeVisible(u, p); err != nil {
		return nil, nil, rectificationNotFound()
	}
	return r, p, nil
}

// FindRectification returns one rectification of the caller's
// jurisdiction.
func (s *Service) FindRectification(ctx context.Context, id int64) (*epiloop.Rectification, error) {
	u, err := allowed(ctx, epiloop.ActReadPlaces)
	if err != nil {
		return nil, err
	}
	var r *epiloop.Rectification
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		r, _, err = s.visibleRectification(tx, u, id, false)
		return err
	})
	return r, err
}

// FindRectifications returns the rectifications of the caller's
// jurisdiction (a unit's: those it must fix), open ones only with open.
func (s *Service) FindRectifications(ctx context.Context, open bool, offset, limit int) ([]epiloop.Rectification, int, error) {
	u, err := allowed(ctx, epiloop.ActReadPlaces)
	if err != nil {
		return nil, 0, err
	}
	f := epiloop.RectificationFilter{Open: open, Offset: offset, Limit: limit}
	narrowToScope(u, &f.District, &f.Unit)
	var out []epiloop.Rectification
	var total int
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindRectifications(f)
		return err
	})
	return nonNilList(out), total, err
}

// ReportFixed records the responsible unit's report that a
// rectification's defects are fixed; a re-inspection then confirms it.
func (s *Service) ReportFixed(ctx context.Context, id int64, note string) (*epiloop.Rectification, error) {
	u, err := allowed(ctx, epiloop.ActRectify)
	if err != nil {
		return nil, err
	}
	var r *epiloop.Rectification
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		var p *epiloop.Place
		if r, p, err = s.visibleRectification(tx, u, id, true); err != nil {
			return err
		}
		if !epiloop.MayRectify(u, r) {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.rectification_not_yours")
		}
		now := s.now()
		if err := r.ReportFixed(&epiloop.RectifyReport{UserID: u.ID, Note: note}, now); err != nil {
			return err
		}
		if err := tx.SaveRectification(r); err != nil {
			return err
		}
		if err := tx.CreateEvent(rectificationEvent(epiloop.EventRectificationFixed, r, p, u.ID, now)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, rectificationObject(r.ID), "fixed")
	})
	return r, err
}

// EscalateRectifications escalates every open rectification
// epiloop.RectificationAgreement.EscalateAfter past its due time, once:
// an event (the notifier and the district's live pages hear it) and an
// item in the inbox of whoever holds the district sub-command's duty post.
// It reports how many escalated.
func (s *Service) EscalateRectifications(ctx context.Context) (int, error) {
	now := s.now()
	before := now.Add(-epiloop.RectificationAgreement.EscalateAfter)
	var ids []int64
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		rs, _, err := tx.FindRectifications(epiloop.RectificationFilter{DueBefore: &before, Limit: 1000})
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return err
	})
	n := 0
	for _, id := range ids {
		if err != nil {
			break
		}
		err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
			r, err := tx.FindRectificationByID(id, true)
			if err != nil || !r.Open() || r.EscalatedAt != nil || !epiloop.RectificationAgreement.Overdue(r.Due, now) {
				return err
			}
			p, err := tx.FindPlaceByID(r.PlaceID)
			if err != nil {
				return err
			}
			r.EscalatedAt = &now
			if err := tx.SaveRectification(r); err != nil {
				return err
			}
			e := rectificationEvent(epiloop.EventRectificationOverdue, r, p, 0, now)
			if node, err := dutyNode(tx, r.DistrictCode, false); err != nil {
				return err
			} else if node != nil {
				user, post, err := dutyHolder(tx, node.Code, now)
				if err != nil {
					return err
				}
				if user != 0 {
					if err := tx.CreateDutyItem(&epiloop.DutyItem{UserID: user, Kind: epiloop.DutyItemRectificationOverdue,
						NodeCode: node.Code, PostID: post, Ref: epiloop.DutyRef(epiloop.RefPlace, p.Code), CreatedAt: now}); err != nil {
						return err
					}
				}
			}
			n++
			return tx.CreateEvent(e)
		})
	}
	return n, err
}
