package loop

import (
	"context"
	"time"

	"github.com/epiloop/epiloop"
)

// CommitBaseline measures the store's raw durable commit rate: one
// goroutine committing a one-row change per transaction for d. It is the
// yardstick for the rate of field feedback, which costs several writes.
func CommitBaseline(ctx context.Context, store epiloop.Store, d time.Duration) (float64, error) {
	// Alternate +1 and −1 so the counter nets to zero and the funnel's
	// verification finds nothing to report.
	plus := []epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "bench", Metric: "commit"}, N: 1}}
	minus := []epiloop.CounterDelta{{CounterKey: plus[0].CounterKey, N: -1}}
	n := 0
	start := time.Now()
	for time.Since(start) < d || n%2 == 1 {
		ds := plus
		if n%2 == 1 {
			ds = minus
		}
		if err := store.Update(ctx, func(tx epiloop.Tx) error { return tx.AddCounters(ds) }); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
