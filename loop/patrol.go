package loop

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/epiloop/epiloop"
)

// Patrol logs, drone sorties and incident statistics (epiloop/patrol.go):
// each write keeps its day's counters, writes an event and an audit entry
// in its transaction.

// patrolUnit resolves the unit an entry is logged for (the caller's own
// by default) and its district: the unit's, or for a unit of no district
// (headquarters) the one named.
func patrolUnit(tx epiloop.Tx, u *epiloop.User, unit, district string) (string, string, error) {
	if unit == "" {
		unit = u.UnitCode
	}
	un, err := tx.FindUnitByCode(unit)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return "", "", epiloop.FieldError("unit", "err.patrol_unit_unknown")
	} else if err != nil {
		return "", "", err
	}
	switch {
	case un.DistrictCode != "" && district != "" && district != un.DistrictCode:
		return "", "", epiloop.FieldError("district", "err.patrol_district_of_unit")
	case un.DistrictCode != "":
		district = un.DistrictCode
	case district == "":
		return "", "", epiloop.FieldError("district", "err.incident_district")
	default:
		ds, err := tx.FindDistricts()
		if err != nil {
			return "", "", err
		}
		if !slices.ContainsFunc(ds, func(d epiloop.District) bool { return d.Code == district }) {
			return "", "", epiloop.FieldError("district", "err.incident_district")
		}
	}
	if !u.MayLogPatrol(un.Code, district) {
		return "", "", epiloop.FieldError("unit", "err.patrol_unit_not_yours")
	}
	return un.Code, district, nil
}

// patrolEvent is the event of a patrol or sortie change: ids and counts,
// never names; the reason of a correction is free text (sealed detail).
func patrolEvent(kind, unit, district string, now time.Time, actor int64, data map[string]any) *epiloop.Event {
	e := epiloop.NewEvent(kind, nil, now, actor, data)
	e.District, e.Units = district, []string{unit}
	return e
}

// LogPatrol records a patrol of the caller's unit (or, for district and
// city commanders, of a unit they may log for).
func (s *Service) LogPatrol(ctx context.Context, p epiloop.PatrolLog) (*epiloop.PatrolLog, error) {
	u, err := allowed(ctx, epiloop.ActLogPatrol)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p.Normalize()
	if err := p.Validate(now); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if p.UnitCode, p.DistrictCode, err = patrolUnit(tx, u, p.UnitCode, p.DistrictCode); err != nil {
			return err
		}
		p.ID, p.Voided, p.CreatedBy, p.CreatedAt, p.UpdatedAt = 0, false, u.ID, now, now
		if err := tx.CreatePatrolLog(&p); err != nil {
			return err
		}
		if err := tx.AddStatCounters(epiloop.PatrolContribution(&p)); err != nil {
			return err
		}
		if err := tx.CreateEvent(patrolEvent(epiloop.EventPatrolLogged, p.UnitCode, p.DistrictCode, now, u.ID,
			map[string]any{"patrol_id": p.ID, "officers": len(p.Officers), "vehicles": len(p.Vehicles)})); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, patrolObject(p.ID), "logged")
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &p, nil
}

func patrolObject(id int64) string { return fmt.Sprintf("patrol:%d", id) }
func sortieObject(id int64) string { return fmt.Sprintf("sortie:%d", id) }

// mayCorrect checks that u may correct or void an entry of unit in
// district logged at created: outside u's sight it does not exist.
func mayCorrect(u *epiloop.User, unit, district string, created, now time.Time, voided bool, missing string) error {
	switch {
	case !u.SeesPatrol(unit, district):
		return epiloop.Errorf(epiloop.ENOTFOUND, missing)
	case !u.MayLogPatrol(unit, district):
		return forbidden()
	case voided:
		return epiloop.Errorf(epiloop.ECONFLICT, "err.patrol_voided")
	case !epiloop.Correctable(created, now):
		return epiloop.Errorf(epiloop.ECONFLICT, "err.patrol_correction_window", int(epiloop.PatrolCorrectionWindow.Hours()))
	}
	return nil
}

