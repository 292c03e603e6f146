package loop

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// SmallCell is the count below which a cell is shown to analysts as
// "<5" (epiloop.MinPublishedCount).
const SmallCell = epiloop.MinPublishedCount

// ReportRow is one line of the daily report: a district (or the whole
// city) and its figures.
type ReportRow struct {
	Code   string            `json:"code"`
	Name   string            `json:"name"`
	Values map[string]string `json:"values"`
}

// ReportSection is one table of the report: its key (report.section.<key>
// in the catalogue) and its metrics, columns of the rows.
type ReportSection struct {
	Key     string   `json:"key"`
	Metrics []string `json:"metrics"`
}

// Report is the daily report of the caller's jurisdiction for one civil
// day in China Standard Time.
type Report struct {
	Date      string    `json:"date"`
	Generated time.Time `json:"generated"`
	// Today reports whether Date is the day the report was made. The
	// state of the funnel (open, in conflict, overdue, …) is kept as it
	// is now, not day by day, so only today's report has the state
	// section, as at Generated.
	Today bool `json:"today"`
	// Issuer is the command that issues the report: the headquarters for
	// a city-wide reader, the district's sub-command for a district
	// commander ("" when the unit is not loaded).
	Issuer   string          `json:"issuer"`
	Sections []ReportSection `json:"sections"`
	// Metrics is every section's metrics, in order: the flat table of the
	// CSV and XLSX.
	Metrics    []string    `json:"metrics"`
	Rows       []ReportRow `json:"rows"`
	Suppressed bool        `json:"suppressed"`
	// Dispatch is the day's dispatch per command node, for readers of
	// the command structure (empty without one).
	Dispatch []DispatchRow `json:"dispatch,omitempty"`
}

// The report's sections.
const (
	ReportDay          = "day"
	ReportState        = "state"
	ReportCheckpoints  = "checkpoints"
	ReportObservations = "observations"
)

// The report's metrics of the day. Leads: received, ended (closed or
// handed over) and escalations made in the day, from the day counters of
// the hourly series. Checkpoints: the day's screenings summed over the
// area's checkpoints. Observations: the plans under observation at the
// end of the day (placed, made by then and not ended by then), made in
// the day, and released or transferred to hospital in the day.
const (
	MetricDayReceived     = "day_received"
	MetricDayClosed       = "day_closed"
	MetricDayEscalated    = "day_escalated"
	MetricObsUnder        = "obs_under"
	MetricObsNew          = "obs_new"
	MetricObsReleased     = "obs_released"
	MetricObsTransferred  = "obs_transferred"
	MetricStateObsOverdue = "observation_overdue"
	MetricStateObsAlerts  = "observation_alerts"
)

// dayMetrics maps the day's lead metrics to the hourly series' metrics
// they sum.
var dayMetrics = []struct{ name, hourly string }{
	{MetricDayReceived, epiloop.MetricReceived},
	{MetricDayClosed, epiloop.MetricClosed},
	{MetricDayEscalated, epiloop.MetricEscalated},
}

// checkpointDayMetrics are the checkpoint metrics kept hour by hour.
var checkpointDayMetrics = []string{epiloop.MetricScreenings, epiloop.MetricVehicles, epiloop.MetricPersons, epiloop.MetricFevers, epiloop.MetricLeads}

// CheckpointReportMetric names the report's metric of a checkpoint metric.
func CheckpointReportMetric(m string) string { return "ck_" + m }

// reportSections lists the sections of a report, the state only for
// today.
func reportSections(today bool) []ReportSection {
	var day []string
	for _, m := range dayMetrics {
		day = append(day, m.name)
	}
	out := []ReportSection{{ReportDay, day}}
	if today {
		state := append(slices.Clone(epiloop.Metrics), MetricStateObsOverdue, MetricStateObsAlerts)
		out = append(out, ReportSection{ReportState, state})
	}
	var ck []string
	for _, m := range checkpointDayMetrics {
		ck = append(ck, CheckpointReportMetric(m))
	}
	return append(out,
		ReportSection{ReportCheckpoints, ck},
		ReportSection{ReportObservations, []string{MetricObsUnder, MetricObsNew, MetricObsReleased, MetricObsTransferred}},
		patrolReportSection)
}

// reportArea is one row of the report: the city, a district, or the
// leads whose district is undetermined (an address that names none).
type reportArea struct {
	code, name string
	// district is the code whose checkpoints and plans count in the row;
	// the city's row takes every district's.
	district string
	city     bool
	// counters and observations name the area's counter scopes
	// (observations "" for none).
	counters, observations string
}

