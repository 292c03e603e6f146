package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func testEvents(t *testing.T, s epiloop.Store) {
	seed(t, s)
	view(t, s, func(tx epiloop.Tx) error {
		id, err := tx.LastEventID()
		diff(t, "LastEventID of an empty store", id, int64(0))
		return err
	})
	l1 := newLead(d1, c1, epiloop.LeadPushed)
	l2 := newLead(d2, c2, epiloop.LeadPushed)
	var events []*epiloop.Event
	update(t, s, func(tx epiloop.Tx) error {
		if err := addLead(tx, person(1), l1, newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)); err != nil {
			return err
		}
		if err := addLead(tx, person(2), l2); err != nil {
			return err
		}
		events = []*epiloop.Event{
			epiloop.NewEvent(epiloop.EventLeadCreated, l1, local(at(0)), 5, map[string]any{"source": "rail", "row": 17}),
			epiloop.NewEvent(epiloop.EventLeadCreated, l2, at(time.Second), 0, nil),
			{Time: at(2 * time.Second), Kind: epiloop.EventTaskAccepted, LeadID: l1.ID, TaskID: l1.Tasks[0].ID,
				ActorID: 6, District: d1, Units: []string{ps1, cm1}, Data: json.RawMessage(`{"at": "2020-02-01"}`)},
			{Time: at(3 * time.Second), Kind: "system.note"},
		}
		for _, e := range events {
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	for i, e := range events {
		if e.ID <= 0 || i > 0 && e.ID <= events[i-1].ID {
			t.Fatalf("event %d: ID %d, want positive and growing", i, e.ID)
		}
	}
	events[0].Time = events[0].Time.UTC()
	more := &epiloop.Event{Time: at(4 * time.Second), Kind: epiloop.EventLeadClosed, LeadID: l1.ID, District: d1}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateEvent(more) })
	if more.ID <= events[3].ID {
		t.Fatalf("event ID %d after a commit, want above %d", more.ID, events[3].ID)
	}
	events = append(events, more)

	tests := []struct {
		name  string
		find  func(tx epiloop.Tx) ([]*epiloop.Event, error)
		wantI []int
	}{
		{"AfterZero", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindEventsAfter(0, 10) }, []int{0, 1, 2, 3, 4}},
		{"AfterID", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindEventsAfter(events[1].ID, 2) }, []int{2, 3}},
		{"DefaultLimit", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindEventsAfter(events[3].ID, 0) }, []int{4}},
		{"AfterLast", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindEventsAfter(more.ID, 10) }, nil},
		{"Lead", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindLeadEvents(l1.ID) }, []int{0, 2, 4}},
		{"LeadWithoutEvents", func(tx epiloop.Tx) ([]*epiloop.Event, error) { return tx.FindLeadEvents(l2.ID + 1000) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, err := tc.find(tx)
				if err != nil {
					return err
				}
				var want []*epiloop.Event
				for _, i := range tc.wantI {
					want = append(want, events[i])
				}
				diffEvents(t, got, want)
				return nil
			})
		})
	}
	view(t, s, func(tx epiloop.Tx) error {
		id, err := tx.LastEventID()
		diff(t, "LastEventID", id, more.ID)
		return err
	})
}

// diffEvents compares events, their JSON data by meaning (an engine may
// store JSON in a normal form).
func diffEvents(t testing.TB, got, want []*epiloop.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d events, want %d", len(got), len(want))
		return
	}
	for i := range got {
		g, w := *got[i], *want[i]
		wantUTC(t, "event time", g.Time)
		diff(t, "event data", decodeJSON(t, g.Data), decodeJSON(t, w.Data))
		g.Data, w.Data = nil, nil
		diff(t, "event", &g, &w)
	}
}

func decodeJSON(t testing.TB, b json.RawMessage) any {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Errorf("invalid JSON %s: %v", b, err)
	}
	return v
}

