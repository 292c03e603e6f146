package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit. Every write transaction ends under the log lock (log.go),
// and PostgreSQL syncs the commit before it releases the lock, so commits
// one at a time top out at one per fsync. Instead, Update queues its
// transaction; a committer takes every transaction waiting at that moment
// and runs them in one PostgreSQL transaction, each in its own savepoint,
// then writes their events, audit entries and counters and commits once:
// one log lock and one fsync for the group.
//
//   - A request's error rolls back its savepoint only (in PostgreSQL a
//     failed statement aborts the transaction until ROLLBACK TO SAVEPOINT,
//     which is what undoes it). A deadlock or a serialization failure rolls
//     it back too, and fn runs again alone once the group committed and
//     released its locks.
//   - Results are given when the group's commit is durable, errors
//     included: a request in a group reads the writes of those before it
//     (they commit together or not at all), so its error is final only if
//     they commit. If the group's transaction breaks, nothing of it
//     committed, and every request runs again alone.
//   - Several committers, each on its own connection, run groups at once:
//     the work of one group overlaps the commit of another, and a group
//     waiting for a lead another group locked does not stop the others.
//   - The events and audit entries of the group are written at its commit
//     in the order of its requests, under the log lock: IDs stay in commit
//     order and the audit chain has no forks. A request that reads them
//     back (or locks the logs) first writes the group's so far, so it reads
//     what it would have read had the requests before it committed.
//   - A request alone in its group runs as before, without a savepoint:
//     at low load group commit costs nothing.
//   - Callers wait for the definite outcome even when their context ends:
//     statements run without the caller's cancellation, since interrupting
//     one would roll back the whole group.
const (
	// committers is how many groups run at once. Fewer committers make
	// larger groups (fewer fsyncs); two already overlap one group's work
	// with the other's commit. Measured on two cores, four did no better
	// on whole workflows and worse on bare commits.
	committers = 2
	// maxGroup caps the transactions that share one commit. Each runs in a
	// subtransaction, and PostgreSQL keeps at most 64 subtransaction IDs of
	// a transaction in shared memory (PGPROC_MAX_CACHED_SUBXIDS); past
	// that, every other session's snapshots take the slow path through
	// pg_subtrans.
	maxGroup = 64
	// maxQueue caps the transactions waiting; beyond it Update answers
	// EUNAVAILABLE at once (back-pressure instead of time-outs).
	maxQueue = 4096
)

// request is one Update waiting for, or running in, a group.
type request struct {
	ctx  context.Context
	fn   func(tx epiloop.Tx) error
	done chan result
}

// result is a request's outcome.
type result struct {
	err error
	// alone asks the caller to run fn again in a transaction of its own:
	// it deadlocked, or its group broke.
	alone bool
	// panicked is the value fn panicked with, panicked again in the caller.
	panicked any
}

// kept reports whether the request succeeded: its writes commit with
// the group.
func (r result) kept() bool { return r.err == nil && !r.alone && r.panicked == nil }

var (
	errClosed = errors.New("postgres: database closed")
	// errGroupBroken means the group's transaction rolled back as a whole.
	errGroupBroken = errors.New("postgres: group transaction broken")
)

// Update runs fn in a READ COMMITTED write transaction that commits
// durably before Update returns. If fn returns an error, its writes are
// rolled back and the error returned as is. Transactions arriving together
// share one commit. fn may run more than once (a deadlock, a serialization
// failure, a broken group), so it must have no effects outside the
// transaction; it must not call Update, nor wait for another Update.
func (db *DB) Update(ctx context.Context, fn func(tx epiloop.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-db.stop:
		return errClosed
	default:
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan result, 1)}
	select {
	case db.queue <- r:
	default:
		return epiloop.Errorf(epiloop.EUNAVAILABLE, "err.server_busy_try_again_in")
	}
	var res result
	select {
	case res = <-r.done:
	case <-db.stopped:
		select {
		case res = <-r.done:
		default:
			return errClosed // queued after the committers drained the queue
		}
	}
	switch {
	case res.panicked != nil:
		panic(res.panicked)
	case res.alone:
		return db.updateAlone(ctx, fn)
	}
	return res.err
}

// startCommitters starts the committers; each writes its groups' counters
// into a shard of its own, so that groups do not wait for each other's.
func (db *DB) startCommitters() {
	db.queue = make(chan *request, maxQueue)
	db.stop, db.stopped = make(chan struct{}), make(chan struct{})
	first := rand.IntN(counterShards)
	for i := range committers {
		db.committing.Add(1)
		go db.commitLoop(int16((first + i) % counterShards))
	}
}

// commitLoop is one committer. After Close it commits what is queued,
// then stops.
func (db *DB) commitLoop(shard int16) {
	defer db.committing.Done()
	group := make([]*request, 0, maxGroup)
	for {
		var first *request
		select {
		case first = <-db.queue:
		case <-db.stop:
			select {
			case first = <-db.queue:
			default:
				return
			}
		}
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroup {
			select {
			case r := <-db.queue:
				group = append(group, r)
			default:
				break drain
			}
		}
		db.commitGroup(group, shard)
		clear(group)
	}
}

