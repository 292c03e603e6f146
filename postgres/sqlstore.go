package postgres

import (
	"errors"
	"reflect"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// conn is the PostgreSQL transaction as the shared store code sees it:
// the ? placeholders are numbered, the domain's string types passed as
// strings, times stored in UTC at millisecond precision, and pgx's
// ErrNoRows reported as sqlstore.ErrNoRows.
type conn struct{ tx *Tx }

var _ sqlstore.Conn = conn{}

// bound returns tx with the shared store code over it.
func bound(tx *Tx) *Tx {
	tx.Store = sqlstore.Of(conn{tx})
	return tx
}

func (c conn) Exec(q string, args ...any) (int64, error) {
	tag, err := c.tx.exec(rebind(q), storedArgs(args)...)
	return tag.RowsAffected(), err
}

func (c conn) Query(q string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.tx.query(rebind(q), storedArgs(args)...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (c conn) QueryRow(q string, args ...any) sqlstore.Row {
	return pgRow{c.tx.queryRow(rebind(q), storedArgs(args)...)}
}

func (c conn) Count(from, where string, args ...any) (int, error) {
	return c.tx.countRows(false, from, rebind(where), storedArgs(args)...)
}

func (c conn) Constraint(err error, conflict, missing string) error {
	return constraintError(err, conflict, missing)
}

func (c conn) Cipher() epiloop.Cipher { return c.tx.db.cipher }

// storedArgs passes the domain's string types as strings and stores the
// times in UTC at millisecond precision.
func storedArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case nil, string, bool, int, int64, []byte, epiloop.SealedText:
		case time.Time:
			args[i] = ts(v)
		case *time.Time:
			args[i] = tsPtr(v)
		default:
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
				args[i] = rv.String()
			}
		}
	}
	return args
}

// scan scans a row into dest, reading times through pgtype.Timestamptz
// into *time.Time (NULL is the zero time) and **time.Time (NULL is nil).
func scan(s scanner, dest []any) error {
	var fix []func()
	for i, d := range dest {
		switch p := d.(type) {
		case *time.Time:
			var t pgtype.Timestamptz
			dest[i] = &t
			fix = append(fix, func() { *p = timeOf(t) })
		case **time.Time:
			var t pgtype.Timestamptz
			dest[i] = &t
			fix = append(fix, func() { *p = timePtrOf(t) })
		}
	}
	if err := s.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ErrNoRows
		}
		return err
	}
	for _, f := range fix {
		f()
	}
	return nil
}

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error { return scan(r.row, dest) }

type pgRows struct{ rows pgx.Rows }

func (r pgRows) Next() bool             { return r.rows.Next() }
func (r pgRows) Scan(dest ...any) error { return scan(r.rows, dest) }
func (r pgRows) Err() error             { return r.rows.Err() }
func (r pgRows) Close()                 { r.rows.Close() }

func (c conn) ForUpdate(lock bool, alias string) string { return lockOf(lock, alias) }