// CorrectPatrol replaces a patrol's officers, vehicles, area and times
// (its unit and district stay), within epiloop.PatrolCorrectionWindow;
// void withdraws it instead. The figures follow in the same transaction.
func (s *Service) CorrectPatrol(ctx context.Context, id int64, c epiloop.PatrolLog, void bool, reason string) (*epiloop.PatrolLog, error) {
	u, err := allowed(ctx, epiloop.ActLogPatrol)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !void {
		c.Normalize()
		if err := c.Validate(now); err != nil {
			return nil, err
		}
	}
	if len([]rune(reason)) > epiloop.MaxPatrolText {
		return nil, epiloop.FieldError("reason", "err.patrol_text_too_long", epiloop.MaxPatrolText)
	}
	var p *epiloop.PatrolLog
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		old, err := tx.FindPatrolLogByID(id)
		if err != nil {
			return err
		}
		if err := mayCorrect(u, old.UnitCode, old.DistrictCode, old.CreatedAt, now, old.Voided, "err.patrol_not_found"); err != nil {
			return err
		}
		p = new(*old)
		kind := epiloop.EventPatrolVoided
		if void {
			p.Voided = true
		} else {
			kind = epiloop.EventPatrolCorrected
			p.Officers, p.Vehicles, p.Area, p.Start, p.End = c.Officers, c.Vehicles, c.Area, c.Start, c.End
		}
		p.UpdatedAt = now
		if err := tx.UpdatePatrolLog(p); err != nil {
			return err
		}
		if err := tx.AddStatCounters(epiloop.DeltaDiff(epiloop.PatrolContribution(old), epiloop.PatrolContribution(p))); err != nil {
			return err
		}
		data := map[string]any{"patrol_id": p.ID, "officers": len(p.Officers), "vehicles": len(p.Vehicles)}
		if reason != "" {
			data["reason"] = reason
		}
		if err := tx.CreateEvent(patrolEvent(kind, p.UnitCode, p.DistrictCode, now, u.ID, data)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, patrolObject(p.ID), map[bool]string{true: "voided", false: "corrected"}[void])
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return p, nil
}

// LogSortie records a drone sortie, as LogPatrol.
func (s *Service) LogSortie(ctx context.Context, d epiloop.DroneSortie) (*epiloop.DroneSortie, error) {
	u, err := allowed(ctx, epiloop.ActLogPatrol)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d.Normalize()
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if d.UnitCode, d.DistrictCode, err = patrolUnit(tx, u, d.UnitCode, d.DistrictCode); err != nil {
			return err
		}
		d.ID, d.Voided, d.CreatedBy, d.CreatedAt, d.UpdatedAt = 0, false, u.ID, now, now
		if err := tx.CreateDroneSortie(&d); err != nil {
			return err
		}
		if err := tx.AddStatCounters(epiloop.SortieContribution(&d)); err != nil {
			return err
		}
		if err := tx.CreateEvent(patrolEvent(epiloop.EventSortieLogged, d.UnitCode, d.DistrictCode, now, u.ID,
			map[string]any{"sortie_id": d.ID, "minutes": d.Minutes})); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, sortieObject(d.ID), "logged")
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &d, nil
}

// CorrectSortie replaces a sortie's pilot, drone, area, start and
// minutes, or voids it, as CorrectPatrol.
func (s *Service) CorrectSortie(ctx context.Context, id int64, c epiloop.DroneSortie, void bool, reason string) (*epiloop.DroneSortie, error) {
	u, err := allowed(ctx, epiloop.ActLogPatrol)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !void {
		c.Normalize()
		if err := c.Validate(now); err != nil {
			return nil, err
		}
	}
	if len([]rune(reason)) > epiloop.MaxPatrolText {
		return nil, epiloop.FieldError("reason", "err.patrol_text_too_long", epiloop.MaxPatrolText)
	}
	var d *epiloop.DroneSortie
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		old, err := tx.FindDroneSortieByID(id)
		if err != nil {
			return err
		}
		if err := mayCorrect(u, old.UnitCode, old.DistrictCode, old.CreatedAt, now, old.Voided, "err.sortie_not_found"); err != nil {
			return err
		}
		d = new(*old)
		kind := epiloop.EventSortieVoided
		if void {
			d.Voided = true
		} else {
			kind = epiloop.EventSortieCorrected
			d.Pilot, d.Drone, d.Area, d.Start, d.Minutes = c.Pilot, c.Drone, c.Area, c.Start, c.Minutes
		}
		d.UpdatedAt = now
		if err := tx.UpdateDroneSortie(d); err != nil {
			return err
		}
		if err := tx.AddStatCounters(epiloop.DeltaDiff(epiloop.SortieContribution(old), epiloop.SortieContribution(d))); err != nil {
			return err
		}
		data := map[string]any{"sortie_id": d.ID, "minutes": d.Minutes}
		if reason != "" {
			data["reason"] = reason
		}
		if err := tx.CreateEvent(patrolEvent(kind, d.UnitCode, d.DistrictCode, now, u.ID, data)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, sortieObject(d.ID), map[bool]string{true: "voided", false: "corrected"}[void])
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return d, nil
}

// patrolLogFilter puts the caller's jurisdiction on a filter.
func patrolLogFilter(ctx context.Context, f epiloop.PatrolFilter) (epiloop.PatrolFilter, error) {
	u, err := allowed(ctx, epiloop.ActReadPatrolLogs)
	if err != nil {
		return f, err
	}
	f.Scope = u.Scope()
	return f, nil
}

// FindPatrolLogs returns one page of the patrols the caller sees.
func (s *Service) FindPatrolLogs(ctx context.Context, f epiloop.PatrolFilter) ([]epiloop.PatrolLog, int, error) {
	f, err := patrolLogFilter(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var (
		out   []epiloop.PatrolLog
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindPatrolLogs(f)
		return err
	})
	if out == nil {
		out = []epiloop.PatrolLog{}
	}
	return out, total, err
}

