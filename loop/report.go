package loop

import (
	"context"
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
// city) and its funnel.
type ReportRow struct {
	Code   string            `json:"code"`
	Name   string            `json:"name"`
	Values map[string]string `json:"values"`
}

// Report is the daily report of the caller's jurisdiction.
type Report struct {
	Date       string      `json:"date"`
	Generated  time.Time   `json:"generated"`
	Metrics    []string    `json:"metrics"`
	Rows       []ReportRow `json:"rows"`
	Suppressed bool        `json:"suppressed"`
}

// ReportMetrics are the report's columns: the verification funnel and the
// observation population.
var ReportMetrics = append(append([]string{}, epiloop.Metrics...), "observation_active", "observation_overdue", "observation_alerts")

// DailyReport returns the funnel per district (and for the city) as of
// now, from the maintained counters. For analysts every count from 1 to
// SmallCell−1 is given as "<5". Exports are audited.
func (s *Service) DailyReport(ctx context.Context) (*Report, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActReport) {
		return nil, forbidden()
	}
	now := s.now()
	rep := &Report{Date: epiloop.CivilDate(now), Generated: now, Metrics: ReportMetrics, Suppressed: !u.Can(epiloop.ActExactCounts)}
	type area struct{ code, name, scope, obs string }
	var areas []area
	scope := u.Scope()
	if scope.All {
		areas = append(areas, area{"2101", epiloop.T(epiloop.Langs[0], "area.city"), epiloop.ScopeCity, epiloop.ObservationScope(epiloop.Scope{All: true})})
	}
	s.mu.RLock()
	for _, d := range s.districtList() {
		if scope.All || scope.District == d.Code {
			areas = append(areas, area{d.Code, d.Name, epiloop.DistrictScope(d.Code), epiloop.ObservationScope(epiloop.Scope{District: d.Code})})
		}
	}
	s.mu.RUnlock()
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		for _, a := range areas {
			funnel, err := tx.FindCounters(a.scope)
			if err != nil {
				return err
			}
			obs, err := tx.FindStatCounters(a.obs)
			if err != nil {
				return err
			}
			var active int64
			for _, k := range []epiloop.ObservationKind{epiloop.ObservationHome, epiloop.ObservationCentral, epiloop.ObservationNewDetainee, epiloop.ObservationDetentionStaff} {
				active += obs[epiloop.ActiveKindMetric(k)]
			}
			row := ReportRow{Code: a.code, Name: a.name, Values: map[string]string{}}
			vals := map[string]int64{"observation_active": active, "observation_overdue": obs[epiloop.MetricObsOverdue], "observation_alerts": obs[epiloop.MetricObsAlerts]}
			for _, m := range epiloop.Metrics {
				vals[m] = funnel[m]
			}
			for k, n := range vals {
				row.Values[k] = cell(n, rep.Suppressed)
			}
			rep.Rows = append(rep.Rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, s.Audit(ctx, epiloop.AuditExport, "report:daily", rep.Date)
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
