package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Tx implements epiloop.Tx over one PostgreSQL transaction. Its methods run
// in the context given to Update or View.
//
// Counter deltas, events and audit entries are kept in the Tx and written
// when it commits (or earlier, when the transaction reads them back): the
// counters summed and sorted in one statement, the logs under their lock
// (see log.go). An event's or audit entry's ID is therefore set by the time
// Update returns, not when CreateEvent or AppendAudit returns.
type Tx struct {
	// Store is the store code the engines share (package sqlstore).
	sqlstore.Store
	tx    pgx.Tx
	ctx   context.Context
	db    *DB
	write bool
	// shard is the counter shard this transaction writes.
	shard int16

	counters     pending
	statCounters pending
	events       []*epiloop.Event
	audit        []*epiloop.AuditEntry
	logLocked    bool
	// writes are updates kept to travel with the transaction's next
	// round trip (see deferWrite).
	writes []write
	// head is the audit chain's last link this transaction appended, to
	// become the store's known head when it commits (see DB.head).
	head *auditHead
}

// write is an update kept for the next round trip, and what checks its
// outcome.
type write struct {
	sql   string
	args  []any
	check func(pgconn.CommandTag, error) error
}

// deferWrite keeps an update whose result the workflow does not read back
// (an UPDATE of a row it loaded and locked) to be sent with the
// transaction's next round trip — the next statement, the flush before
// the commit, or a group member's savepoint release — instead of one of
// its own. check turns its outcome into the error the method would have
// returned. Any statement the transaction runs sends the writes kept
// before it first, so the transaction reads what it wrote.
func (tx *Tx) deferWrite(check func(pgconn.CommandTag, error) error, sql string, args ...any) {
	tx.writes = append(tx.writes, write{sql, args, check})
}

// queueWrites moves the kept writes into b and returns the reads that
// check them, in order.
func (tx *Tx) queueWrites(b *pgx.Batch) []func(pgx.BatchResults) error {
	reads := make([]func(pgx.BatchResults) error, 0, len(tx.writes))
	for _, w := range tx.writes {
		b.Queue(w.sql, w.args...)
		reads = append(reads, func(br pgx.BatchResults) error { return w.check(br.Exec()) })
	}
	tx.writes = nil
	return reads
}

// sendWrites sends the kept writes now, in one round trip.
func (tx *Tx) sendWrites() error {
	if len(tx.writes) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	return tx.sendBatch(b, tx.queueWrites(b))
}

// sendBatch sends b (the kept writes are the caller's to have queued) and
// runs reads over its results in order; the first error wins.
func (tx *Tx) sendBatch(b *pgx.Batch, reads []func(pgx.BatchResults) error) error {
	br := tx.tx.SendBatch(tx.ctx, b)
	var err error
	for _, read := range reads {
		if err = read(br); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = wrap(cerr, "batch")
	}
	return err
}

var _ epiloop.Tx = (*Tx)(nil)

