package epiloop

import (
	"sort"
	"time"
)

// The dashboard's figures. Each is defined here once, and every figure on
// every page, the API and the daily report is read from counters kept by
// Contribution and EscalationContribution in the same transaction as the
// change (docs/figures.md says the same in words):
//
//   - received: leads taken in, by any path (report, import, checkpoint,
//     another city).
//   - pushed: leads pushed to the two units at least once.
//   - accepted_station / accepted_committee: leads whose police station /
//     committee has accepted its task of the current round — or got past
//     it: a lead in conflict or ended counts for both sides.
//   - submitted_station / submitted_committee: the same for the side's
//     structured report.
//   - closed: leads ended — verified and closed, or handed over to another
//     city (handed_over counts those apart).
//   - agreed: ended leads whose outcome the two reports agreed on (not
//     adjudicated by a commander).
//
// The funnel received ≥ pushed ≥ accepted_… ≥ submitted_… ≥ closed is
// cumulative: a closed lead has passed every earlier stage. The figures
// of the moment stand beside it:
//
//   - conflict: leads whose two reports disagree, waiting for a commander.
//   - unroutable: leads whose address routed to no community.
//   - overdue: open leads with a live task past a deadline (escalated).
//   - open: leads not yet ended.
//   - escalated: escalations made (one per task, deadline and level).
//
// And over a window of days, from the day counters (DayScope) of the
// civil days (China Standard Time) the reports were made:
//
//   - answered: tasks a unit reported on; on_time: those reported by their
//     deadline. The on-time rate is on_time / answered over the last
//     OnTimeWindowDays days, today included.
//
// A lead counts in the city and in one district: the district of its
// community, or for an unroutable lead the district its address names —
// and in UndeterminedDistrict's scope when it names none, so that the
// districts' rows always add up to the city.
const (
	MetricReceived           = "received"
	MetricPushed             = "pushed"
	MetricAcceptedStation    = "accepted_station"
	MetricAcceptedCommittee  = "accepted_committee"
	MetricSubmittedStation   = "submitted_station"
	MetricSubmittedCommittee = "submitted_committee"
	MetricClosed             = "closed"
	MetricHandedOver         = "handed_over"
	MetricAgreed             = "agreed"
	MetricConflict           = "conflict"
	MetricUnroutable         = "unroutable"
	MetricOverdue            = "overdue"
	MetricOpen               = "open"
	MetricEscalated          = "escalated"
	MetricAnswered           = "answered"
	MetricOnTime             = "on_time"
	// MetricOpenTasks is a unit's tasks waiting on it — pushed or
	// accepted, of any round — in the unit's scope only: the total of its
	// open-task list, read instead of counted, so that the field's list
	// costs the same with ten waiting tasks or ten thousand. Not a figure
	// of the dashboard.
	MetricOpenTasks = "open_tasks"
)

// Metrics lists every lead metric in display order.
var Metrics = []string{
	MetricReceived, MetricPushed, MetricAcceptedStation, MetricAcceptedCommittee,
	MetricSubmittedStation, MetricSubmittedCommittee, MetricClosed, MetricHandedOver, MetricAgreed,
	MetricConflict, MetricUnroutable, MetricOverdue, MetricOpen, MetricEscalated,
}

// FunnelMetrics are the cumulative funnel's stages, in order.
var FunnelMetrics = []string{
	MetricReceived, MetricPushed, MetricAcceptedStation, MetricAcceptedCommittee,
	MetricSubmittedStation, MetricSubmittedCommittee, MetricClosed,
}

// OnTimeWindowDays is the window of the on-time rate, in civil days.
const OnTimeWindowDays = 7

// UndeterminedDistrict is the district code of leads whose address names
// no district (shown as 未定区县): its counter scope is DistrictScope("").
const UndeterminedDistrict = ""

// CounterVersion numbers the definitions above: a database whose counters
// were kept under other definitions has them recomputed from the rows
// once, at start (loop.Service.EnsureCounters).
const CounterVersion = 3

// ScopeMeta holds the counters' own bookkeeping (MetricVersion), never a
// figure.
const (
	ScopeMeta     = "meta"
	MetricVersion = "counter_version"
)

