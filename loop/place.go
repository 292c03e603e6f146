package loop

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// The registry of places (epiloop/place.go): who sees which, saving and
// closing them, and the places' figures of the dashboard and the daily
// report.

func placeNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.place_not_found") }

func placeObject(code string) string { return "place:" + code }

// unitCommunities returns the communities a unit serves: a committee's
// own, and those of the loaded tree whose station a police station is.
func (s *Service) unitCommunities(unit string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for code, c := range s.communities {
		if epiloop.CommitteeCode(code) == unit || c.Station == unit {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// scopedPlaces narrows f to u's jurisdiction.
func (s *Service) scopedPlaces(u *epiloop.User, f epiloop.PlaceFilter) epiloop.PlaceFilter {
	sc := u.Scope()
	switch {
	case sc.All:
	case sc.District != "":
		f.District = &sc.District
	default:
		unit := sc.Unit
		f.Unit, f.Communities = &unit, s.unitCommunities(unit)
	}
	return f
}

// visiblePlace loads a place u may read (ENOTFOUND otherwise, as a
// missing one).
func (s *Service) visiblePlace(tx epiloop.Tx, u *epiloop.User, code string) (*epiloop.Place, error) {
	p, err := tx.FindPlaceByCode(code)
	if err != nil {
		return nil, err
	}
	return p, s.placeVisible(u, p)
}

func (s *Service) placeVisible(u *epiloop.User, p *epiloop.Place) error {
	var cms []string
	if sc := u.Scope(); !sc.All && sc.District == "" {
		cms = s.unitCommunities(sc.Unit)
	}
	if !epiloop.PlaceVisible(u, p, cms) {
		return placeNotFound()
	}
	return nil
}

// withSite reads an isolation site's capacity and occupancy from the site
// and its active plans.
func withSite(tx epiloop.Tx, p *epiloop.Place) error {
	if p.Kind != epiloop.PlaceIsolationSite {
		return nil
	}
	st, err := tx.FindSiteByCode(p.SiteCode, false)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	p.Capacity, p.Occupancy = st.Capacity, st.Occupancy
	return nil
}

// FindPlaces returns one page of the places of the caller's jurisdiction
// that f selects, and the total.
func (s *Service) FindPlaces(ctx context.Context, f epiloop.PlaceFilter) ([]epiloop.Place, int, error) {
	u, err := allowed(ctx, epiloop.ActReadPlaces)
	if err != nil {
		return nil, 0, err
	}
	f = s.scopedPlaces(u, f)
	var out []epiloop.Place
	var total int
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		if out, total, err = tx.FindPlaces(f); err != nil {
			return err
		}
		for i := range out {
			if err := withSite(tx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if out == nil {
		out = []epiloop.Place{}
	}
	return out, total, err
}

// PlaceView is a place's page: the place, its checklist, its latest
// inspections, its rectifications, and (for readers of deployments) its
// deployments.
type PlaceView struct {
	epiloop.Place
	Checklist      []string                `json:"checklist"`
	Inspections    []epiloop.Inspection    `json:"inspections"`
	Rectifications []epiloop.Rectification `json:"rectifications"`
	Deployments    []epiloop.Deployment    `json:"deployments,omitempty"`
	Uncovered      bool                    `json:"uncovered,omitempty"`
}

// FindPlace returns a place of the caller's jurisdiction with its
// inspections and rectifications.
func (s *Service) FindPlace(ctx context.Context, code string) (*PlaceView, error) {
	u, err := allowed(ctx, epiloop.ActReadPlaces)
	if err != nil {
		return nil, err
	}
	var v *PlaceView
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		p, err := s.visiblePlace(tx, u, code)
		if err != nil {
			return err
		}
		if err := withSite(tx, p); err != nil {
			return err
		}
		v = &PlaceView{Place: *p, Checklist: epiloop.ChecklistFor(p), Uncovered: p.Uncovered()}
		if v.Inspections, err = tx.FindInspections(p.ID, 50); err != nil {
			return err
		}
		if v.Rectifications, _, err = tx.FindRectifications(epiloop.RectificationFilter{PlaceID: &p.ID, Limit: 50}); err != nil {
			return err
		}
		if u.Can(epiloop.ActReadDeployments) && p.Kind == epiloop.PlaceCompound {
			ds, _, err := tx.FindDeployments(epiloop.DeploymentFilter{PlaceID: &p.ID, Limit: 200})
			if err != nil {
				return err
			}
			for _, d := range ds {
				if epiloop.DeploymentVisible(u, &d) {
					v.Deployments = append(v.Deployments, d)
				}
			}
		}
		return nil
	})
	if v != nil {
		v.Inspections = nonNilList(v.Inspections)
		v.Rectifications = nonNilList(v.Rectifications)
	}
	return v, err
}

func nonNilList[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// checkPlaceRefs checks that a place's district, community, responsible
// unit and site exist and agree.
func (s *Service) checkPlaceRefs(tx epiloop.Tx, p *epiloop.Place) error {
	if _, ok := s.District(p.DistrictCode); !ok && s.hasTree() {
		return epiloop.FieldError("district", "err.unknown_district")
	}
	if p.CommunityCode != "" {
		c, ok := s.Community(p.CommunityCode)
		if !ok && s.hasTree() || ok && c.DistrictCode != p.DistrictCode {
			return epiloop.FieldError("community", "err.place_community")
		}
	}
	if _, err := tx.FindUnitByCode(p.UnitCode); err != nil {
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("unit", "err.place_unit")
		}
		return err
	}
	if p.Kind == epiloop.PlaceIsolationSite {
		if _, err := tx.FindSiteByCode(p.SiteCode, false); err != nil {
			if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
				return epiloop.FieldError("site", "err.place_site")
			}
			return err
		}
	}
	return nil
}

// savePlace validates and writes one place in tx: a new one as given, an
// existing one keeping its closure state (which changes through
// TransitionPlace only); it reports whether it created it.
func (s *Service) savePlace(tx epiloop.Tx, u *epiloop.User, p *epiloop.Place) (bool, error) {
	if err := p.Validate(); err != nil {
		return false, err
	}
	if !epiloop.MayManagePlace(u, p) {
		return false, epiloop.FieldError("district", "err.place_outside")
	}
	if err := s.checkPlaceRefs(tx, p); err != nil {
		return false, err
	}
	now := s.now()
	old, err := tx.FindPlaceByCode(p.Code)
	switch {
	case err == nil:
		if !epiloop.MayManagePlace(u, old) {
			return false, epiloop.FieldError("code", "err.place_exists")
		}
		if old.Kind == epiloop.PlaceGathering && p.Kind == epiloop.PlaceGathering {
			p.State, p.Order = old.State, old.Order
		}
		p.CreatedAt = old.CreatedAt
	case epiloop.ErrorCode(err) == epiloop.ENOTFOUND:
		p.CreatedAt = now
	default:
		return false, err
	}
	p.UpdatedAt = now
	created, err := tx.UpsertPlace(p)
	if err != nil {
		return false, err
	}
	if err := tx.CreateEvent(placeEvent(epiloop.EventPlaceSaved, p, u.ID, now, nil)); err != nil {
		return false, err
	}
	detail := "updated"
	if created {
		detail = "created"
	}
	return created, s.audit(tx, u, epiloop.AuditChange, placeObject(p.Code), detail)
}

// SavePlace creates or updates a place of the caller's jurisdiction.
func (s *Service) SavePlace(ctx context.Context, p *epiloop.Place) (bool, error) {
	u, err := allowed(ctx, epiloop.ActManagePlaces)
	if err != nil {
		return false, err
	}
	var created bool
	err = s.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
		created, err = s.savePlace(tx, u, p)
		return err
	})
	s.placeTiles.forget()
	return created, err
}