// FindDroneSorties returns one page of the sorties the caller sees.
func (s *Service) FindDroneSorties(ctx context.Context, f epiloop.PatrolFilter) ([]epiloop.DroneSortie, int, error) {
	f, err := patrolLogFilter(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var (
		out   []epiloop.DroneSortie
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindDroneSorties(f)
		return err
	})
	if out == nil {
		out = []epiloop.DroneSortie{}
	}
	return out, total, err
}

// PatrolDays checks a civil date range from..to (both included) of at
// most epiloop.MaxPatrolDays.
func PatrolDays(from, to string) error {
	switch {
	case epiloop.AddDays(from, 0) == "":
		return epiloop.FieldError("from", "err.incident_date")
	case epiloop.AddDays(to, 0) == "":
		return epiloop.FieldError("to", "err.incident_date")
	case to < from:
		return epiloop.FieldError("to", "err.patrol_range_order")
	case epiloop.DaysBetween(from, to) >= epiloop.MaxPatrolDays:
		return epiloop.FieldError("to", "err.patrol_range_too_long", epiloop.MaxPatrolDays)
	}
	return nil
}

// PatrolTotalsView is the patrol figures per district over some days,
// and the total of the districts shown.
type PatrolTotalsView struct {
	From      string                 `json:"from"`
	To        string                 `json:"to"`
	Districts []epiloop.PatrolTotals `json:"districts"`
	Total     epiloop.PatrolTotals   `json:"total"`
}

// visibleDistricts returns the districts whose figures u reads.
func visibleDistricts(tx epiloop.Tx, u *epiloop.User) ([]epiloop.District, error) {
	ds, err := tx.FindDistricts()
	if err != nil {
		return nil, err
	}
	mine, all := u.PatrolFigureDistrict()
	if all {
		return ds, nil
	}
	return slices.DeleteFunc(ds, func(d epiloop.District) bool { return d.Code != mine }), nil
}

// PatrolTotals returns the daily patrol figures per district of the
// caller's jurisdiction over from..to, from the counters.
func (s *Service) PatrolTotals(ctx context.Context, from, to string) (*PatrolTotalsView, error) {
	u, err := allowed(ctx, epiloop.ActReadPatrols)
	if err != nil {
		return nil, err
	}
	if err := PatrolDays(from, to); err != nil {
		return nil, err
	}
	v := &PatrolTotalsView{From: from, To: to, Districts: []epiloop.PatrolTotals{}}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		v.Districts, err = patrolTotals(tx, u, from, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, d := range v.Districts {
		v.Total.Patrols += d.Patrols
		v.Total.OfficerShifts += d.OfficerShifts
		v.Total.VehicleShifts += d.VehicleShifts
		v.Total.Sorties += d.Sorties
		v.Total.FlightMinutes += d.FlightMinutes
	}
	for i := range v.Districts {
		v.Districts[i].Suppress(u)
	}
	v.Total.Suppress(u)
	return v, nil
}

// patrolTotals reads the day counters of u's districts over from..to
// (unsuppressed).
func patrolTotals(tx epiloop.Tx, u *epiloop.User, from, to string) ([]epiloop.PatrolTotals, error) {
	ds, err := visibleDistricts(tx, u)
	if err != nil {
		return nil, err
	}
	out := make([]epiloop.PatrolTotals, 0, len(ds))
	for _, d := range ds {
		t := epiloop.PatrolTotals{District: d.Code}
		for date := from; date <= to; date = epiloop.AddDays(date, 1) {
			c, err := tx.FindStatCounters(epiloop.PatrolDayScope(d.Code, date))
			if err != nil {
				return nil, err
			}
			t.Add(c)
		}
		out = append(out, t)
	}
	return out, nil
}

// recountPatrols adds every patrol's and sortie's contribution to want
// (the stat counters' recomputation from the rows).
func recountPatrols(tx epiloop.Tx, want map[epiloop.CounterKey]int64) error {
	const page = 1000
	all := epiloop.Scope{All: true}
	for before := int64(0); ; {
		ps, _, err := tx.FindPatrolLogs(epiloop.PatrolFilter{Scope: all, Before: before, NoCount: true, Limit: page})
		if err != nil {
			return err
		}
		for i := range ps {
			for _, d := range epiloop.PatrolContribution(&ps[i]) {
				want[d.CounterKey] += d.N
			}
		}
		if len(ps) < page {
			break
		}
		before = ps[len(ps)-1].ID
	}
	for before := int64(0); ; {
		ss, _, err := tx.FindDroneSorties(epiloop.PatrolFilter{Scope: all, Before: before, NoCount: true, Limit: page})
		if err != nil {
			return err
		}
		for i := range ss {
			for _, d := range epiloop.SortieContribution(&ss[i]) {
				want[d.CounterKey] += d.N
			}
		}
		if len(ss) < page {
			break
		}
		before = ss[len(ss)-1].ID
	}
	return nil
}
