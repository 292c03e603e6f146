package http

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (ui *ui) registerDashboardPages() {
	ui.page("GET /dashboard", epiloop.ActDashboard, ui.handleDashboard)
}

// funnelMetrics are the cumulative funnel's stages in order (the
// domain's definitions: counters.go); sideMetrics, the figures of the
// moment and the closures' kinds, stand beside it; todayFigures are the
// civil day's.
var (
	funnelMetrics = epiloop.FunnelMetrics
	sideMetrics   = []string{epiloop.MetricConflict, epiloop.MetricUnroutable, epiloop.MetricOverdue,
		epiloop.MetricOpen, epiloop.MetricEscalated, epiloop.MetricAgreed, epiloop.MetricHandedOver}
	todayFigures = []string{loop.FigureTodayReceived, loop.FigureTodayClosed, loop.FigureTodayEscalated}
)

// areaRow is one district's or unit's line of the dashboard table.
type areaRow struct {
	Code     string
	Name     string
	District string // for the leads link
	Counts   map[string]int64
}

// OnTime is the area's on-time rate: tasks answered by their deadline over
// tasks answered, in the last epiloop.OnTimeWindowDays days ("—" when none
// was answered, or for a unit, whose days are not counted).
func (a areaRow) OnTime() string { return onTime(a.Counts) }

func onTime(c map[string]int64) string {
	return pct(c[epiloop.MetricOnTime], c[epiloop.MetricAnswered])
}

// dashData is the dashboard: the caller's funnel, a table per district (or
// per unit for a district commander) and the hourly series.
type dashData struct {
	ScopeName string
	Counts    map[string]int64
	Funnel    []string
	Side      []string
	Today     []string
	Window    int
	RowsKind  string
	Rows      []areaRow
	Series    *loop.Series
	OnTime    string
	Chart     chartData
	// Duty are the roster's figures, for those who read the command
	// structure.
	Duty    *loop.DutyFigures
	GapDays int
	// Places are the places' figures by district (ui_place.go).
	Places *placesTiles
	// Patrol is the patrol tile (ui_patrol.go), for readers of the
	// patrol figures.
	Patrol *patrolPageData
	// Cases are the case register's figures (ui_case.go), for their
	// readers.
	Cases *casesTile
	// Detention are the detention facilities' figures by district
	// (ui_detention.go).
	Detention *detentionTiles
	// XCity is the hand-over between cities' tile, for readers of the
	// 外地协查 queue (ui_xcity.go).
	XCity *loop.XCityFigures
}

// chartData is the JSON the charts are drawn from.
type chartData struct {
	FunnelLabels []string `json:"funnelLabels"`
	FunnelValues []int64  `json:"funnelValues"`
	Hours        []string `json:"hours"`
	Received     []int64  `json:"received"`
	Closed       []int64  `json:"closed"`
	Escalated    []int64  `json:"escalated"`
	Names        struct {
		Funnel    string `json:"funnel"`
		Series    string `json:"series"`
		Received  string `json:"received"`
		Closed    string `json:"closed"`
		Escalated string `json:"escalated"`
	} `json:"names"`
}

// handleDashboard renders the dashboard; an htmx request (the live
// refresh) gets only its live section.
func (ui *ui) handleDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	ctx := r.Context()
	u := p.User
	d := &dashData{Funnel: funnelMetrics, Side: sideMetrics, Today: todayFigures, Window: epiloop.OnTimeWindowDays}
	var err error
	if d.Counts, err = ui.s.Service.Overview(ctx); err != nil {
		return err
	}
	d.OnTime = onTime(d.Counts)
	tree, err := ui.tree(ctx)
	if err != nil {
		return err
	}
	if sc := u.Scope(); sc.All {
		d.ScopeName = p.T("dash.city")
		d.RowsKind = "district"
		d.Rows, err = ui.districtRows(ctx, p, tree.Districts)
	} else {
		d.ScopeName = districtName(tree, sc.District)
		d.RowsKind = "unit"
		d.Rows, err = ui.unitRows(ctx, sc.District)
	}
	if err != nil {
		return err
	}
	if d.Series, err = ui.s.Service.HourlySeries(ctx); err != nil {
		return err
	}
	d.Chart = ui.chart(p, d)
	if u.Can(epiloop.ActReadCommand) {
		f, err := ui.s.Service.DutyFigures(ctx)
		if err != nil {
			return err
		}
		d.Duty, d.GapDays = &f, loop.DutyGapDays
	}
	if d.Places, err = ui.placesTiles(r); err != nil {
		return err
	}
	if d.Patrol, err = ui.patrolTile(r, p); err != nil {
		return err
	}
	if d.Cases, err = ui.casesTile(r, p); err != nil {
		return err
	}
	if d.Detention, err = ui.detentionTiles(r); err != nil {
		return err
	}
	if u.Can(epiloop.ActReadXCity) {
		if d.XCity, err = ui.s.Service.FindXCityFigures(ctx); err != nil {
			return err
		}
	}
	p.Title, p.Nav, p.Live, p.Charts, p.Data = "dash.title", "dashboard", true, true, d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, http.StatusOK, "dashboard", "live", p)
	}
	return ui.render(w, http.StatusOK, "dashboard", p)
}