// placeEvent is the event of a place's change: codes and ids only.
func placeEvent(kind string, p *epiloop.Place, actor int64, now time.Time, extra map[string]any) *epiloop.Event {
	data := map[string]any{"place": p.Code, "kind": p.Kind}
	if p.State != "" {
		data["state"] = p.State
	}
	for k, v := range extra {
		data[k] = v
	}
	e := epiloop.NewEvent(kind, nil, now, actor, data)
	e.District = p.DistrictCode
	e.AddUnit(p.UnitCode)
	return e
}

// TransitionPlace closes a gathering place by order or reopens it.
func (s *Service) TransitionPlace(ctx context.Context, code, action string, order *epiloop.ClosureOrder) (*epiloop.Place, error) {
	u, err := allowed(ctx, epiloop.ActManagePlaces)
	if err != nil {
		return nil, err
	}
	var p *epiloop.Place
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if p, err = s.visiblePlace(tx, u, code); err != nil {
			return err
		}
		if !epiloop.MayManagePlace(u, p) {
			return placeNotFound()
		}
		kind, err := p.Transition(action, order)
		if err != nil {
			return err
		}
		now := s.now()
		p.UpdatedAt = now
		if _, err := tx.UpsertPlace(p); err != nil {
			return err
		}
		var extra map[string]any
		if p.Order != nil && kind == epiloop.EventPlaceClosed {
			extra = map[string]any{"order_no": p.Order.Number, "from": p.Order.From, "to": p.Order.To}
		}
		if err := tx.CreateEvent(placeEvent(kind, p, u.ID, now, extra)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, placeObject(p.Code), action)
	})
	s.placeTiles.forget()
	return p, err
}

// PlaceFigures are the places' figures of a jurisdiction
// (docs/figures.md): uncovered compounds, closed places found open, places
// closed by order — in total and by district.
type PlaceFigures struct {
	Counts    map[string]int64  `json:"counts"`
	Districts []DistrictFigures `json:"districts"`
}

// DistrictFigures are one district's places' figures.
type DistrictFigures struct {
	Code   string           `json:"code"`
	Counts map[string]int64 `json:"counts"`
}