func (tx *Tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	if err := tx.sendWrites(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return tx.tx.Exec(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (pgx.Rows, error) {
	if err := tx.sendWrites(); err != nil {
		return nil, err
	}
	return tx.tx.Query(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) pgx.Row {
	if err := tx.sendWrites(); err != nil {
		return errRow{err}
	}
	return tx.tx.QueryRow(tx.ctx, query, args...)
}

// errRow is a row whose read failed before it was sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// countRows counts the rows of from (a table and its alias) that where
// selects, or returns -1 when noCount: a scan page by page needs no total.
func (tx *Tx) countRows(noCount bool, from, where string, args ...any) (int, error) {
	total := -1
	if noCount {
		return total, nil
	}
	err := tx.queryRow(`SELECT COUNT(*) FROM `+from+` WHERE `+where, args...).Scan(&total)
	return total, wrap(err, "count "+from)
}

// execOne runs a statement that must change one row; when it changes none
// it returns ENOTFOUND with msg.
func (tx *Tx) execOne(msg string, query string, args ...any) error {
	return oneRow(msg)(tx.exec(query, args...))
}

// oneRow returns the check of a statement that must change one row: when
// it changes none, ENOTFOUND with msg.
func oneRow(msg string) func(pgconn.CommandTag, error) error {
	return func(tag pgconn.CommandTag, err error) error {
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound(msg)
		}
		return nil
	}
}

// scanner is a pgx.Row or pgx.Rows.
type scanner = sqlstore.Row

// wrap gives an internal error the operation's name; caller-safe errors
// (*epiloop.Error) pass unchanged.
func wrap(err error, op string) error {
	var e *epiloop.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

func notFound(msg string) error {
	return &epiloop.Error{Code: epiloop.ENOTFOUND, Key: msg}
}

// constraintError maps a violated constraint to the caller-safe error the
// contract promises, by SQLSTATE: a uniqueness violation (23505) is
// ECONFLICT with conflict; a foreign key naming a missing row (23503) is
// ENOTFOUND with missing. Any other error is returned as is. The messages
// are the caller's constants: PostgreSQL's own detail may quote the values
// (personal data) and is never passed on.
func constraintError(err error, conflict, missing string) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case codeUniqueViolation:
		return &epiloop.Error{Code: epiloop.ECONFLICT, Key: conflict}
	case codeForeignKeyViolation:
		return &epiloop.Error{Code: epiloop.ENOTFOUND, Key: missing}
	}
	return err
}

// noRows maps pgx.ErrNoRows to ENOTFOUND with msg.
func noRows(err error, msg string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(msg)
	}
	return err
}

// ts stores a time in UTC at millisecond precision, the zero time as NULL.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return msUTC(t)
}

// msUTC truncates a time to the millisecond, in UTC.
func msUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// tsPtr stores an optional time.
func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timeOf reads a stored time back, in UTC; NULL is the zero time.
func timeOf(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// timePtrOf reads an optional stored time back.
func timePtrOf(t pgtype.Timestamptz) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// sealed is s as a query argument stored sealed (epiloop.SealedColumns).
func (tx *Tx) sealed(s string) epiloop.SealedText { return epiloop.Sealed(tx.db.cipher, s) }

// opened is a scan destination that opens a sealed column into dst.
func (tx *Tx) opened(dst *string) *epiloop.OpenedText { return epiloop.Opened(tx.db.cipher, dst) }

// sealedJSON is v's JSON text as an argument stored sealed.
func (tx *Tx) sealedJSON(v any) (epiloop.SealedText, error) {
	return epiloop.SealedJSON(tx.db.cipher, v)
}

// openedJSON is a scan destination for a sealed JSON column.
func (tx *Tx) openedJSON(c *epiloop.JSONColumn) *epiloop.OpenedText { return c.Opened(tx.db.cipher) }

// sealedFeedback stores an optional feedback sealed; nil is NULL.
func (tx *Tx) sealedFeedback(f *epiloop.Feedback) (any, error) {
	if f == nil {
		return nil, nil
	}
	return tx.sealedJSON(f)
}

// feedbackOf decodes an optional stored feedback, with its time in UTC.
func feedbackOf(c epiloop.JSONColumn) (*epiloop.Feedback, error) {
	var f epiloop.Feedback
	if ok, err := c.Decode(&f); !ok || err != nil {
		return nil, err
	}
	if !f.SubmittedAt.IsZero() {
		f.SubmittedAt = f.SubmittedAt.UTC()
	}
	return &f, nil
}

// nilBytes stores an empty value as NULL.
func nilBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// args collects the parameters of a query built piece by piece and names
// each one's placeholder.
type args []any

// add appends v and returns its placeholder ($1, $2, …).
func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// collect scans and closes rows; no rows is a nil slice, as the SQLite
// engine returns.
func collect[T any](rows pgx.Rows, fn pgx.RowToFunc[T]) ([]T, error) {
	return pgx.AppendRows([]T(nil), rows, fn)
}