func (ui *ui) chart(p *page, d *dashData) chartData {
	var c chartData
	for _, m := range funnelMetrics {
		c.FunnelLabels = append(c.FunnelLabels, p.T("metric."+m))
		c.FunnelValues = append(c.FunnelValues, d.Counts[m])
	}
	for _, h := range d.Series.Hours {
		c.Hours = append(c.Hours, h.In(shanghai).Format("15:00"))
	}
	c.Received, c.Closed, c.Escalated = d.Series.Received, d.Series.Closed, d.Series.Escalated
	c.Names.Funnel = p.T("dash.funnel")
	c.Names.Series = p.T("dash.series")
	c.Names.Received = p.T("dash.series.received")
	c.Names.Closed = p.T("dash.series.closed")
	c.Names.Escalated = p.T("dash.series.escalated")
	return c
}

// total returns the sum of one series.
func total(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// districtRows reads each district's counters, and the undetermined
// district's (leads whose address names none) when it has any: the rows
// add up to the city's figures.
func (ui *ui) districtRows(ctx context.Context, p *page, ds []epiloop.District) ([]areaRow, error) {
	rows := make([]areaRow, 0, len(ds)+1)
	for _, d := range ds {
		c, err := ui.s.Service.Counters(ctx, epiloop.DistrictScope(d.Code))
		if err != nil {
			return nil, err
		}
		rows = append(rows, areaRow{Code: d.Code, Name: d.Name, District: d.Code, Counts: c})
	}
	c, err := ui.s.Service.Counters(ctx, epiloop.DistrictScope(epiloop.UndeterminedDistrict))
	if err != nil {
		return nil, err
	}
	if c[epiloop.MetricReceived] > 0 {
		rows = append(rows, areaRow{Code: "-", Name: p.T("dash.undetermined"), Counts: c})
	}
	return rows, nil
}

// unitRows reads the counters of a district's police stations and of its
// committees that have had any lead, busiest first.
func (ui *ui) unitRows(ctx context.Context, district string) ([]areaRow, error) {
	units, err := ui.s.Service.FindUnits(ctx, nil, &district)
	if err != nil {
		return nil, err
	}
	var rows []areaRow
	for _, un := range units {
		if un.Kind != epiloop.UnitPoliceStation && un.Kind != epiloop.UnitCommittee {
			continue
		}
		c, err := ui.s.Service.Counters(ctx, epiloop.UnitScope(un.Code))
		if err != nil {
			return nil, err
		}
		if un.Kind == epiloop.UnitCommittee && c[epiloop.MetricReceived] == 0 {
			continue
		}
		rows = append(rows, areaRow{Code: un.Code, Name: un.Name, District: district, Counts: c})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		return rows[i].Counts[epiloop.MetricOpen] > rows[j].Counts[epiloop.MetricOpen]
	})
	return rows, nil
}

// tree returns the jurisdiction tree, cached briefly.
func (ui *ui) tree(ctx context.Context) (*loop.Jurisdictions, error) {
	ui.treeMu.Lock()
	defer ui.treeMu.Unlock()
	if ui.treeVal != nil && time.Since(ui.treeAt) < time.Minute {
		return ui.treeVal, nil
	}
	t, err := ui.s.Service.FindJurisdictions(ctx)
	if err != nil {
		return nil, err
	}
	ui.treeVal, ui.treeAt = t, time.Now()
	return t, nil
}

func districtName(t *loop.Jurisdictions, code string) string {
	for _, d := range t.Districts {
		if d.Code == code {
			return d.Name
		}
	}
	return code
}