// PlaceMetrics lists the places' figures in display order.
var PlaceMetrics = []string{epiloop.MetricUncoveredCompounds, epiloop.MetricClosedFoundOpen, epiloop.MetricPlacesClosed}

// PlaceTilesTTL is how long a jurisdiction's places' figures are kept
// for the dashboard and the report (a city's 9,000 places are read in
// about 0.1 s; a live dashboard redraws on every change). A change of a
// place, an inspection or a deployment on this replica forgets them at
// once; another replica's shows within the TTL.
const PlaceTilesTTL = 30 * time.Second

// placeTiles keeps each jurisdiction's places' figures for PlaceTilesTTL.
type placeTiles struct {
	mu sync.Mutex
	by map[string]cachedPlaceTiles
}

type cachedPlaceTiles struct {
	at time.Time
	f  PlaceFigures
}

// forget drops every kept figure.
func (c *placeTiles) forget() {
	c.mu.Lock()
	c.by = nil
	c.mu.Unlock()
}

// PlaceFigures returns the places' figures of the caller's jurisdiction,
// for the dashboard, the daily report and the places' page.
func (s *Service) PlaceFigures(ctx context.Context) (*PlaceFigures, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActDashboard) && !u.Can(epiloop.ActReport) && !u.Can(epiloop.ActReadPlaces) {
		return nil, forbidden()
	}
	now := s.now()
	sc := u.Scope()
	key := epiloop.CounterScope(sc)
	s.placeTiles.mu.Lock()
	c, ok := s.placeTiles.by[key]
	s.placeTiles.mu.Unlock()
	if !ok || now.Sub(c.at) > PlaceTilesTTL || now.Before(c.at) {
		f, err := s.placeFigures(ctx, u)
		if err != nil {
			return nil, err
		}
		c = cachedPlaceTiles{now, *f}
		s.placeTiles.mu.Lock()
		if s.placeTiles.by == nil {
			s.placeTiles.by = map[string]cachedPlaceTiles{}
		}
		s.placeTiles.by[key] = c
		s.placeTiles.mu.Unlock()
	}
	// The caller's copy, counted as the caller may see it.
	out := &PlaceFigures{Counts: u.Counts(maps.Clone(c.f.Counts)), Districts: make([]DistrictFigures, len(c.f.Districts))}
	for i, d := range c.f.Districts {
		out.Districts[i] = DistrictFigures{Code: d.Code, Counts: u.Counts(maps.Clone(d.Counts))}
	}
	return out, nil
}

// placeFigures counts the figures of u's jurisdiction from the rows.
func (s *Service) placeFigures(ctx context.Context, u *epiloop.User) (*PlaceFigures, error) {
	f := s.scopedPlaces(u, epiloop.PlaceFilter{})
	by := map[string]map[string]int64{}
	add := func(district, metric string) {
		if by[district] == nil {
			by[district] = map[string]int64{}
		}
		by[district][metric]++
	}
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		for _, k := range []epiloop.PlaceKind{epiloop.PlaceCompound, epiloop.PlaceGathering} {
			pf := f
			pf.Kind, pf.Limit = &k, 1000
			for {
				ps, total, err := tx.FindPlaces(pf)
				if err != nil {
					return err
				}
				for _, p := range ps {
					if p.Uncovered() {
						add(p.DistrictCode, epiloop.MetricUncoveredCompounds)
					}
					if p.Kind == epiloop.PlaceGathering && p.State.Closed() {
						add(p.DistrictCode, epiloop.MetricPlacesClosed)
					}
				}
				pf.Offset += len(ps)
				if len(ps) == 0 || pf.Offset >= total {
					break
				}
			}
		}
		rf := epiloop.RectificationFilter{Open: true, District: f.District, Unit: f.Unit, Limit: 1000}
		for {
			rs, total, err := tx.FindRectifications(rf)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.FoundOpen() {
					add(r.DistrictCode, epiloop.MetricClosedFoundOpen)
				}
			}
			rf.Offset += len(rs)
			if len(rs) == 0 || rf.Offset >= total {
				return nil
			}
		}
	})
	out := &PlaceFigures{Counts: map[string]int64{}, Districts: []DistrictFigures{}}
	for _, m := range PlaceMetrics {
		out.Counts[m] = 0
	}
	codes := make([]string, 0, len(by))
	for d := range by {
		codes = append(codes, d)
	}
	slices.Sort(codes)
	for _, d := range codes {
		c := map[string]int64{}
		for _, m := range PlaceMetrics {
			c[m] = by[d][m]
			out.Counts[m] += by[d][m]
		}
		out.Districts = append(out.Districts, DistrictFigures{Code: d, Counts: c})
	}
	return out, err
}

func rectificationObject(id int64) string { return fmt.Sprintf("rectification:%d", id) }

func deploymentObject(id int64) string { return fmt.Sprintf("deployment:%d", id) }
