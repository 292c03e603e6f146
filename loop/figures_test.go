package loop_test

import (
	"context"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// TestEnsureCountersRecomputesOlderDefinitions: counters kept under other
// definitions (an older version's, or drifted) are recomputed from the
// rows once at start, leads' and checkpoints' alike; a second start
// changes nothing.
func TestEnsureCountersRecomputesOlderDefinitions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.closeWith(id1, epiloop.Reason{}, home)
		f.lead(id2, addrNowhere, epiloop.Reason{})
		f.withCheckpoints()
		f.screen(gate, ckStation, loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{traveller(id3, "北京", 36.5)}})
		if _, err := f.svc.EnsureCounters(ctx); err != nil {
			t.Fatal(err)
		}
		// As a database of counter version 1 would be: no version row, and
		// figures of other definitions.
		err := f.store.Update(ctx, func(tx epiloop.Tx) error {
			if err := tx.AddCounters([]epiloop.CounterDelta{
				{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricPushed}, N: -1},
				{CounterKey: epiloop.CounterKey{Scope: epiloop.DistrictScope(""), Metric: epiloop.MetricReceived}, N: -1},
				{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeMeta, Metric: epiloop.MetricVersion}, N: -epiloop.CounterVersion},
			}); err != nil {
				return err
			}
			return tx.AddStatCounters([]epiloop.CounterDelta{
				{CounterKey: epiloop.CounterKey{Scope: epiloop.CheckpointScope(ckStation), Metric: epiloop.MetricPersons}, N: 5},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if drift, _ := f.svc.VerifyCounters(ctx); len(drift) != 2 {
			t.Fatalf("drift before: %v", drift)
		}
		if rebuilt, err := f.svc.EnsureCounters(ctx); err != nil || !rebuilt {
			t.Fatalf("recompute: %v %v", rebuilt, err)
		}
		f.checkCounters()
		f.checkStats()
		if rebuilt, err := f.svc.EnsureCounters(ctx); err != nil || rebuilt {
			t.Errorf("a second start recomputed again: %v %v", rebuilt, err)
		}
	})
}
