package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// RunHourBackfill checks an engine's migration that filled the hourly
// counters for the rows written before them (the engine's backfill
// re-runs its SQL) against the domain: leads and escalations are written
// without counters, around civil midnight, and after the backfill every
// day-scope counter is the one epiloop.Contribution and
// epiloop.EscalationContribution give.
func RunHourBackfill(t *testing.T, s epiloop.Store, backfill func(t testing.TB)) {
	seed(t, s)
	closed := func(status epiloop.LeadStatus, created, ended time.Duration) *epiloop.Lead {
		l := newLead(d1, c1, status)
		l.CreatedAt, l.UpdatedAt = at(created), at(ended)
		l.ClosedAt = ptr(at(ended))
		return l
	}
	// at(0) is 16:00 in Shenyang; at(8h) is its midnight.
	leads := []*epiloop.Lead{
		newLead(d1, c1, epiloop.LeadPushed),
		closed(epiloop.LeadClosed, 7*time.Hour+59*time.Minute, 8*time.Hour),
		closed(epiloop.LeadHandedOver, -17*time.Hour, 9*time.Hour+30*time.Minute),
		newLead("", "", epiloop.LeadUnroutable),
	}
	leads[0].DistrictCode, leads[0].CommunityCode = d2, c2
	tk := newTask(ps2, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)
	escalations := []*epiloop.Escalation{
		{Deadline: at(4 * time.Hour), Level: epiloop.EscalateUnit, At: at(4 * time.Hour), District: d2},
		{Deadline: at(4 * time.Hour), Level: epiloop.EscalateDistrict, At: at(8 * time.Hour), District: d2},
		{Deadline: at(4 * time.Hour), Level: epiloop.EscalateHeadquarters, At: at(12 * time.Hour), District: d1},
	}
	update(t, s, func(tx epiloop.Tx) error {
		for i, l := range leads {
			var tasks []*epiloop.Task
			if i == 0 {
				tasks = append(tasks, tk)
			}
			if err := addLead(tx, person(i+1), l, tasks...); err != nil {
				return err
			}
		}
		for _, e := range escalations {
			e.TaskID = tk.ID
			if _, err := tx.CreateEscalation(e); err != nil {
				return err
			}
		}
		return nil
	})
	backfill(t)
	// The migration filled the hourly counters of the definitions of its
	// time (counter version 1): the city's and the named districts' days.
	// What later versions added (the undetermined district's days) is
	// recomputed from the rows at start (loop.Service.EnsureCounters).
	hourly := func(k epiloop.CounterKey) bool {
		return strings.Contains(k.Scope, "@") && !strings.HasPrefix(k.Scope, epiloop.DistrictScope(epiloop.UndeterminedDistrict)+"@")
	}
	want := map[epiloop.CounterKey]int64{}
	for _, l := range leads {
		for _, k := range epiloop.Contribution(l) {
			if hourly(k) {
				want[k]++
			}
		}
	}
	for _, e := range escalations {
		for _, k := range epiloop.EscalationContribution(e) {
			if hourly(k) {
				want[k]++
			}
		}
	}
	if len(want) < 10 {
		t.Fatalf("the domain gives %d hourly counters, want more: %v", len(want), want)
	}
	view(t, s, func(tx epiloop.Tx) error {
		all, err := tx.AllCounters()
		got := map[epiloop.CounterKey]int64{}
		for k, n := range all {
			if strings.Contains(k.Scope, "@") {
				got[k] = n
			}
		}
		diff(t, "hourly counters", got, want)
		return err
	})
}
