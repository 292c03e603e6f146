package epiloop

import (
	"sort"
	"time"
)

// Counter metrics of the verification funnel.
const (
	MetricReceived           = "received"
	MetricPushed             = "pushed"
	MetricAcceptedStation    = "accepted_station"
	MetricAcceptedCommittee  = "accepted_committee"
	MetricSubmittedStation   = "submitted_station"
	MetricSubmittedCommittee = "submitted_committee"
	MetricClosed             = "closed"
	MetricHandedOver         = "handed_over"
	MetricConflict           = "conflict"
	MetricUnroutable         = "unroutable"
	MetricOverdue            = "overdue"
	MetricOpen               = "open"
)

// Metrics lists every funnel metric in display order.
var Metrics = []string{
	MetricReceived, MetricPushed, MetricAcceptedStation, MetricAcceptedCommittee,
	MetricSubmittedStation, MetricSubmittedCommittee, MetricClosed, MetricHandedOver,
	MetricConflict, MetricUnroutable, MetricOverdue, MetricOpen,
}

// ScopeCity is the counter scope of the whole city.
const ScopeCity = "city"

// DistrictScope and UnitScope name the counter scopes of a district and a
// unit.
func DistrictScope(code string) string { return "d:" + code }

// UnitScope names the counter scope of a unit.
func UnitScope(code string) string { return "u:" + code }

// CounterScope returns the counter scope that a user's overview reads.
func CounterScope(s Scope) string {
	switch {
	case s.All:
		return ScopeCity
	case s.District != "":
		return DistrictScope(s.District)
	}
	return UnitScope(s.Unit)
}

// The dashboard's hourly series are counters too, one scope per civil day
// (China Standard Time) of the city and of each district, named
// DayScope(scope, date), with one metric per hour named HourMetric(metric,
// hour) as a checkpoint's day has: leads received, leads ended (closed or
// handed over), and escalations made.
const MetricEscalated = "escalated"

// SeriesMetrics lists the hourly metrics in display order.
var SeriesMetrics = []string{MetricReceived, MetricClosed, MetricEscalated}

// DayScope names the counter scope of one civil day (YYYY-MM-DD) of the
// city's or a district's scope.
func DayScope(scope, date string) string { return scope + "@" + date }

// CounterKey is one counter: a metric in a scope.
type CounterKey struct {
	Scope  string
	Metric string
}

// CounterDelta is a change to one counter.
type CounterDelta struct {
	CounterKey
	N int64
}

// Contribution is what one lead adds to the funnel counters, as a pure
// function of its state. Counters are kept as the sum of every lead's
// contribution: each change adds Contribution(after) − Contribution(before)
// in its own transaction, and a verification recomputes the sum from the
// rows. A lead counts in the city, its district, and the units of its live
// tasks.
func Contribution(l *Lead) []CounterKey {
	if l == nil {
		return nil
	}
	metrics := []string{MetricReceived}
	switch l.Status {
	case LeadUnroutable:
		metrics = append(metrics, MetricUnroutable)
	case LeadConflict:
		metrics = append(metrics, MetricPushed, MetricConflict)
	case LeadClosed:
		metrics = append(metrics, MetricClosed)
	case LeadHandedOver:
		metrics = append(metrics, MetricHandedOver)
	default:
		metrics = append(metrics, MetricPushed)
	}
	if l.Status.Open() {
		metrics = append(metrics, MetricOpen)
	}
	if l.Status == LeadPushed || l.Status == LeadVerifying {
		for _, t := range l.LiveTasks() {
			accepted, submitted := MetricAcceptedStation, MetricSubmittedStation
			if t.Side == UnitCommittee {
				accepted, submitted = MetricAcceptedCommittee, MetricSubmittedCommittee
			}
			switch t.Status {
			case TaskAccepted:
				metrics = append(metrics, accepted)
			case TaskSubmitted:
				metrics = append(metrics, accepted, submitted)
			}
		}
	}
	if l.Overdue && l.Status.Open() {
		metrics = append(metrics, MetricOverdue)
	}
	scopes := []string{ScopeCity}
	if l.DistrictCode != "" {
		scopes = append(scopes, DistrictScope(l.DistrictCode))
	}
	if l.Status != LeadUnroutable {
		for _, t := range l.LiveTasks() {
			scopes = append(scopes, UnitScope(t.UnitCode))
		}
	}
	keys := make([]CounterKey, 0, len(scopes)*len(metrics)+4)
	for _, s := range scopes {
		for _, m := range metrics {
			keys = append(keys, CounterKey{s, m})
		}
	}
	// The hourly series: received in the hour the lead was created, ended
	// in the hour it closed, in the day of the city and of its district.
	if !l.CreatedAt.IsZero() {
		keys = hourKeys(keys, l.DistrictCode, l.CreatedAt, MetricReceived)
	}
	if !l.Status.Open() && l.ClosedAt != nil {
		keys = hourKeys(keys, l.DistrictCode, *l.ClosedAt, MetricClosed)
	}
	return keys
}

// EscalationContribution is what one escalation adds to the counters: one
// in the hour it was made, in the day of the city and of the district the
// task was in. Escalations are rows of their own (one per task, deadline
// and level), so they are counted apart from the lead's state.
func EscalationContribution(e *Escalation) []CounterKey {
	return hourKeys(nil, e.District, e.At, MetricEscalated)
}

// hourKeys appends metric's counter of the civil hour of t in the city's
// day and district's.
func hourKeys(keys []CounterKey, district string, t time.Time, metric string) []CounterKey {
	local := t.In(civilZone)
	date, m := local.Format(time.DateOnly), HourMetric(metric, local.Hour())
	keys = append(keys, CounterKey{DayScope(ScopeCity, date), m})
	if district != "" {
		keys = append(keys, CounterKey{DayScope(DistrictScope(district), date), m})
	}
	return keys
}

// CounterDiff returns the counter changes that take the funnel from lead
// state before to after (nil before for a new lead), sorted by key so that
// concurrent transactions touch counter rows in the same order.
func CounterDiff(before, after []CounterKey) []CounterDelta {
	m := make(map[CounterKey]int64, len(before)+len(after))
	for _, k := range before {
		m[k]--
	}
	for _, k := range after {
		m[k]++
	}
	out := make([]CounterDelta, 0, len(m))
	for k, n := range m {
		if n != 0 {
			out = append(out, CounterDelta{k, n})
		}
	}
	SortCounterDeltas(out)
	return out
}

// SortCounterDeltas orders deltas by key, so that concurrent transactions
// lock counter rows in the same order.
func SortCounterDeltas(ds []CounterDelta) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Scope != ds[j].Scope {
			return ds[i].Scope < ds[j].Scope
		}
		return ds[i].Metric < ds[j].Metric
	})
}