// DailyReport returns the report of a civil day (YYYY-MM-DD in China
// Standard Time; "" for today) per district and for the city, read from
// the maintained counters and, for observations, the plans. For analysts
// every count from 1 to SmallCell−1 is given as "<5". Each report made is
// audited as an export.
func (s *Service) DailyReport(ctx context.Context, date string) (*Report, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActReport) {
		return nil, forbidden()
	}
	now := s.now()
	today := epiloop.CivilDate(now)
	if date == "" {
		date = today
	}
	switch {
	case epiloop.AddDays(date, 0) != date:
		return nil, epiloop.FieldError("date", "err.report_date_invalid")
	case date > today:
		return nil, epiloop.FieldError("date", "err.report_date_future")
	}
	rep := &Report{Date: date, Generated: now, Today: date == today, Suppressed: !u.Can(epiloop.ActExactCounts)}
	rep.Sections = reportSections(rep.Today)
	if rep.Today {
		rep.Sections = append(rep.Sections, forcesReportSections()...)
		rep.Sections = append(rep.Sections, caseReportSection)
	}
	for _, sec := range rep.Sections {
		rep.Metrics = append(rep.Metrics, sec.Metrics...)
	}
	scope := u.Scope()
	areas := s.reportAreas(scope)
	vals := make([]map[string]int64, len(areas))
	var patrolCells, caseCells map[string]map[string]string
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		rep.Issuer = issuerOf(tx, scope)
		if patrolCells, err = patrolReportCells(tx, u, areas, date, rep.Suppressed); err != nil {
			return err
		}
		if rep.Today {
			if caseCells, err = caseReportCells(tx, areas, rep.Suppressed); err != nil {
				return err
			}
		}
		for i, a := range areas {
			v, err := areaCounts(tx, a, date, rep.Today)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		// add counts n in the city's row and in the district's.
		add := func(district, metric string, n int64) {
			for i, a := range areas {
				if a.city || a.district == district {
					vals[i][metric] += n
				}
			}
		}
		if err := checkpointDay(tx, scope, date, add); err != nil {
			return err
		}
		if u.Can(epiloop.ActReadCommand) && !rep.Suppressed {
			if rep.Dispatch, err = dispatch(tx, scope, date); err != nil {
				return err
			}
		}
		return observationDay(tx, scope, date, add)
	})
	if err != nil {
		return nil, err
	}
	var forcesCells map[string]map[string]string
	if rep.Today {
		if forcesCells, err = s.forcesReportCells(ctx, areas, rep.Suppressed); err != nil {
			return nil, err
		}
	}
	for i, a := range areas {
		if a.code == "" && !nonZero(vals[i]) {
			continue // no lead without a district: no row for them
		}
		row := ReportRow{Code: a.code, Name: a.name, Values: make(map[string]string, len(rep.Metrics))}
		for _, m := range rep.Metrics {
			row.Values[m] = cell(vals[i][m], rep.Suppressed)
		}
		maps.Copy(row.Values, patrolCells[a.code])
		maps.Copy(row.Values, forcesCells[a.code])
		maps.Copy(row.Values, caseCells[a.code])
		rep.Rows = append(rep.Rows, row)
	}
	return rep, s.Audit(ctx, epiloop.AuditExport, "report:daily", rep.Date)
}

// reportAreas lists the rows of a scope's report: for a city-wide reader
// the city, every district and the leads whose district is undetermined
// (so that the rows add up to the city), for a district's its district.
func (s *Service) reportAreas(scope epiloop.Scope) []reportArea {
	var out []reportArea
	if scope.All {
		out = append(out, reportArea{code: "2101", name: epiloop.T(epiloop.Langs[0], "area.city"), city: true,
			counters: epiloop.ScopeCity, observations: epiloop.ObservationScope(scope)})
	}
	s.mu.RLock()
	for _, d := range s.districtList() {
		if scope.All || scope.District == d.Code {
			ds := epiloop.Scope{District: d.Code}
			out = append(out, reportArea{code: d.Code, name: d.Name, district: d.Code,
				counters: epiloop.CounterScope(ds), observations: epiloop.ObservationScope(ds)})
		}
	}
	s.mu.RUnlock()
	if scope.All {
		out = append(out, reportArea{name: epiloop.T(epiloop.Langs[0], "report.area.undetermined"), counters: epiloop.DistrictScope("")})
	}
	return out
}

