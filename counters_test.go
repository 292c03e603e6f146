package epiloop_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestContributionAndDiff(t *testing.T) {
	l := &epiloop.Lead{Status: epiloop.LeadUnroutable}
	before := epiloop.Contribution(l)
	if got := count(before, epiloop.ScopeCity, epiloop.MetricUnroutable); got != 1 {
		t.Fatalf("unroutable counted %d, want 1", got)
	}
	l.Status, l.Round, l.DistrictCode = epiloop.LeadPushed, 1, "210102"
	l.Tasks = []*epiloop.Task{
		{Round: 1, Side: epiloop.UnitPoliceStation, UnitCode: "PS1", Status: epiloop.TaskAccepted},
		{Round: 1, Side: epiloop.UnitCommittee, UnitCode: "CM1", Status: epiloop.TaskPushed},
	}
	after := epiloop.Contribution(l)
	diff := epiloop.CounterDiff(before, after)
	want := map[epiloop.CounterKey]int64{
		{Scope: "city", Metric: "unroutable"}:             -1,
		{Scope: "city", Metric: "pushed"}:                 1,
		{Scope: "city", Metric: "accepted_station"}:       1,
		{Scope: "d:210102", Metric: "received"}:           1,
		{Scope: "u:PS1", Metric: "accepted_station"}:      1,
		{Scope: "u:CM1", Metric: "open"}:                  1,
		{Scope: "d:210102", Metric: "accepted_committee"}: 0,
	}
	got := map[epiloop.CounterKey]int64{}
	for _, d := range diff {
		got[d.CounterKey] = d.N
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: got %d, want %d", k, got[k], n)
		}
	}
	for i := 1; i < len(diff); i++ {
		a, b := diff[i-1], diff[i]
		if a.Scope > b.Scope || (a.Scope == b.Scope && a.Metric >= b.Metric) {
			t.Fatalf("diff not sorted at %d: %v then %v", i, a, b)
		}
	}
	if d := epiloop.CounterDiff(after, after); len(d) != 0 {
		t.Errorf("no change gives %v, want nothing", d)
	}
}

func count(keys []epiloop.CounterKey, scope, metric string) int {
	n := 0
	for _, k := range keys {
		if k.Scope == scope && k.Metric == metric {
			n++
		}
	}
	return n
}

// TestContributionHourly: a lead counts as received in the civil hour it
// was created and as ended in the hour it closed, in the day scopes of the
// city and its district; the change that closes it adds only the latter.
func TestContributionHourly(t *testing.T) {
	created := mustTime(t, "2020-02-01T15:30:00Z") // 23:30 in Shenyang
	l := &epiloop.Lead{Status: epiloop.LeadPushed, DistrictCode: "210102", CreatedAt: created}
	before := epiloop.Contribution(l)
	for _, scope := range []string{"city@2020-02-01", "d:210102@2020-02-01"} {
		if got := count(before, scope, "received@23"); got != 1 {
			t.Errorf("%s received@23 counted %d, want 1", scope, got)
		}
	}
	closed := mustTime(t, "2020-02-01T16:10:00Z") // 00:10 the next day
	l.Status, l.ClosedAt = epiloop.LeadHandedOver, &closed
	got := map[epiloop.CounterKey]int64{}
	for _, d := range epiloop.CounterDiff(before, epiloop.Contribution(l)) {
		if strings.Contains(d.Scope, "@") {
			got[d.CounterKey] = d.N
		}
	}
	want := map[epiloop.CounterKey]int64{
		{Scope: "city@2020-02-02", Metric: "closed@00"}:     1,
		{Scope: "d:210102@2020-02-02", Metric: "closed@00"}: 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hourly diff of the closing = %v, want %v", got, want)
	}
	e := &epiloop.Escalation{At: mustTime(t, "2020-02-01T23:59:59Z"), District: "210103"}
	keys := epiloop.EscalationContribution(e)
	if count(keys, "city@2020-02-02", "escalated@07") != 1 || count(keys, "d:210103@2020-02-02", "escalated@07") != 1 ||
		count(keys, "city", "escalated") != 1 || count(keys, "d:210103", "escalated") != 1 || len(keys) != 4 {
		t.Errorf("escalation counts in %v", keys)
	}
}

