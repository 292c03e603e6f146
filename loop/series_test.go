package loop_test

import (
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestHourlySeries: leads imported, created, closed and escalated around
// civil midnight land in the hours of the series (two day scopes), which
// agree with the events the domain's list marks as receiving and closing;
// the counters verify, and a bucket moved by hand is reported.
func TestHourlySeries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.clock.Set(time.Date(2020, 2, 1, 15, 20, 0, 0, time.UTC)) // 23:20 in Shenyang
		im, _, err := importAs(commander, f, &rowSlice{rows: manifest(30)}, "series")
		if err != nil {
			t.Fatal(err)
		}
		imported, unroutable := int64(im.Counts.LeadsCreated), int64(im.Counts.Unroutable)
		if imported == 0 || unroutable == 0 {
			t.Fatalf("import counts %+v: want leads, some unroutable", im.Counts)
		}
		f.clock.Add(time.Hour) // 00:20 the next day
		l := f.lead(id2, addrHome, epiloop.Reason{})
		f.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, home)
		f.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, home)
		f.clock.Add(5 * time.Hour) // 05:20: the imported leads' accept deadlines have passed
		escalated, err := f.svc.Escalate(context.Background())
		if err != nil || escalated == 0 {
			t.Fatalf("escalate: %d, %v", escalated, err)
		}

		city, err := f.svc.HourlySeries(commander)
		if err != nil {
			t.Fatal(err)
		}
		if len(city.Hours) != 24 || city.Hours[23].Hour() != 5 || city.Hours[17].Hour() != 23 {
			t.Fatalf("hours %v: want the 24 up to 05:00", city.Hours)
		}
		want := map[string][24]int64{}
		set := func(name string, i int, n int64) {
			s := want[name]
			s[i] = n
			want[name] = s
		}
		set("received", 17, imported) // 23:00 on 1 February
		set("received", 18, 1)        // 00:00 on 2 February
		set("closed", 18, 1)
		set("escalated", 23, int64(escalated))
		checkSeries(t, "city", city.Received, city.Closed, city.Escalated, want)

		district, err := f.svc.HourlySeries(as(epiloop.RoleDistrict, "SC"+heping))
		if err != nil {
			t.Fatal(err)
		}
		set("received", 17, imported-unroutable) // the unroutable have no district
		checkSeries(t, "district", district.Received, district.Closed, district.Escalated, want)

		checkSeriesAgainstEvents(t, f, city.Hours, city.Received, city.Closed, city.Escalated)

		f.checkCounters()
		moved := []epiloop.CounterDelta{
			{CounterKey: epiloop.CounterKey{Scope: epiloop.DayScope(epiloop.ScopeCity, "2020-02-02"), Metric: "received@00"}, N: 1},
			{CounterKey: epiloop.CounterKey{Scope: epiloop.DayScope(epiloop.DistrictScope(heping), "2020-02-02"), Metric: "escalated@05"}, N: -1},
		}
		if err := f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.AddCounters(moved) }); err != nil {
			t.Fatal(err)
		}
		drift, err := f.svc.VerifyCounters(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantDrift := map[epiloop.CounterKey][2]int64{
			moved[0].CounterKey: {2, 1},
			moved[1].CounterKey: {int64(escalated) - 1, int64(escalated)},
		}
		if len(drift) != len(wantDrift) || drift[moved[0].CounterKey] != wantDrift[moved[0].CounterKey] ||
			drift[moved[1].CounterKey] != wantDrift[moved[1].CounterKey] {
			t.Errorf("drift %v, want %v", drift, wantDrift)
		}
	})
}

func checkSeries(t *testing.T, name string, received, closed, escalated []int64, want map[string][24]int64) {
	t.Helper()
	for metric, got := range map[string][]int64{"received": received, "closed": closed, "escalated": escalated} {
		w := want[metric]
		if len(got) != 24 || [24]int64(got) != w {
			t.Errorf("%s %s: got %v, want %v", name, metric, got, w)
		}
	}
}

// checkSeriesAgainstEvents: the city's series count, hour by hour, the
// events that the domain's list marks as receiving a lead and as closing
// one, and the escalation events.
func checkSeriesAgainstEvents(t *testing.T, f *fixture, hours []time.Time, received, closed, escalated []int64) {
	t.Helper()
	index := map[time.Time]int{}
	for i, h := range hours {
		index[h.UTC()] = i
	}
	var r, c, e [24]int64
	err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
		for after := int64(0); ; {
			es, err := tx.FindEventsAfter(after, 500)
			if err != nil || len(es) == 0 {
				return err
			}
			for _, ev := range es {
				after = ev.ID
				i, ok := index[ev.Time.Truncate(time.Hour).UTC()]
				k, _ := epiloop.FindEventKind(ev.Kind)
				switch {
				case !ok:
				case k.Received:
					r[i]++
				case k.Closes:
					c[i]++
				case ev.Kind == epiloop.EventTaskEscalated:
					e[i]++
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if [24]int64(received) != r || [24]int64(closed) != c || [24]int64(escalated) != e {
		t.Errorf("series %v / %v / %v, events say %v / %v / %v", received, closed, escalated, r, c, e)
	}
}