func testCounters(t *testing.T, s epiloop.Store) {
	key := func(scope, metric string) epiloop.CounterKey { return epiloop.CounterKey{Scope: scope, Metric: metric} }
	delta := func(scope, metric string, n int64) epiloop.CounterDelta {
		return epiloop.CounterDelta{CounterKey: key(scope, metric), N: n}
	}
	d1Scope := epiloop.DistrictScope(d1)
	update(t, s, func(tx epiloop.Tx) error {
		return tx.AddCounters([]epiloop.CounterDelta{
			delta(epiloop.ScopeCity, epiloop.MetricReceived, 3),
			delta(epiloop.ScopeCity, epiloop.MetricOpen, 2),
			delta(d1Scope, epiloop.MetricReceived, 1),
		})
	})
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.AddCounters([]epiloop.CounterDelta{
			delta(epiloop.ScopeCity, epiloop.MetricOpen, -2),
			delta(epiloop.ScopeCity, epiloop.MetricClosed, 1),
		}); err != nil {
			return err
		}
		// Twice in one transaction adds twice.
		return tx.AddCounters([]epiloop.CounterDelta{delta(epiloop.ScopeCity, epiloop.MetricClosed, 1)})
	})
	for i := range 5 { // many small transactions, as the workflows write them
		update(t, s, func(tx epiloop.Tx) error {
			return tx.AddCounters([]epiloop.CounterDelta{delta(d1Scope, epiloop.MetricReceived, int64(i))})
		})
	}

	tests := []struct {
		scope string
		want  map[string]int64
	}{
		{epiloop.ScopeCity, map[string]int64{epiloop.MetricReceived: 3, epiloop.MetricClosed: 2, epiloop.MetricOpen: 0}},
		{d1Scope, map[string]int64{epiloop.MetricReceived: 11}},
		{epiloop.UnitScope(ps1), map[string]int64{}},
	}
	for _, tc := range tests {
		t.Run("FindCounters/"+tc.scope, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, err := tx.FindCounters(tc.scope)
				if err != nil {
					return err
				}
				// A metric that sums to zero may be present or absent.
				for m, n := range got {
					if n != tc.want[m] {
						t.Errorf("%s: %d, want %d", m, n, tc.want[m])
					}
				}
				for m, n := range tc.want {
					if got[m] != n {
						t.Errorf("%s: %d, want %d", m, got[m], n)
					}
				}
				return nil
			})
		})
	}
	t.Run("FindCountersOf", func(t *testing.T) {
		// Several scopes in one statement, each as FindCounters reads it;
		// a scope with no counters (asked twice) has an empty map.
		scopes := []string{epiloop.UnitScope(ps1)}
		for _, tc := range tests {
			scopes = append(scopes, tc.scope)
		}
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindCountersOf(scopes)
			if err != nil {
				return err
			}
			if len(got) != len(tests) {
				t.Errorf("%d scopes, want %d", len(got), len(tests))
			}
			for _, tc := range tests {
				m, ok := got[tc.scope]
				if !ok || m == nil {
					t.Errorf("%s: no map", tc.scope)
					continue
				}
				for k, n := range tc.want {
					if m[k] != n {
						t.Errorf("%s %s: %d, want %d", tc.scope, k, m[k], n)
					}
				}
				for k, n := range m {
					if n != tc.want[k] {
						t.Errorf("%s %s: %d, want %d", tc.scope, k, n, tc.want[k])
					}
				}
			}
			none, err := tx.FindCountersOf(nil)
			if err != nil || len(none) != 0 {
				t.Errorf("no scopes: %v, %v", none, err)
			}
			return nil
		})
	})
	t.Run("AllCounters", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.AllCounters()
			if err != nil {
				return err
			}
			// Counters that sum to zero are left out, so that the map
			// equals a recomputation from the rows.
			diff(t, "counters", got, map[epiloop.CounterKey]int64{
				key(epiloop.ScopeCity, epiloop.MetricReceived): 3,
				key(epiloop.ScopeCity, epiloop.MetricClosed):   2,
				key(d1Scope, epiloop.MetricReceived):           11,
			})
			return nil
		})
	})
}