// TestFunnelIsCumulative: at every state a lead passes through, each stage
// of the funnel counts it no more often than the stage before; a lead in
// conflict or ended has passed every side's stage; an adjudicated closure
// is closed but not agreed; an unroutable lead naming no district counts
// in the undetermined district's scope.
func TestFunnelIsCumulative(t *testing.T) {
	deadline := mustTime(t, "2020-02-02T00:00:00Z")
	late, early := mustTime(t, "2020-02-02T01:00:00Z"), mustTime(t, "2020-02-01T20:00:00Z")
	station := &epiloop.Task{Round: 1, Side: epiloop.UnitPoliceStation, UnitCode: "PS1", Status: epiloop.TaskPushed, FeedbackBy: deadline}
	committee := &epiloop.Task{Round: 1, Side: epiloop.UnitCommittee, UnitCode: "CM1", Status: epiloop.TaskPushed, FeedbackBy: deadline}
	l := &epiloop.Lead{Status: epiloop.LeadUnroutable}
	if count(epiloop.Contribution(l), epiloop.DistrictScope(epiloop.UndeterminedDistrict), epiloop.MetricUnroutable) != 1 {
		t.Errorf("an unroutable lead naming no district is not in the undetermined district")
	}
	states := []func(){
		func() {
			l.Status, l.Round, l.DistrictCode, l.Tasks = epiloop.LeadPushed, 1, "210102", []*epiloop.Task{station, committee}
		},
		func() { station.Status = epiloop.TaskAccepted },
		func() {
			station.Status, station.SubmittedAt = epiloop.TaskSubmitted, &early
			l.Status = epiloop.LeadVerifying
		},
		func() {
			committee.Status, committee.SubmittedAt = epiloop.TaskSubmitted, &late
			l.Status = epiloop.LeadConflict
		},
		func() {
			l.Status, l.ClosedAt = epiloop.LeadClosed, &late
			l.Outcome = &epiloop.Feedback{Resolution: epiloop.ResolutionAdjudicated}
		},
	}
	for i, next := range states {
		next()
		keys := epiloop.Contribution(l)
		prev := 1
		for _, m := range epiloop.FunnelMetrics[1:] {
			n := count(keys, "city", m)
			if n > prev && m != epiloop.MetricAcceptedCommittee && m != epiloop.MetricSubmittedStation {
				t.Errorf("state %d: %s counts %d after a stage of %d", i, m, n, prev)
			}
			prev = n
		}
		if count(keys, "city", epiloop.MetricSubmittedStation) > count(keys, "city", epiloop.MetricAcceptedStation) ||
			count(keys, "city", epiloop.MetricSubmittedCommittee) > count(keys, "city", epiloop.MetricAcceptedCommittee) {
			t.Errorf("state %d: reported without accepted", i)
		}
	}
	keys := epiloop.Contribution(l)
	for _, m := range epiloop.FunnelMetrics {
		if count(keys, "city", m) != 1 {
			t.Errorf("closed lead: %s counts %d, want 1", m, count(keys, "city", m))
		}
	}
	if count(keys, "city", epiloop.MetricAgreed) != 0 {
		t.Errorf("an adjudicated closure counts as agreed")
	}
	// Both reports were made on 2 February in Shenyang (04:00 and 09:00);
	// the committee's after its deadline (08:00).
	if count(keys, "city@2020-02-02", epiloop.MetricAnswered) != 2 || count(keys, "city@2020-02-02", epiloop.MetricOnTime) != 1 ||
		count(keys, "d:210102@2020-02-02", epiloop.MetricAnswered) != 2 || count(keys, "d:210102@2020-02-02", epiloop.MetricOnTime) != 1 {
		t.Errorf("answered and on time by day: %v", keys)
	}
	l.Outcome.Resolution = epiloop.ResolutionAgreed
	if count(epiloop.Contribution(l), "city", epiloop.MetricAgreed) != 1 {
		t.Errorf("an agreed closure does not count as agreed")
	}
}
