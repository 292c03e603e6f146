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

// PersonReferences lists the columns that refer to a person, from the
// schema (epiloop.MergeTx).
func (tx *Tx) PersonReferences() ([]epiloop.PersonLink, error) {
	return tx.Store.PersonReferences(`SELECT c.table_name, c.column_name,
			EXISTS (SELECT 1 FROM information_schema.key_column_usage k
				JOIN information_schema.referential_constraints r ON r.constraint_name = k.constraint_name
					AND r.constraint_schema = k.constraint_schema
				JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name
					AND u.constraint_schema = r.unique_constraint_schema
				WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name
					AND k.column_name = c.column_name AND u.table_name = 'persons')
		FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`)
}

// TombstonePerson takes a merged person out of every lookup — its blind
// indexes cleared — keeping its sealed identity for the merge's history,
// and points it at the survivor (epiloop.MergeTx).
func (tx *Tx) TombstonePerson(p *epiloop.Person, into int64) error {
	return wrap(tx.execOne("err.person_not_found", `UPDATE persons SET id_key = NULL, phone_key = NULL, name_key = NULL,
		merged_into = $1 WHERE id = $2`, into, p.ID), "tombstone person")
}
