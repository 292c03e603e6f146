package loop

import (
	"context"
	"slices"
	"time"

	"github.com/epiloop/epiloop"
)

// SeriesHours is the span of the dashboard's hourly series.
const SeriesHours = 24

// Series is the hourly counts of one scope over the last SeriesHours civil
// hours, the current one last, read from the day counters that each change
// keeps (epiloop.Contribution, epiloop.EscalationContribution).
type Series struct {
	Hours     []time.Time
	Received  []int64
	Closed    []int64
	Escalated []int64
}

// HourlySeries returns the series of the caller's scope (the city, or a
// district; a unit has none of its own and reads zeros). The window spans
// at most two civil days: two counter reads.
func (s *Service) HourlySeries(ctx context.Context) (*Series, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	scope := epiloop.CounterScope(u.Scope())
	end := s.now().In(epiloop.CivilZone()).Truncate(time.Hour)
	// The days the window spans, in one statement.
	var scopes []string
	for _, t := range []time.Time{end.Add(-(SeriesHours - 1) * time.Hour), end} {
		if sc := epiloop.DayScope(scope, t.Format(time.DateOnly)); !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	var got map[string]map[string]int64
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		got, err = tx.FindCountersOf(scopes)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &Series{}
	for k := SeriesHours - 1; k >= 0; k-- {
		h := end.Add(-time.Duration(k) * time.Hour)
		day := got[epiloop.DayScope(scope, h.Format(time.DateOnly))]
		out.Hours = append(out.Hours, h)
		out.Received = append(out.Received, u.Count(day[epiloop.HourMetric(epiloop.MetricReceived, h.Hour())]))
		out.Closed = append(out.Closed, u.Count(day[epiloop.HourMetric(epiloop.MetricClosed, h.Hour())]))
		out.Escalated = append(out.Escalated, u.Count(day[epiloop.HourMetric(epiloop.MetricEscalated, h.Hour())]))
	}
	return out, nil
}

// countEscalations adds every escalation's counters to want, page by page
// down the escalations' key.
func countEscalations(tx epiloop.Tx, want map[epiloop.CounterKey]int64) error {
	const page = 1000
	var after *epiloop.Escalation
	for {
		es, err := tx.FindEscalations(after, page)
		if err != nil {
			return err
		}
		for _, e := range es {
			for _, k := range epiloop.EscalationContribution(e) {
				want[k]++
			}
		}
		if len(es) < page {
			return nil
		}
		after = es[len(es)-1]
	}
}
