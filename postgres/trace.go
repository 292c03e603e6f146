package postgres

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Statement is one statement the engine sent, as a tracer sees it: its
// SQL, and the round trip it travelled in (statements of one batch share
// one).
type Statement struct {
	SQL       string
	RoundTrip int64
}

// tracer is the connections' pgx tracer: it hands every statement to the
// function Trace installed, and costs one atomic load when none is.
type tracer struct {
	fn    atomic.Pointer[func(Statement)]
	trips atomic.Int64
}

type batchTrip struct{}

func (t *tracer) emit(ctx context.Context, sql string) {
	p := t.fn.Load()
	if p == nil {
		return
	}
	trip, ok := ctx.Value(batchTrip{}).(int64)
	if !ok {
		trip = t.trips.Add(1)
	}
	(*p)(Statement{SQL: sql, RoundTrip: trip})
}

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.emit(ctx, d.SQL)
	return ctx
}

func (t *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (t *tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if t.fn.Load() == nil {
		return ctx
	}
	return context.WithValue(ctx, batchTrip{}, t.trips.Add(1))
}

func (t *tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	t.emit(ctx, d.SQL)
}

func (t *tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Trace calls fn with every statement the store's connections send from
// now on — transactions' begin and commit included — until the returned
// stop is called: the tests and the benchmark that count a workflow's
// statements and round trips. fn must be safe for concurrent use.
func (db *DB) Trace(fn func(Statement)) (stop func()) {
	db.tracer.fn.Store(&fn)
	return func() { db.tracer.fn.Store(nil) }
}
