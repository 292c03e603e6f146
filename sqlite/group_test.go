package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestGroupCommit runs many writers at once, every third of them failing:
// each success is stored, each failure left nothing, and the writers that
// arrived together shared commits without seeing each other's failures.
// Each writer reads the counter it just moved: the successful ones, run
// one after the other, read 1, 2, 3 … — the counts a group has not written
// yet included, a failed writer's never.
func TestGroupCommit(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	const writers = 300
	var wg sync.WaitGroup
	errs := make([]error, writers)
	seen := make([]int64, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx epiloop.Tx) error {
				if err := tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "city", Metric: "received"}, N: 1}}); err != nil {
					return err
				}
				m, err := tx.FindCounters("city")
				if err != nil {
					return err
				}
				seen[i] = m["received"]
				if err := tx.CreateEvent(&epiloop.Event{Kind: fmt.Sprintf("test.%d", i)}); err != nil {
					return err
				}
				if i%3 == 0 {
					return epiloop.Errorf(epiloop.EINVALID, "refused")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	ok := 0
	var reads []int64
	for i, err := range errs {
		switch {
		case i%3 == 0 && epiloop.ErrorCode(err) != epiloop.EINVALID:
			t.Errorf("writer %d: %v, want its own error", i, err)
		case i%3 != 0 && err != nil:
			t.Errorf("writer %d: %v", i, err)
		case err == nil:
			ok++
			reads = append(reads, seen[i])
		}
	}
	slices.Sort(reads)
	for i, n := range reads {
		if n != int64(i+1) {
			t.Fatalf("successful writers read %v, want 1 to %d", reads, ok)
		}
	}
	err := db.View(ctx, func(tx epiloop.Tx) error {
		m, err := tx.FindCounters("city")
		if err != nil {
			return err
		}
		if m["received"] != int64(ok) {
			t.Errorf("counter = %d, want %d", m["received"], ok)
		}
		events, err := tx.FindEventsAfter(0, 1000)
		if len(events) != ok {
			t.Errorf("%d events, want %d", len(events), ok)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpdateAfterClose fails cleanly instead of hanging.
func TestUpdateAfterClose(t *testing.T) {
	db := open(t)
	db.Close()
	if err := db.Update(context.Background(), func(epiloop.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
}

// TestCancelledCallerDoesNotBreakTheGroup: a caller whose context ends
// while its transaction runs still gets a definite answer, and the others
// commit.
func TestCancelledCallerDoesNotBreakTheGroup(t *testing.T) {
	db := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := context.Background()
			if i == 5 {
				c = ctx
			}
			db.Update(c, func(tx epiloop.Tx) error {
				if i == 5 {
					cancel()
				}
				return tx.CreateEvent(&epiloop.Event{Kind: "x"})
			})
		}()
	}
	wg.Wait()
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		events, err := tx.FindEventsAfter(0, 100)
		if len(events) < 19 {
			t.Errorf("%d events committed, want at least 19", len(events))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportSharesTheWriter: while field writes keep coming, an import's
// batches (bulk work) leave them the writer for as long as the last batch
// held it, so each field client gets many turns between two batches, not
// one; with nothing else waiting, the batches follow each other at once.
func TestImportSharesTheWriter(t *testing.T) {
	const (
		batches = 6
		clients = 4
		hold    = 40 * time.Millisecond // how long a batch holds the writer
	)
	db := open(t)
	ctx := context.Background()
	var (
		mu  sync.Mutex
		ran []byte // 'B' for a batch, 'I' for a field write, in commit order
	)
	note := func(c byte) {
		mu.Lock()
		ran = append(ran, c)
		mu.Unlock()
	}
	importBatches := func() {
		for range batches {
			err := db.Update(epiloop.WithBulk(ctx), func(tx epiloop.Tx) error {
				time.Sleep(hold)
				note('B')
				return tx.CreateEvent(&epiloop.Event{Kind: "import.batch"})
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}

	// Quiet: no batch waits.
	before := db.WriterStats().BulkHeld
	importBatches()
	if held := db.WriterStats().BulkHeld - before; held != 0 {
		t.Errorf("%d batches waited on a quiet server, want 0", held)
	}

	// Busy: field clients write all through the import.
	mu.Lock()
	ran = ran[:0]
	mu.Unlock()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				err := db.Update(ctx, func(tx epiloop.Tx) error {
					note('I')
					return tx.CreateEvent(&epiloop.Event{Kind: "field"})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	importBatches()
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	seq := string(ran)
	first, last := strings.IndexByte(seq, 'B'), strings.LastIndexByte(seq, 'B')
	between := strings.Count(seq[first:last], "I")
	// Without the sharing each client gets one write in between two
	// batches (it waits for its answer while the next batch is queued):
	// clients × (batches − 1) in all.
	if min := 3 * clients * (batches - 1); between < min {
		t.Errorf("%d field writes between the first and last batch, want at least %d: %s", between, min, seq)
	}
	if held := db.WriterStats().BulkHeld - before; held == 0 {
		t.Error("no batch waited for the field writes")
	}
}
