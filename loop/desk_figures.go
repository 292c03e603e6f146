package loop

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// The service desk's figures (epiloop.DeskContribution summed over the
// rows) and the public form's reference data.

// DeskFigures are the desk's figures of the caller's jurisdiction: in
// all, by district (the enterprises'), and by handling unit.
type DeskFigures struct {
	Counts    map[string]int64  `json:"counts"`
	Districts []DistrictFigures `json:"districts"`
	Units     []UnitFigures     `json:"units"`
}

// UnitFigures are one handling unit's figures.
type UnitFigures struct {
	Code   string           `json:"code"`
	Name   string           `json:"name"`
	Counts map[string]int64 `json:"counts"`
}

// DeskTilesTTL is how long a jurisdiction's desk figures are kept; every
// write on this replica forgets them.
const DeskTilesTTL = 30 * time.Second

type deskTiles struct {
	mu sync.Mutex
	by map[string]cachedDeskTiles
}

type cachedDeskTiles struct {
	at time.Time
	f  DeskFigures
}

func (c *deskTiles) forget() {
	c.mu.Lock()
	c.by = nil
	c.mu.Unlock()
}

// DeskFigures returns the desk's figures of the caller's jurisdiction,
// for the dashboard tile, the daily report and the queue.
func (s *Service) DeskFigures(ctx context.Context) (*DeskFigures, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActDashboard) && !u.Can(epiloop.ActReport) && !u.Can(epiloop.ActReadDesk) {
		return nil, forbidden()
	}
	now := s.now()
	key := epiloop.CounterScope(u.Scope())
	s.deskTiles.mu.Lock()
	c, ok := s.deskTiles.by[key]
	s.deskTiles.mu.Unlock()
	if !ok || now.Sub(c.at) > DeskTilesTTL || now.Before(c.at) {
		f, err := s.deskFigures(ctx, u.Scope(), now)
		if err != nil {
			return nil, err
		}
		c = cachedDeskTiles{now, *f}
		s.deskTiles.mu.Lock()
		if s.deskTiles.by == nil {
			s.deskTiles.by = map[string]cachedDeskTiles{}
		}
		s.deskTiles.by[key] = c
		s.deskTiles.mu.Unlock()
	}
	out := &DeskFigures{Counts: u.Counts(maps.Clone(c.f.Counts))}
	for _, d := range c.f.Districts {
		out.Districts = append(out.Districts, DistrictFigures{Code: d.Code, Counts: u.Counts(maps.Clone(d.Counts))})
	}
	for _, x := range c.f.Units {
		out.Units = append(out.Units, UnitFigures{Code: x.Code, Name: x.Name, Counts: u.Counts(maps.Clone(x.Counts))})
	}
	return out, nil
}

// deskFigures counts the figures of scope from the rows
// (epiloop.DeskContribution).
func (s *Service) deskFigures(ctx context.Context, scope epiloop.Scope, now time.Time) (*DeskFigures, error) {
	f := &DeskFigures{Counts: zeroCounts(), Districts: []DistrictFigures{}, Units: []UnitFigures{}}
	byDistrict, byUnit := map[string]map[string]int64{}, map[string]*UnitFigures{}
	var order []string
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		var after int64
		for {
			ts, err := tx.DeskTickets(nil, after, 1000)
			if err != nil {
				return err
			}
			for i := range ts {
				t := &ts[i]
				after = t.ID
				if !epiloop.TicketInScope(scope, t) {
					continue
				}
				if byDistrict[t.DistrictCode] == nil {
					byDistrict[t.DistrictCode] = zeroCounts()
				}
				if byUnit[t.UnitCode] == nil {
					byUnit[t.UnitCode] = &UnitFigures{Code: t.UnitCode, Name: t.UnitName, Counts: zeroCounts()}
					order = append(order, t.UnitCode)
				}
				for _, m := range epiloop.DeskContribution(t, now) {
					f.Counts[m]++
					byDistrict[t.DistrictCode][m]++
					byUnit[t.UnitCode].Counts[m]++
				}
			}
			if len(ts) < 1000 {
				return nil
			}
		}
	})
	s.mu.RLock()
	for _, d := range s.districtList() {
		if m := byDistrict[d.Code]; m != nil {
			f.Districts = append(f.Districts, DistrictFigures{Code: d.Code, Counts: m})
		}
	}
	s.mu.RUnlock()
	for _, code := range order {
		f.Units = append(f.Units, *byUnit[code])
	}
	return f, err
}

func zeroCounts() map[string]int64 {
	m := map[string]int64{}
	for _, k := range epiloop.DeskMetrics {
		m[k] = 0
	}
	return m
}

// DeskDistricts are the districts of the public form's picker (reference
// data, no account needed).
func (s *Service) DeskDistricts() []epiloop.District {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.districtList()
}
