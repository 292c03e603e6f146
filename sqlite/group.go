package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/epiloop/epiloop"
)

// Group commit: writers queue their transactions; one committer runs every
// transaction waiting at that moment inside one SQLite transaction, each in
// its own savepoint, and commits them with a single fsync. A request's
// error rolls back its savepoint only. Durability is unchanged — Update
// returns after the commit that holds its writes is on disk — and the cost
// of the sync is shared by everyone who arrived while the previous one ran.
const (
	// maxGroup caps the transactions that share one commit.
	maxGroup = 256
	// maxQueue caps the transactions waiting; beyond it Update answers
	// EUNAVAILABLE at once (back-pressure instead of time-outs).
	maxQueue = 4096
)

type request struct {
	ctx  context.Context
	fn   func(tx epiloop.Tx) error
	done chan error
	// alone is bulk work (epiloop.WithBulk): it is committed in a group of
	// its own. Sharing a group would put it in a savepoint, whose journal
	// keeps a copy of every page the batch changes (≈ 100 MB for an import
	// batch into a database of millions) until it ends.
	alone bool
	// held marks a bulk request that waited for interactive work.
	held bool
}

// errGroupBroken means SQLite dropped the whole transaction (an I/O error,
// a lock lost): every request of the group runs again alone.
var errGroupBroken = errors.New("sqlite: group transaction broken")

// Update runs fn in a write transaction that commits durably before
// Update returns. If fn returns an error, its writes are rolled back and
// the error returned as is. Transactions arriving together share one
// commit. fn may run more than once (a busy file, a broken group), so it
// must have no effects outside the transaction, and it must not call
// Update itself.
func (db *DB) Update(ctx context.Context, fn func(tx epiloop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1), alone: epiloop.IsBulk(ctx)}
	select {
	case <-db.stop:
		return errClosed
	default:
	}
	select {
	case db.queue <- r:
	default:
		return epiloop.Errorf(epiloop.EUNAVAILABLE, "err.server_busy_try_again_in")
	}
	// Wait for the outcome even if ctx ends meanwhile: the caller must not
	// be told "failed" about a transaction that then commits.
	select {
	case err := <-r.done:
		return err
	case <-db.stopped:
		select {
		case err := <-r.done:
			return err
		default:
			return errClosed
		}
	}
}

var errClosed = errors.New("sqlite: database closed")

// commitLoop is the single committer.
//
// Bulk work (an import's batches) shares the writer with interactive
// work: after a bulk batch that held the writer for d, if interactive
// requests arrived meanwhile, the next batch waits d and they run first —
// field writes get half of the writer during an import instead of one
// group between two batches. On a quiet server a batch runs at once, and
// an import goes at full speed.
func (db *DB) commitLoop() {
	syncerDone := make(chan struct{})
	go db.syncLoop(syncerDone)
	// parked holds bulk requests taken from the queue while interactive
	// work had its turn, in arrival order.
	var parked []*request
	defer func() {
		close(db.synced)
		<-syncerDone
		close(db.stopped)
		for _, r := range parked {
			r.done <- errClosed
		}
		for {
			select {
			case r := <-db.queue:
				r.done <- errClosed
			default:
				return
			}
		}
	}()
	// bulkStart and bulkAfter are when the last bulk batch started and
	// when the next may start if interactive work keeps coming;
	// lastInteractive is when interactive work was last taken.
	var bulkStart, bulkAfter, lastInteractive time.Time
	group := make([]*request, 0, maxGroup)
	for {
		var first *request
		for first == nil {
			var wake *time.Timer
			if len(parked) > 0 {
				if !lastInteractive.After(bulkStart) || !time.Now().Before(bulkAfter) {
					first, parked = parked[0], parked[1:]
					break
				}
				wake = time.NewTimer(time.Until(bulkAfter))
				if !parked[0].held {
					parked[0].held = true
					db.stats.held.Add(1)
				}
			}
			var ok bool
			if first, parked, ok = db.take(wake, parked); !ok {
				return
			}
		}
		group = append(group[:0], first)
		if !first.alone {
			lastInteractive = time.Now()
		drain:
			for len(group) < maxGroup {
				select {
				case r := <-db.queue:
					if r.alone {
						parked = append(parked, r)
						continue
					}
					group = append(group, r)
				default:
					break drain
				}
			}
		}
		start := time.Now()
		db.commitGroup(group)
		if first.alone {
			end := time.Now()
			bulkStart, bulkAfter = start, end.Add(end.Sub(start))
		}
	}
}

