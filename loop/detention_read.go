package loop

import (
	"context"
	"slices"

	"github.com/epiloop/epiloop"
)

// The detention pages' reads: the facilities of the caller's jurisdiction
// with their figures, one facility's page, and the figures of the
// dashboard and the daily report, all counted from the rows.

// FacilityRow is a facility with its figures today and its
// closed-management state.
type FacilityRow struct {
	epiloop.Place
	Stats   epiloop.DetentionStats    `json:"stats"`
	Closure *epiloop.ClosedManagement `json:"closure,omitempty"`
}

// facilityCodes lists the detention facilities of u's jurisdiction, by
// code.
func (s *Service) scopedFacilities(tx epiloop.Tx, u *epiloop.User) ([]epiloop.Place, error) {
	kind := epiloop.PlaceDetention
	f := epiloop.PlaceFilter{Kind: &kind, Limit: 1000}
	switch sc := u.Scope(); {
	case sc.All:
	case sc.District != "":
		f.District = &sc.District
	default:
		f.Unit = &sc.Unit
	}
	var out []epiloop.Place
	for {
		ps, total, err := tx.FindPlaces(f)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if epiloop.DetentionFacilityVisible(u, &p) {
				out = append(out, p)
			}
		}
		f.Offset += len(ps)
		if len(ps) == 0 || f.Offset >= total {
			return out, nil
		}
	}
}

// facilityRows reads each facility's figures and state on today.
func (s *Service) facilityRows(tx epiloop.Tx, ps []epiloop.Place, today string) ([]FacilityRow, error) {
	codes := make([]string, len(ps))
	for i, p := range ps {
		codes[i] = p.Code
	}
	stats, err := tx.FindDetentionStats(codes, today, epiloop.FeverThreshold)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]FacilityRow, 0, len(ps))
	for _, p := range ps {
		r := FacilityRow{Place: p, Stats: *stats[p.Code]}
		ms, err := tx.FindClosedManagement(p.Code, 1)
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			r.Closure = &ms[0]
		}
		r.Stats.Closed = epiloop.UnderClosedManagement(r.Closure, today)
		onSite := epiloop.CohortOnSite
		cs, err := tx.FindCohorts(epiloop.CohortFilter{Facility: &p.Code, Status: &onSite, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			r.Stats.CohortOverdue = c.Overdue(now)
			r.Stats.HandoverPending = c.NextID != 0
		}
		out = append(out, r)
	}
	return out, nil
}

// FindFacilities returns the detention facilities of the caller's
// jurisdiction with their figures.
func (s *Service) FindFacilities(ctx context.Context) ([]FacilityRow, error) {
	u, err := allowed(ctx, epiloop.ActReadDetention)
	if err != nil {
		return nil, err
	}
	var out []FacilityRow
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		ps, err := s.scopedFacilities(tx, u)
		if err != nil {
			return err
		}
		out, err = s.facilityRows(tx, ps, epiloop.CivilDate(s.now()))
		return err
	})
	if out == nil {
		out = []FacilityRow{}
	}
	return out, err
}

// FacilityView is a facility's page: its figures and state, its areas,
// the detainees present (masked; without the person for those who read
// figures only), the cohort on site with today's checks and the next one,
// and the closed-management history.
type FacilityView struct {
	FacilityRow
	Areas     []epiloop.DetentionArea           `json:"areas"`
	Detainees []epiloop.Detainee                `json:"detainees"`
	OnSite    *epiloop.Cohort                   `json:"on_site,omitempty"`
	Next      *epiloop.Cohort                   `json:"next,omitempty"`
	History   []epiloop.ClosedManagement        `json:"history"`
	Handover  *epiloop.AgreementDecision[int64] `json:"handover,omitempty"`
	// People reports whether the caller reads the detainees and staff.
	People bool `json:"people"`
	// Today is the civil day the figures and days left are of.
	Today string `json:"today"`
}

