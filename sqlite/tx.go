package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/sqlstore"
	"github.com/mattn/go-sqlite3"
)

// Tx implements epiloop.Tx over one SQLite transaction. Its methods run in
// the context given to Update or View.
type Tx struct {
	// Store is the store code the engines share (package sqlstore).
	sqlstore.Store
	tx     *sql.Tx
	ctx    context.Context
	cipher epiloop.Cipher
	// reserved holds the next free id of each table whose ids this
	// transaction reserved (bulk import).
	reserved map[string]int64
	// indexes remembers blind indexes computed in this transaction.
	indexes map[string][]byte
	// images is set in a write transaction: see rowImages.
	images *rowImages
	// bulkInserted is set in a write transaction; InsertBulk marks it.
	bulkInserted *bool
	// noForeignKeys is set when SQLite's foreign key checks are off for
	// this transaction (a bulk batch): InsertBulk checks its references.
	noForeignKeys bool
	// trace, when set, sees every statement (DB.Trace).
	trace func(query string, args []any)
}

// rowImages remembers, in a write transaction, the column values of the
// leads and tasks it loaded, so that an update writes only the columns
// that changed. SQLite deletes and re-inserts the entry of every index on
// a column named in SET, changed or not: a task accepted or a lead
// touched would otherwise rewrite all seven lead indexes and all four
// task indexes — CPU, and pages the commit must write.
type rowImages struct {
	leads, tasks map[int64][]any
}

func newRowImages() *rowImages {
	return &rowImages{leads: map[int64][]any{}, tasks: map[int64][]any{}}
}

// updateRow updates row id of table (leads or tasks) to vals, the values
// of cols: only the columns whose value differs from the image this
// transaction remembers (all of them when it has none), and then
// remembers vals. When nothing changed it writes nothing; when the row is
// missing it returns ENOTFOUND with msg.
func (tx *Tx) updateRow(msg, table string, cols []string, id int64, vals []any) error {
	var (
		images map[int64][]any
		old    []any
	)
	if tx.images != nil {
		images = tx.images.leads
		if table == "tasks" {
			images = tx.images.tasks
		}
		old = images[id]
	}
	var (
		b    strings.Builder
		args = make([]any, 0, len(vals)+1)
	)
	b.WriteString("UPDATE " + table + " SET ")
	for i, v := range vals {
		if old != nil && old[i] == v {
			continue
		}
		if len(args) > 0 {
			b.WriteString(", ")
		}
		b.WriteString(cols[i] + " = ?")
		args = append(args, v)
	}
	if len(args) > 0 {
		b.WriteString(" WHERE id = ?")
		if err := tx.execOne(msg, b.String(), append(args, id)...); err != nil {
			return err
		}
	}
	if images != nil {
		images[id] = vals
	}
	return nil
}

var _ epiloop.Tx = (*Tx)(nil)

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	if tx.trace != nil {
		tx.trace(query, args)
	}
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if tx.trace != nil {
		tx.trace(query, args)
	}
	return tx.tx.QueryContext(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	if tx.trace != nil {
		tx.trace(query, args)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

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
	res, err := tx.exec(query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound(msg)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner = sqlstore.Row

// wrap gives an internal error the operation's name; caller-safe errors
// (*epiloop.Error) pass unchanged.
func wrap(err error, op string) error {
	var e *epiloop.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func notFound(msg string) error {
	return &epiloop.Error{Code: epiloop.ENOTFOUND, Key: msg}
}

// constraintError maps a violated constraint to the caller-safe error the
// contract promises, by SQLite's extended result code: a uniqueness
// violation is ECONFLICT with conflict; a foreign key naming a missing row
// is ENOTFOUND with missing. Any other error is returned as is.
func constraintError(err error, conflict, missing string) error {
	var e sqlite3.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return &epiloop.Error{Code: epiloop.ECONFLICT, Key: conflict}
	case sqlite3.ErrConstraintForeignKey:
		return &epiloop.Error{Code: epiloop.ENOTFOUND, Key: missing}
	}
	return err
}

// noRows maps sql.ErrNoRows to ENOTFOUND with msg.
func noRows(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(msg)
	}
	return err
}

// millis stores a time as unix milliseconds, the zero time as NULL.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// millisPtr stores an optional time.
func millisPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return millis(*t)
}

// timeOf reads a stored time back, in UTC; NULL is the zero time.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// timePtrOf reads an optional stored time back.
func timePtrOf(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := timeOf(n)
	return &t
}

// jsonText encodes v as JSON text (TEXT, not BLOB: SQLite would take a
// BLOB for JSONB).
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// sealed is s as a query argument stored sealed (epiloop.SealedColumns).
func (tx *Tx) sealed(s string) epiloop.SealedText { return epiloop.Sealed(tx.cipher, s) }

// opened is a scan destination that opens a sealed column into dst.
func (tx *Tx) opened(dst *string) *epiloop.OpenedText { return epiloop.Opened(tx.cipher, dst) }

// sealedJSON is v's JSON text as an argument stored sealed.
func (tx *Tx) sealedJSON(v any) (epiloop.SealedText, error) { return epiloop.SealedJSON(tx.cipher, v) }

// sealedFeedback stores an optional feedback sealed; nil is NULL.
func (tx *Tx) sealedFeedback(f *epiloop.Feedback) (any, error) {
	if f == nil {
		return nil, nil
	}
	return tx.sealedJSON(f)
}

// openedJSON is a scan destination for a sealed JSON column.
func (tx *Tx) openedJSON(c *epiloop.JSONColumn) *epiloop.OpenedText { return c.Opened(tx.cipher) }

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

// binder returns a bind function for epiloop's SQL fragments: it adds a
// value to args and answers its placeholder.
func binder(args *[]any) func(any) string {
	return func(v any) string {
		*args = append(*args, v)
		return "?"
	}
}