// take waits for the next interactive request, parking bulk ones; when
// wake fires first, it takes the first parked request. Without wake, a
// bulk request returns nil at once, for the caller to decide again. It
// reports false when the database stops.
func (db *DB) take(wake *time.Timer, parked []*request) (*request, []*request, bool) {
	var fire <-chan time.Time
	if wake != nil {
		defer wake.Stop()
		fire = wake.C
	}
	for {
		select {
		case r := <-db.queue:
			if r.alone {
				parked = append(parked, r)
				if wake == nil {
					return nil, parked, true
				}
				continue
			}
			return r, parked, true
		case <-fire:
			return parked[0], parked[1:], true
		case <-db.stop:
			return nil, parked, false
		}
	}
}

// commitGroup commits a group, retrying it on a busy file and running its
// requests alone if the group transaction broke.
func (db *DB) commitGroup(group []*request) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if err := db.broken.Load(); err != nil {
		db.synced <- failed(live, *err)
		return
	}
	for attempt := 0; ; attempt++ {
		errs, err := db.runGroup(live)
		switch {
		case err == nil:
			db.synced <- outcome{live, errs}
			return
		case errors.Is(err, errGroupBroken) && len(live) > 1:
			for _, r := range live {
				db.commitGroup([]*request{r})
			}
			return
		case (isBusy(err) || errors.Is(err, errGroupBroken)) && attempt < busyRetries:
			time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
			continue
		}
		db.synced <- failed(live, err)
		return
	}
}

// failed is the outcome of a group that failed as a whole.
func failed(group []*request, err error) outcome {
	errs := make([]error, len(group))
	for i := range errs {
		errs[i] = err
	}
	return outcome{group, errs}
}

// outcome is a group's results, given once every commit before them is
// on disk.
type outcome struct {
	group []*request
	errs  []error
}

// Pipelined sync: the writer commits a group with synchronous=NORMAL —
// the log's pages written, not yet synced — and goes on with the next
// group at once, while syncLoop syncs the log and only then answers the
// requests of every group committed before the sync began. So a request
// is answered after its commit is on disk, as with synchronous=FULL, but
// the writer no longer waits for the disk: the sync of one group overlaps
// the work of the next. Results, errors included, are given in commit
// order, so no answer depends on a write that is not yet durable.
//
// What changes: for the moment between a commit and its sync, other
// transactions can read its writes; a power cut in that moment loses a
// write that was seen but whose writer was never told it succeeded. A
// crash of the process loses nothing (the pages are in the kernel).
func (db *DB) syncLoop(done chan<- struct{}) {
	defer close(done)
	var batch []outcome
	for o := range db.synced {
		batch = append(batch[:0], o)
	drain:
		for {
			select {
			case o, ok := <-db.synced:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		err := db.syncLog()
		for _, o := range batch {
			for i, r := range o.group {
				if err != nil && o.errs[i] == nil {
					r.done <- err
					continue
				}
				r.done <- o.errs[i]
			}
		}
	}
}

// syncLog makes every commit so far durable: it syncs the write-ahead log.
// A failed sync leaves the file's state unknown, so it fails this and
// every later write until the database is reopened.
func (db *DB) syncLog() error {
	if db.wal == nil {
		return nil // synchronous=FULL: SQLite synced at commit
	}
	if err := db.broken.Load(); err != nil {
		return *err
	}
	if err := db.wal.sync(); err != nil {
		err = fmt.Errorf("sqlite: sync of the write-ahead log failed; restart the server: %w", err)
		db.broken.Store(&err)
		return err
	}
	return nil
}

// WriterStats describes the single writer's work since the database was
// opened: how many groups it committed, how many transactions they held,
// and how long it spent running the transactions' statements and
// committing (writing the log and syncing it).
type WriterStats struct {
	Groups       int64         `json:"groups"`
	Transactions int64         `json:"transactions"`
	Run          time.Duration `json:"run_ns"`
	Commit       time.Duration `json:"commit_ns"`
	// BulkHeld counts the bulk batches that waited for interactive work.
	BulkHeld int64 `json:"bulk_held"`
}

// WriterStats returns the writer's statistics.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{Groups: db.stats.groups.Load(), Transactions: db.stats.txs.Load(),
		Run: time.Duration(db.stats.run.Load()), Commit: time.Duration(db.stats.commit.Load()), BulkHeld: db.stats.held.Load()}
}