// FindFacility returns one facility's page; reading its detainees and
// staff is audited.
func (s *Service) FindFacility(ctx context.Context, code string) (*FacilityView, error) {
	u, err := allowed(ctx, epiloop.ActReadDetention)
	if err != nil {
		return nil, err
	}
	today := epiloop.CivilDate(s.now())
	v := &FacilityView{Today: today}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		p, err := visibleFacility(tx, u, code)
		if err != nil {
			return err
		}
		rows, err := s.facilityRows(tx, []epiloop.Place{*p}, today)
		if err != nil {
			return err
		}
		v.FacilityRow, v.People = rows[0], epiloop.DetaineesVisible(u, p)
		if v.Areas, err = tx.FindDetentionAreas(p.Code); err != nil {
			return err
		}
		present := epiloop.DetaineePresent
		ds, _, err := tx.FindDetainees(epiloop.DetaineeFilter{Facility: p.Code, Status: &present, Limit: 1000})
		if err != nil {
			return err
		}
		v.Detainees = make([]epiloop.Detainee, len(ds))
		for i := range ds {
			v.Detainees[i] = *presentDetainee(u, p, &ds[i])
		}
		slices.SortFunc(v.Detainees, func(a, b epiloop.Detainee) int {
			if a.AreaCode != b.AreaCode {
				if a.AreaCode < b.AreaCode {
					return -1
				}
				return 1
			}
			return int(a.ID - b.ID)
		})
		if v.History, err = tx.FindClosedManagement(p.Code, 20); err != nil {
			return err
		}
		return s.cohortsOf(tx, u, p, v, today)
	})
	if err != nil {
		return nil, err
	}
	if v.People {
		return v, s.auditRead(ctx, u, facilityObject(code), "")
	}
	return v, nil
}

// cohortsOf fills the cohort on site (with each member's check today) and
// the next one; without the people for readers of figures.
func (s *Service) cohortsOf(tx epiloop.Tx, u *epiloop.User, p *epiloop.Place, v *FacilityView, today string) error {
	onSite := epiloop.CohortOnSite
	cs, err := tx.FindCohorts(epiloop.CohortFilter{Facility: &p.Code, Status: &onSite, Limit: 1})
	if err != nil || len(cs) == 0 {
		return err
	}
	c := cs[0]
	for i := range c.Members {
		checks, err := tx.FindObservationChecks(c.Members[i].ObservationID)
		if err != nil {
			return err
		}
		for _, k := range checks {
			if k.Date == today {
				c.Members[i].Checked = true
				c.Members[i].Fever = c.Members[i].Fever || k.Alarming()
			}
		}
	}
	v.OnSite = presentCohort(v.People, &c)
	if c.NextID != 0 {
		next, err := tx.FindCohortByID(c.NextID)
		if err != nil {
			return err
		}
		v.Next = presentCohort(v.People, next)
		d := c.Handover()
		v.Handover = &d
	}
	return nil
}

// presentCohort returns a cohort masked, or without its members' names.
func presentCohort(people bool, c *epiloop.Cohort) *epiloop.Cohort {
	m := maskedCohort(c)
	if !people {
		for i := range m.Members {
			m.Members[i].Person = epiloop.Person{}
		}
		m.OutNote, m.InNote = "", ""
	}
	return m
}

// DetentionFigures are the facilities' figures of a jurisdiction, in
// all and by district (epiloop.DetentionMetrics).
type DetentionFigures = PlaceFigures

// FindDetentionFigures counts the figures of the caller's jurisdiction
// from the rows, for the dashboard and the daily report.
func (s *Service) FindDetentionFigures(ctx context.Context) (*DetentionFigures, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActReadDetention) && !u.Can(epiloop.ActDashboard) && !u.Can(epiloop.ActReport) {
		return nil, forbidden()
	}
	// The figures of a city-wide reader (an analyst too) are the city's.
	sys := u
	if u.Scope().All {
		sys = &epiloop.User{Role: epiloop.RoleCommander}
	}
	by := map[string]map[string]int64{}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		ps, err := s.scopedFacilities(tx, sys)
		if err != nil {
			return err
		}
		rows, err := s.facilityRows(tx, ps, epiloop.CivilDate(s.now()))
		for _, r := range rows {
			if by[r.DistrictCode] == nil {
				by[r.DistrictCode] = map[string]int64{}
			}
			m := by[r.DistrictCode]
			m[epiloop.MetricDetentionClosed] += b2i(r.Stats.Closed)
			m[epiloop.MetricDetaineesIsolated] += int64(r.Stats.Isolated)
			m[epiloop.MetricIsolationCellsFree] += int64(r.Stats.IsolationCellsFree)
			m[epiloop.MetricCohortsOverdue] += b2i(r.Stats.CohortOverdue)
			m[epiloop.MetricStaffFever] += int64(r.Stats.StaffFever)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &DetentionFigures{Counts: map[string]int64{}, Districts: []DistrictFigures{}}
	for _, m := range epiloop.DetentionMetrics {
		out.Counts[m] = 0
	}
	codes := make([]string, 0, len(by))
	for d := range by {
		codes = append(codes, d)
	}
	slices.Sort(codes)
	for _, d := range codes {
		c := map[string]int64{}
		for _, m := range epiloop.DetentionMetrics {
			c[m] = by[d][m]
			out.Counts[m] += by[d][m]
		}
		out.Districts = append(out.Districts, DistrictFigures{Code: d, Counts: u.Counts(c)})
	}
	u.Counts(out.Counts)
	return out, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