// OnTimeRate is on_time / answered as a percentage, and false when nothing
// was answered.
func OnTimeRate(onTime, answered int64) (float64, bool) {
	if answered <= 0 {
		return 0, false
	}
	return 100 * float64(onTime) / float64(answered), true
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
// handed over), and escalations made. The same day scopes hold the day's
// answered and on_time tasks (no hour).

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
	ended := !l.Status.Open()
	if l.Round > 0 || ended || l.Status == LeadConflict {
		metrics = append(metrics, MetricPushed)
	}
	switch {
	case ended, l.Status == LeadConflict:
		// Past every side's stage (a conflict arises from two reports).
		metrics = append(metrics, MetricAcceptedStation, MetricAcceptedCommittee,
			MetricSubmittedStation, MetricSubmittedCommittee)
	case l.Status == LeadPushed || l.Status == LeadVerifying:
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
	switch l.Status {
	case LeadUnroutable:
		metrics = append(metrics, MetricUnroutable)
	case LeadConflict:
		metrics = append(metrics, MetricConflict)
	case LeadClosed, LeadHandedOver:
		metrics = append(metrics, MetricClosed)
		if l.Status == LeadHandedOver {
			metrics = append(metrics, MetricHandedOver)
		}
		if l.Outcome == nil || l.Outcome.Resolution != ResolutionAdjudicated {
			metrics = append(metrics, MetricAgreed)
		}
	}
	if !ended {
		metrics = append(metrics, MetricOpen)
	}
	if l.Overdue && !ended {
		metrics = append(metrics, MetricOverdue)
	}
	scopes := []string{ScopeCity, DistrictScope(l.DistrictCode)}
	if l.Status != LeadUnroutable {
		for _, t := range l.LiveTasks() {
			scopes = append(scopes, UnitScope(t.UnitCode))
		}
	}
	keys := make([]CounterKey, 0, len(scopes)*len(metrics)+8)
	for _, s := range scopes {
		for _, m := range metrics {
			keys = append(keys, CounterKey{s, m})
		}
	}
	for _, t := range l.Tasks {
		if t.Status.Open() {
			keys = append(keys, CounterKey{UnitScope(t.UnitCode), MetricOpenTasks})
		}
	}
	// The hourly series: received in the hour the lead was created, ended
	// in the hour it closed, in the day of the city and of its district.
	if !l.CreatedAt.IsZero() {
		keys = hourKeys(keys, l.DistrictCode, l.CreatedAt, MetricReceived)
	}
	if ended && l.ClosedAt != nil {
		keys = hourKeys(keys, l.DistrictCode, *l.ClosedAt, MetricClosed)
	}
	// Every task a unit reported on, in the day it reported, and whether
	// it did by its deadline.
	for _, t := range l.Tasks {
		if t.SubmittedAt == nil {
			continue
		}
		keys = dayKeys(keys, l.DistrictCode, *t.SubmittedAt, MetricAnswered)
		if t.FeedbackBy.IsZero() || !t.SubmittedAt.After(t.FeedbackBy) {
			keys = dayKeys(keys, l.DistrictCode, *t.SubmittedAt, MetricOnTime)
		}
	}
	return keys
}

// EscalationContribution is what one escalation adds to the counters: one
// in the hour it was made, in the day of the city and of the district the
// task was in. Escalations are rows of their own (one per task, deadline
// and level), so they are counted apart from the lead's state.
func EscalationContribution(e *Escalation) []CounterKey {
	keys := []CounterKey{{ScopeCity, MetricEscalated}, {DistrictScope(e.District), MetricEscalated}}
	return hourKeys(keys, e.District, e.At, MetricEscalated)
}

// hourKeys appends metric's counter of the civil hour of t in the city's
// day and district's.
func hourKeys(keys []CounterKey, district string, t time.Time, metric string) []CounterKey {
	local := t.In(civilZone)
	date, m := local.Format(time.DateOnly), HourMetric(metric, local.Hour())
	return append(keys, CounterKey{DayScope(ScopeCity, date), m}, CounterKey{DayScope(DistrictScope(district), date), m})
}

// dayKeys appends metric's counter of the civil day of t in the city's day
// and district's.
func dayKeys(keys []CounterKey, district string, t time.Time, metric string) []CounterKey {
	date := t.In(civilZone).Format(time.DateOnly)
	return append(keys, CounterKey{DayScope(ScopeCity, date), metric}, CounterKey{DayScope(DistrictScope(district), date), metric})
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

// OutstandingMetric reports whether a metric counts work still to do (a
// responsibility it measures is open while it is above zero).
func OutstandingMetric(m string) bool {
	switch m {
	case MetricConflict, MetricUnroutable, MetricOverdue, MetricOpen:
		return true
	}
	return false
}