// commitGroup runs a group and answers each of its requests.
func (db *DB) commitGroup(group []*request, shard int16) {
	live := make([]*request, 0, len(group))
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- result{err: err} // gone before it ran: nothing written
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- db.commitOne(live[0])
		return
	}
	results, err := db.runGroup(live, shard)
	for i, r := range live {
		res := results[i]
		switch {
		case err == nil, res.panicked != nil, res.alone:
		case errors.Is(err, errGroupBroken):
			res = result{alone: true}
		default:
			res = result{err: err} // the commit's outcome is unknown
		}
		r.done <- res
	}
}

// commitOne runs a group of one in a transaction without savepoints.
func (db *DB) commitOne(r *request) (res result) {
	defer func() {
		if v := recover(); v != nil {
			res = result{panicked: v}
		}
	}()
	err := db.update(context.WithoutCancel(r.ctx), db.writers, r.fn)
	if retryable(err) {
		return result{alone: true}
	}
	return result{err: err}
}

// runGroup runs the requests in one transaction, each in savepoint g, and
// commits. It returns each request's result, and errGroupBroken when the
// transaction rolled back as a whole or another error when the commit's
// outcome is unknown.
func (db *DB) runGroup(group []*request, shard int16) ([]result, error) {
	results := make([]result, len(group))
	ctx := context.Background()
	ptx, err := db.writers.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return results, errGroupBroken
	}
	defer ptx.Rollback(ctx) // no-op after Commit
	if _, err := ptx.Exec(ctx, "SAVEPOINT g"); err != nil {
		return results, errGroupBroken
	}
	// g keeps what the requests that succeeded keep for the commit.
	g := bound(&Tx{tx: ptx, ctx: ctx, db: db, write: true, shard: shard})
	kept := 0
	for i, r := range group {
		var ok bool
		if results[i], ok = g.run(r, i == len(group)-1); !ok {
			return results, errGroupBroken
		}
		if results[i].kept() {
			kept++
		}
	}
	if kept == 0 {
		return results, nil // rolled back: nothing to commit, no fsync
	}
	if err := g.flush(); err != nil {
		return results, errGroupBroken
	}
	if err := ptx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) || errors.Is(err, pgx.ErrTxCommitRollback) {
			return results, errGroupBroken // the server rolled it back
		}
		return results, fmt.Errorf("postgres: commit: %w", err)
	}
	return results, nil
}

// run runs one request of group g in savepoint g, set before, and leaves
// savepoint g set again for the next one unless it is the last. It reports
// false when the group's transaction is no longer usable.
func (g *Tx) run(r *request, last bool) (result, bool) {
	tx := g.member(r.ctx)
	err, panicked := call(r.fn, tx)
	if err == nil && panicked == nil && !last {
		// The request's kept writes travel with the savepoint's release,
		// so that a write that fails is the request's own error.
		b := &pgx.Batch{}
		reads := tx.queueWrites(b)
		if len(reads) > 0 {
			b.Queue("RELEASE SAVEPOINT g")
			b.Queue("SAVEPOINT g")
			if err = tx.sendBatch(b, reads); err == nil {
				g.keep(tx)
				return result{}, true
			}
		}
	}
	if err == nil && panicked == nil {
		if !last {
			if _, err := g.exec("RELEASE SAVEPOINT g; SAVEPOINT g"); err != nil {
				// fn returned nil from an aborted transaction (it ignored
				// a failed statement): alone, it gets its own answer.
				_, err := g.exec("ROLLBACK TO SAVEPOINT g")
				return result{alone: true}, err == nil
			}
		}
		g.keep(tx)
		return result{}, true
	}
	if _, rerr := g.exec("ROLLBACK TO SAVEPOINT g"); rerr != nil {
		return result{panicked: panicked}, false
	}
	switch {
	case panicked != nil:
		return result{panicked: panicked}, true
	case retryable(err):
		return result{alone: true}, true
	}
	return result{err: err}, true
}

// member returns the Tx a request of group g runs in: it starts with the
// group's pending logs and counters, so that the request reads them back
// (and writes them, if it flushes) as if the requests before it had
// committed. Copies: a request that fails leaves the group's unchanged.
func (g *Tx) member(ctx context.Context) *Tx {
	return bound(&Tx{tx: g.tx, ctx: context.WithoutCancel(ctx), db: g.db, write: true, shard: g.shard,
		counters: maps.Clone(g.counters), statCounters: maps.Clone(g.statCounters),
		events: slices.Clip(g.events), audit: slices.Clip(g.audit), logLocked: g.logLocked, head: g.head})
}

// keep makes what a request that succeeded keeps for the commit the
// group's.
func (g *Tx) keep(tx *Tx) {
	g.counters, g.statCounters = tx.counters, tx.statCounters
	g.events, g.audit, g.logLocked, g.head = tx.events, tx.audit, tx.logLocked, tx.head
	// The last request's kept writes go with the group's flush.
	g.writes = tx.writes
}

// call runs fn, turning a panic into a value to panic with again in the
// caller's goroutine.
func call(fn func(tx epiloop.Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if v := recover(); v != nil {
			panicked = v
		}
	}()
	return fn(tx), nil
}
