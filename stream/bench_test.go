package stream

import (
	"context"
	"testing"
)

// BenchmarkPublish measures the publisher's throughput from the outbox to
// an acknowledged JetStream stream, position commits included: b.N events
// are written first, then published from position 0 in batches of
// DefaultBatch.
//
//	EPILOOP_TEST_NATS=nats://127.0.0.1:4222 go test ./stream -run '^$' -bench Publish -benchtime 20000x
func BenchmarkPublish(b *testing.B) {
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			n := newTestNATS(b)
			store := eng.open(b)
			_, last := seedEvents(b, store, b.N)
			p := n.publisher(store, DefaultBatch)
			ctx, stop := context.WithCancel(b.Context())
			done := make(chan error, 1)
			b.ResetTimer()
			go func() { done <- p.Run(ctx) }()
			waitPosition(b, store, p.Name, last)
			b.StopTimer()
			stop()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
