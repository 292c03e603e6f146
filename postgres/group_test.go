package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
)

var received = epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}

// writeOne is a request's typical writes: a counter, an event and an
// audit entry, all kept for the commit.
func writeOne(tx epiloop.Tx, name string) error {
	if err := tx.AddCounters([]epiloop.CounterDelta{{CounterKey: received, N: 1}}); err != nil {
		return err
	}
	if err := tx.CreateEvent(&epiloop.Event{Time: time.Now(), Kind: "test." + name}); err != nil {
		return err
	}
	return tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, name, time.Now()))
}

// checkStored checks that exactly the writes of the named requests are
// stored: the counter, one event each, and an unbroken audit chain.
func checkStored(t *testing.T, db *postgres.DB, names map[string]bool) {
	t.Helper()
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		cs, err := tx.FindCounters(received.Scope)
		if err != nil {
			return err
		}
		if got := cs[received.Metric]; got != int64(len(names)) {
			t.Errorf("counter = %d, want %d", got, len(names))
		}
		events, err := tx.FindEventsAfter(0, 1000)
		if err != nil {
			return err
		}
		got := map[string]bool{}
		for _, e := range events {
			got[e.Kind[len("test."):]] = true
		}
		if len(events) != len(names) || len(got) != len(names) {
			t.Errorf("%d events, want one for each of %d", len(events), len(names))
		}
		for n := range names {
			if !got[n] {
				t.Errorf("event of %s missing", n)
			}
		}
		entries, total, err := tx.FindAudit(epiloop.AuditFilter{Limit: 10000})
		if err != nil {
			return err
		}
		if total != len(names) {
			t.Errorf("%d audit entries, want %d", total, len(names))
		}
		var prev []byte
		for i, e := range entries {
			if e.ID != int64(i+1) || !e.Valid(prev, tx.AuditSigner(), false) || !names[e.Object] {
				t.Fatalf("audit entry %d (id %d, %s) breaks the chain", i, e.ID, e.Object)
			}
			prev = e.Hash
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommit runs many writers at once, every third of them failing,
// half of those with a statement PostgreSQL refused (which aborts the
// whole transaction until its savepoint is rolled back): each success is
// stored, each failure left nothing, and the writers that arrived together
// shared commits without seeing each other's failures.
func TestGroupCommit(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	update(t, db, func(tx epiloop.Tx) error {
		return tx.CreateUser(&epiloop.User{Name: "taken", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
	})
	const writers = 300
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx epiloop.Tx) error {
				if err := writeOne(tx, fmt.Sprint(i)); err != nil {
					return err
				}
				switch {
				case i%6 == 0:
					return epiloop.Errorf(epiloop.EINVALID, "refused")
				case i%3 == 0:
					return tx.CreateUser(&epiloop.User{Name: "taken", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
				}
				return nil
			})
		})
	}
	wg.Wait()
	ok := map[string]bool{}
	for i, err := range errs {
		switch {
		case i%6 == 0 && epiloop.ErrorCode(err) != epiloop.EINVALID:
			t.Errorf("writer %d: %v, want its own error", i, err)
		case i%3 == 0 && i%6 != 0 && epiloop.ErrorCode(err) != epiloop.ECONFLICT:
			t.Errorf("writer %d: %v, want a conflict", i, err)
		case i%3 != 0 && err != nil:
			t.Errorf("writer %d: %v", i, err)
		case err == nil:
			ok[fmt.Sprint(i)] = true
		}
	}
	checkStored(t, db, ok)
}

// TestGroupMembers runs requests in one group and checks what each sees
// and keeps: a request reads the writes of those before it — its logs and
// counters too, as if they had committed — a failure undoes only its own
// writes, and events and audit entries are written in the group's order.
func TestGroupMembers(t *testing.T) {
	db := open(t)
	var first *epiloop.Event
	errs := db.CommitGroup(
		func(tx epiloop.Tx) error {
			first = &epiloop.Event{Time: time.Now(), Kind: "test.a"}
			if err := tx.CreateEvent(first); err != nil {
				return err
			}
			if err := tx.AddCounters([]epiloop.CounterDelta{{CounterKey: received, N: 1}}); err != nil {
				return err
			}
			if err := tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, "a", time.Now())); err != nil {
				return err
			}
			return tx.CreateUser(&epiloop.User{Name: "a", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
		},
		func(tx epiloop.Tx) error { // fails after writing and reading back
			if err := writeOne(tx, "b"); err != nil {
				return err
			}
			if _, err := tx.FindUserByName("a"); err != nil {
				return fmt.Errorf("user of the request before: %w", err)
			}
			if id, err := tx.LastEventID(); err != nil || id == 0 || id != first.ID+1 {
				return fmt.Errorf("last event %d (%v), want the one before and this one's", id, err)
			}
			cs, err := tx.FindCounters(received.Scope)
			if err != nil || cs[received.Metric] != 2 {
				return fmt.Errorf("counter %d (%v), want 2", cs[received.Metric], err)
			}
			return epiloop.Errorf(epiloop.EINVALID, "refused")
		},
		func(tx epiloop.Tx) error {
			if id, err := tx.LastEventID(); err != nil || id != first.ID {
				return fmt.Errorf("last event %d (%v), want %d: the failed request's is gone", id, err, first.ID)
			}
			return writeOne(tx, "c")
		},
		func(tx epiloop.Tx) error { return writeOne(tx, "d") },
	)
	want := []string{"", epiloop.EINVALID, "", ""}
	for i, err := range errs {
		if epiloop.ErrorCode(err) != want[i] {
			t.Errorf("request %d: %v, want code %q", i, err, want[i])
		}
	}
	checkStored(t, db, map[string]bool{"a": true, "c": true, "d": true})
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		events, err := tx.FindEventsAfter(0, 10)
		if err != nil {
			return err
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if fmt.Sprint(kinds) != "[test.a test.c test.d]" || events[0].ID != first.ID {
			t.Errorf("events %v (first id %d, want %d), want in the group's order", kinds, events[0].ID, first.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupMemberIgnoringAnError covers a request that swallows a failed
// statement and returns nil from the aborted transaction: it runs again
// alone and gets the answer it would have had alone, and the group
// commits.
func TestGroupMemberIgnoringAnError(t *testing.T) {
	db := open(t)
	update(t, db, func(tx epiloop.Tx) error {
		return tx.CreateUser(&epiloop.User{Name: "taken", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
	})
	var runs atomic.Int32
	errs := db.CommitGroup(
		func(tx epiloop.Tx) error { return writeOne(tx, "a") },
		func(tx epiloop.Tx) error {
			runs.Add(1)
			tx.CreateUser(&epiloop.User{Name: "taken", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
			return nil
		},
		func(tx epiloop.Tx) error { return writeOne(tx, "c") },
	)
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("others: %v, %v", errs[0], errs[2])
	}
	if errs[1] == nil || runs.Load() != 2 {
		t.Errorf("ignoring request: %v after %d runs, want the commit's error after running alone", errs[1], runs.Load())
	}
	checkStored(t, db, map[string]bool{"a": true, "c": true})
}

// TestGroupMemberPanics: the panic reaches the caller, the request's
// writes are undone and the others commit.
func TestGroupMemberPanics(t *testing.T) {
	db := open(t)
	errs := db.CommitGroup(
		func(tx epiloop.Tx) error { return writeOne(tx, "a") },
		func(tx epiloop.Tx) error {
			if err := writeOne(tx, "b"); err != nil {
				return err
			}
			panic("boom")
		},
		func(tx epiloop.Tx) error { return writeOne(tx, "c") },
	)
	var p postgres.Panicked
	if !errors.As(errs[1], &p) || p.Value != "boom" {
		t.Errorf("panicking request: %v", errs[1])
	}
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("others: %v, %v", errs[0], errs[2])
	}
	checkStored(t, db, map[string]bool{"a": true, "c": true})
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("Update recovered %v, want the panic of fn", v)
		}
	}()
	db.Update(context.Background(), func(tx epiloop.Tx) error { panic("boom") })
}

// TestGroupsDeadlock makes two groups lock two leads in opposite orders:
// PostgreSQL aborts one request with a deadlock; it is rolled back to its
// savepoint, its group commits the rest, and it runs again alone. Every
// request succeeds once.
func TestGroupsDeadlock(t *testing.T) {
	db := open(t)
	ids := make([]int64, 2)
	update(t, db, func(tx epiloop.Tx) error {
		for i := range ids {
			p := epiloop.Person{Name: fmt.Sprint("测试", i), Phone: fmt.Sprintf("1380013800%d", i)}
			if err := tx.CreatePerson(&p); err != nil {
				return err
			}
			l := &epiloop.Lead{Person: p, Status: epiloop.LeadPushed, Priority: epiloop.PriorityNormal, Round: 1,
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := tx.CreateLead(l); err != nil {
				return err
			}
			ids[i] = l.ID
		}
		return nil
	})
	var (
		barrier sync.WaitGroup
		wg      sync.WaitGroup
		runs    atomic.Int32
	)
	bump := func(id int64) func(tx epiloop.Tx) error {
		return func(tx epiloop.Tx) error {
			runs.Add(1)
			l, err := tx.FindLeadByID(id, true)
			if err != nil {
				return err
			}
			l.Round++
			return tx.UpdateLead(l)
		}
	}
	barrier.Add(2)
	errs := make([][]error, 2)
	for i := range 2 {
		first, second := ids[i], ids[1-i]
		wg.Go(func() {
			errs[i] = db.CommitGroup(
				func(tx epiloop.Tx) error {
					err := bump(first)(tx)
					barrier.Done()
					barrier.Wait() // both groups hold their first lock
					return err
				},
				bump(second),
			)
		})
	}
	wg.Wait()
	for i, es := range errs {
		for j, err := range es {
			if err != nil {
				t.Errorf("group %d, request %d: %v", i, j, err)
			}
		}
	}
	if n := runs.Load(); n != 5 {
		t.Errorf("%d runs, want 5 (one deadlock victim run again)", n)
	}
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		for _, id := range ids {
			l, err := tx.FindLeadByID(id, false)
			if err != nil {
				return err
			}
			if l.Round != 3 {
				t.Errorf("lead %d: round %d, want 3 (two increments)", id, l.Round)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupQueueFull: when the committers are busy and the queue is full,
// Update answers EUNAVAILABLE at once; the queued transactions still run.
func TestGroupQueueFull(t *testing.T) {
	db := open(t)
	release := make(chan struct{})
	busy := make(chan struct{}, 1)
	var (
		wg sync.WaitGroup
		ok atomic.Int32
	)
	for range postgres.MaxQueue + postgres.MaxRunning + 50 {
		wg.Go(func() {
			err := db.Update(context.Background(), func(tx epiloop.Tx) error {
				<-release
				return nil
			})
			switch {
			case err == nil:
				ok.Add(1)
			case epiloop.ErrorCode(err) == epiloop.EUNAVAILABLE:
				select {
				case busy <- struct{}{}:
				default:
				}
			default:
				t.Error(err)
			}
		})
	}
	select {
	case <-busy:
	case <-time.After(time.Minute):
		t.Error("no EUNAVAILABLE with the queue full")
	}
	close(release)
	wg.Wait()
	if ok.Load() < postgres.MaxQueue {
		t.Errorf("%d transactions ran, want the queued ones", ok.Load())
	}
}

// TestCloseDrains: transactions queued when Close is called commit; an
// Update after Close fails cleanly instead of hanging.
func TestCloseDrains(t *testing.T) {
	url := pgtest.URL(t)
	db, err := postgres.Open(context.Background(), url, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 50
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = db.Update(context.Background(), func(tx epiloop.Tx) error { return writeOne(tx, fmt.Sprint(i)) })
		})
	}
	time.Sleep(5 * time.Millisecond)
	db.Close()
	wg.Wait()
	if err := db.Update(context.Background(), func(epiloop.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
	ok := map[string]bool{}
	for i, err := range errs {
		if err == nil {
			ok[fmt.Sprint(i)] = true
		}
	}
	checkStored(t, openURL(t, url), ok)
}

// TestCancelledCallerDoesNotBreakTheGroup: a caller whose context ends
// while its transaction runs still gets a definite answer, and the others
// commit.
func TestCancelledCallerDoesNotBreakTheGroup(t *testing.T) {
	db := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			c := context.Background()
			if i == 5 {
				c = ctx
			}
			errs[i] = db.Update(c, func(tx epiloop.Tx) error {
				if i == 5 {
					cancel()
				}
				return writeOne(tx, fmt.Sprint(i))
			})
		})
	}
	wg.Wait()
	ok := map[string]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			ok[fmt.Sprint(i)] = true
		case i != 5:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	checkStored(t, db, ok)
}
