// Package sqlstore is the store code written once for both engines: the
// SQL of the fronts whose statements SQLite and PostgreSQL spell alike
// (the detention facilities, the service desk, the case register), over
// Conn, the little of a transaction that differs between the engines.
//
// Each engine's Tx embeds a Store over its own Conn, so the methods here
// implement the engine's part of epiloop.Tx for both. The SQL is written
// with ? placeholders (PostgreSQL's Conn numbers them), times are passed
// and scanned as time.Time and *time.Time (each Conn stores them its
// own way), IDs come back from INSERT … RETURNING id, and JSON is stored
// as TEXT. What the engines spell differently stays in the engines.
package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/epiloop/epiloop"
)

// Conn is one transaction of an engine as the shared store code sees it.
type Conn interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(q string, args ...any) (int64, error)
	Query(q string, args ...any) (Rows, error)
	QueryRow(q string, args ...any) Row
	// Count counts the rows of from (a table and its alias) that where
	// selects.
	Count(from, where string, args ...any) (int, error)
	// Constraint maps a violated constraint to the caller-safe error: a
	// uniqueness violation is ECONFLICT with conflict, a foreign key
	// naming a missing row ENOTFOUND with missing; any other error is
	// returned as is.
	Constraint(err error, conflict, missing string) error
	// ForUpdate is the clause that locks the selected rows of alias until
	// the transaction ends, when lock (PostgreSQL's FOR UPDATE OF; SQLite
	// needs none: its write transactions run one at a time).
	ForUpdate(lock bool, alias string) string
	// Cipher seals the columns listed in epiloop.SealedColumns.
	Cipher() epiloop.Cipher
}

// Row is one row of a query; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Rows are the rows of a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// RowFunc is a Row of a function: what it is handed is where the row goes.
type RowFunc func(dest ...any) error

func (f RowFunc) Scan(dest ...any) error { return f(dest...) }

// ScanJoined scans a row of a's columns followed by b's: a's Scan hands
// its destinations on to b's, which scans the row into both, so that
// each keeps its own decoding.
func ScanJoined[A, B any](row Row, a func(Row) (A, error), b func(Row) (B, error)) (A, B, error) {
	var vb B
	va, err := a(RowFunc(func(da ...any) (err error) {
		vb, err = b(RowFunc(func(db ...any) error { return row.Scan(append(da, db...)...) }))
		return err
	}))
	return va, vb, err
}

// Prefixed is row with its first columns scanned into dest, ahead of the
// columns its reader asks for.
func Prefixed(row Row, dest ...any) Row {
	return RowFunc(func(d ...any) error { return row.Scan(append(dest, d...)...) })
}

// ErrNoRows is what Row.Scan returns for a query that selected no row,
// on both engines.
var ErrNoRows = sql.ErrNoRows

// Store is the shared store code over one engine transaction.
type Store struct{ c Conn }

// Of returns the shared store code over c.
func Of(c Conn) Store { return Store{c: c} }

// wrap gives an internal error the operation's name; caller-safe errors
// (*epiloop.Error) pass unchanged.
func wrap(err error, op string) error {
	var e *epiloop.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// notFound is the caller-safe error of a missing row.
func notFound(key string) error { return &epiloop.Error{Code: epiloop.ENOTFOUND, Key: key} }

// noRows maps ErrNoRows to ENOTFOUND with key.
func noRows(err error, key string) error {
	if errors.Is(err, ErrNoRows) {
		return notFound(key)
	}
	return err
}

// execOne runs a statement that must change one row; when it changes
// none it returns ENOTFOUND with key.
func (s Store) execOne(key, q string, args ...any) error {
	n, err := s.c.Exec(q, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(key)
	}
	return nil
}

// insert runs an INSERT … RETURNING id and returns the id.
func (s Store) insert(q string, args ...any) (int64, error) {
	var id int64
	err := s.c.QueryRow(q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// sealed is v as an argument stored sealed (epiloop.SealedColumns).
func (s Store) sealed(v string) epiloop.SealedText { return epiloop.Sealed(s.c.Cipher(), v) }

// sealedJSON is v as JSON stored sealed.
func (s Store) sealedJSON(v any) (epiloop.SealedText, error) {
	return epiloop.SealedJSON(s.c.Cipher(), v)
}

// opened scans a sealed column into dst.
func (s Store) opened(dst *string) *epiloop.OpenedText { return epiloop.Opened(s.c.Cipher(), dst) }

// jsonText encodes v as JSON text.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// fromJSON decodes JSON text into v; empty text leaves v as it is.
func fromJSON(text string, v any) error {
	if text == "" {
		return nil
	}
	return json.Unmarshal([]byte(text), v)
}

// collect scans every row of rows with scan.
func collect[T any](rows Rows, err error, scan func(Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