type writerStats struct {
	groups, txs, run, commit, held atomic.Int64
}

// runGroup runs the requests in one transaction. It returns each
// request's own error, or an error for the whole group.
func (db *DB) runGroup(group []*request) ([]error, error) {
	start := time.Now()
	// A bulk batch runs with SQLite's foreign key checks off: InsertBulk
	// checks its references itself, once per referenced row instead of
	// once per inserted one (a task's unit, its lead; a lead's person; a
	// source's lead): ≈ 6 % of a million-row import. The pragma cannot
	// change inside a transaction, so it is set around this one.
	noFK := false
	if len(group) == 1 && group[0].alone {
		if _, err := db.writer.Exec("PRAGMA foreign_keys=OFF"); err == nil {
			noFK = true
			defer db.writer.Exec("PRAGMA foreign_keys=ON")
		}
	}
	stx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer stx.Rollback() // no-op after Commit
	errs := make([]error, len(group))
	single := len(group) == 1
	bulk := false
	// The savepoint statements, prepared once per connection (go-sqlite3
	// parses an argument-less Exec anew every time).
	var savepoint, rollbackTo, release *sql.Stmt
	if !single {
		for _, p := range []struct {
			st **sql.Stmt
			q  string
		}{{&savepoint, "SAVEPOINT g"}, {&rollbackTo, "ROLLBACK TO g"}, {&release, "RELEASE g"}} {
			if *p.st, err = stx.Prepare(p.q); err != nil {
				return nil, errGroupBroken
			}
			defer (*p.st).Close()
		}
	}
	for i, r := range group {
		// Statements run without the caller's cancellation: interrupting
		// a statement would roll back the whole shared transaction.
		tx := bound(&Tx{tx: stx, ctx: context.WithoutCancel(r.ctx), cipher: db.cipher, images: newRowImages(), bulkInserted: &bulk,
			noForeignKeys: noFK, trace: db.tracer()})
		if single {
			if err := r.fn(tx); err != nil {
				if isBusy(err) {
					return nil, err
				}
				return []error{err}, nil
			}
			continue
		}
		if _, err := savepoint.Exec(); err != nil {
			return nil, errGroupBroken
		}
		if errs[i] = r.fn(tx); errs[i] != nil {
			if isBusy(errs[i]) {
				return nil, errGroupBroken
			}
			if _, err := rollbackTo.Exec(); err != nil {
				return nil, errGroupBroken
			}
		}
		if _, err := release.Exec(); err != nil {
			return nil, errGroupBroken
		}
	}
	if single && errs[0] != nil {
		return errs, nil
	}
	ran := time.Now()
	defer func() {
		db.stats.groups.Add(1)
		db.stats.txs.Add(int64(len(group)))
		db.stats.run.Add(int64(ran.Sub(start)))
		db.stats.commit.Add(int64(time.Since(ran)))
	}()
	if err := stx.Commit(); err != nil {
		if isBusy(err) {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: commit: %w", err)
	}
	db.sizeLog(bulk)
	return errs, nil
}

// sizeLog switches the log between its interactive and its bulk size
// after a commit that did (or, for bulkQuiet, did not) insert in bulk.
// A failed switch leaves the size as it was: it costs speed, not data.
func (db *DB) sizeLog(bulk bool) {
	now := time.Now()
	if bulk {
		db.lastBulk = now
	}
	pages := 0
	switch {
	case bulk && !db.bulkLog:
		pages = walPagesBulk
	case !bulk && db.bulkLog && now.Sub(db.lastBulk) > bulkQuiet:
		pages = walPages
	default:
		return
	}
	if _, err := db.writer.Exec("PRAGMA wal_autocheckpoint=" + strconv.Itoa(pages)); err == nil {
		db.bulkLog = pages == walPagesBulk
	}
}