func nonZero(m map[string]int64) bool {
	for _, n := range m {
		if n != 0 {
			return true
		}
	}
	return false
}

// issuerOf names the command of a scope: the headquarters or the
// district's sub-command.
func issuerOf(tx epiloop.Tx, scope epiloop.Scope) string {
	code := epiloop.HeadquartersCode
	if !scope.All {
		code = epiloop.SubCommandCode(scope.District)
	}
	if un, err := tx.FindUnitByCode(code); err == nil {
		return un.Name
	}
	return ""
}

// areaCounts reads an area's day counters (the hourly series' day scope)
// and, for today, its funnel and observation state.
func areaCounts(tx epiloop.Tx, a reportArea, date string, today bool) (map[string]int64, error) {
	out := map[string]int64{}
	day, err := tx.FindCounters(epiloop.DayScope(a.counters, date))
	if err != nil {
		return nil, err
	}
	for _, m := range dayMetrics {
		out[m.name] = epiloop.DayTotal(day, m.hourly)
	}
	if !today {
		return out, nil
	}
	funnel, err := tx.FindCounters(a.counters)
	if err != nil {
		return nil, err
	}
	for _, m := range epiloop.Metrics {
		out[m] = funnel[m]
	}
	if a.observations == "" {
		return out, nil
	}
	obs, err := tx.FindStatCounters(a.observations)
	if err != nil {
		return nil, err
	}
	out[MetricStateObsOverdue] = obs[epiloop.MetricObsOverdue]
	out[MetricStateObsAlerts] = obs[epiloop.MetricObsAlerts]
	return out, nil
}

// checkpointDay adds the day's counts of every checkpoint of scope, from
// their day counters.
func checkpointDay(tx epiloop.Tx, scope epiloop.Scope, date string, add func(district, metric string, n int64)) error {
	const page = 1000
	for offset := 0; ; offset += page {
		cks, _, err := tx.FindCheckpoints(epiloop.CheckpointFilter{Scope: scope, Offset: offset, Limit: page})
		if err != nil {
			return err
		}
		for _, ck := range cks {
			day, err := tx.FindStatCounters(epiloop.CheckpointDayScope(ck.Code, date))
			if err != nil {
				return err
			}
			for _, m := range checkpointDayMetrics {
				add(ck.DistrictCode, CheckpointReportMetric(m), epiloop.DayTotal(day, m))
			}
		}
		if len(cks) < page {
			return nil
		}
	}
}

// observationDay adds the day's observation figures of scope's plans, page
// by page down the ID index. The plans keep when they were made and ended
// but the counters keep no day, so this reads every plan of the scope
// once; a plan pending now was never placed, and is not counted as under
// observation.
func observationDay(tx epiloop.Tx, scope epiloop.Scope, date string, add func(district, metric string, n int64)) error {
	const page = 1000
	for before := int64(0); ; {
		os, _, err := tx.FindObservations(epiloop.ObservationFilter{Scope: scope, Before: before, NoCount: true, Limit: page})
		if err != nil {
			return err
		}
		for _, o := range os {
			for _, m := range observationDayMetrics(o, date) {
				add(o.DistrictCode, m, 1)
			}
		}
		if len(os) < page {
			return nil
		}
		before = os[len(os)-1].ID
	}
}

// observationDayMetrics lists the day metrics a plan counts in on date.
func observationDayMetrics(o *epiloop.Observation, date string) []string {
	var out []string
	made, ended := epiloop.CivilDate(o.CreatedAt), ""
	if o.EndedAt != nil {
		ended = epiloop.CivilDate(*o.EndedAt)
	}
	if made == date {
		out = append(out, MetricObsNew)
	}
	if made <= date && o.Status != epiloop.ObservationPending && (ended == "" || ended > date) {
		out = append(out, MetricObsUnder)
	}
	if ended == date {
		switch o.Status {
		case epiloop.ObservationReleased:
			out = append(out, MetricObsReleased)
		case epiloop.ObservationTransferred:
			out = append(out, MetricObsTransferred)
		}
	}
	return out
}

func cell(n int64, suppress bool) string {
	if suppress && n > 0 && n < SmallCell {
		return "<" + strconv.Itoa(SmallCell)
	}
	return strconv.FormatInt(n, 10)
}

// districtList returns the districts of the loaded tree in code order;
// the caller holds s.mu.
func (s *Service) districtList() []epiloop.District {
	out := make([]epiloop.District, 0, len(s.districts))
	for _, d := range s.districts {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b epiloop.District) int { return strings.Compare(a.Code, b.Code) })
	return out
}
