package sqlite

import (
	"database/sql"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/sqlstore"
)

// conn is the SQLite transaction as the shared store code sees it: times
// are stored as unix milliseconds (NULL for the zero time).
type conn struct{ tx *Tx }

var _ sqlstore.Conn = conn{}

// bound returns tx with the shared store code over it.
func bound(tx *Tx) *Tx {
	tx.Store = sqlstore.Of(conn{tx})
	return tx
}

func (c conn) Exec(q string, args ...any) (int64, error) {
	res, err := c.tx.exec(q, storedArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(q string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.tx.query(q, storedArgs(args)...)
	if err != nil {
		return nil, err
	}
	return sqliteRows{rows}, nil
}

func (c conn) QueryRow(q string, args ...any) sqlstore.Row {
	return sqliteRow{c.tx.queryRow(q, storedArgs(args)...)}
}

func (c conn) Count(from, where string, args ...any) (int, error) {
	return c.tx.countRows(false, from, where, storedArgs(args)...)
}

func (c conn) Constraint(err error, conflict, missing string) error {
	return constraintError(err, conflict, missing)
}

func (c conn) Cipher() epiloop.Cipher { return c.tx.cipher }

// storedArgs stores the times among args as milliseconds.
func storedArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = millis(v)
		case *time.Time:
			args[i] = millisPtr(v)
		}
	}
	return args
}

// scanDest reads times stored as milliseconds into *time.Time (NULL is
// the zero time) and **time.Time (NULL is nil).
func scanDest(dest []any) []any {
	for i, d := range dest {
		switch p := d.(type) {
		case *time.Time:
			dest[i] = timeScan{p, nil}
		case **time.Time:
			dest[i] = timeScan{nil, p}
		}
	}
	return dest
}

// timeScan is a stored time's destination.
type timeScan struct {
	t  *time.Time
	pt **time.Time
}

func (s timeScan) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	if s.t != nil {
		*s.t = timeOf(n)
	} else {
		*s.pt = timePtrOf(n)
	}
	return nil
}

type sqliteRow struct{ row *sql.Row }

func (r sqliteRow) Scan(dest ...any) error { return r.row.Scan(scanDest(dest)...) }

type sqliteRows struct{ rows *sql.Rows }

func (r sqliteRows) Next() bool             { return r.rows.Next() }
func (r sqliteRows) Scan(dest ...any) error { return r.rows.Scan(scanDest(dest)...) }
func (r sqliteRows) Err() error             { return r.rows.Err() }
func (r sqliteRows) Close()                 { r.rows.Close() }

func (c conn) ForUpdate(bool, string) string { return "" }

// PersonReferences lists the columns that refer to a person, from the
// schema (epiloop.MergeTx).
func (tx *Tx) PersonReferences() ([]epiloop.PersonLink, error) {
	return tx.Store.PersonReferences(`SELECT m.name, c.name,
			EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name) f WHERE f."from" = c.name AND f."table" = 'persons')
		FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`)
}

// TombstonePerson takes a merged person out of every lookup — its blind
// indexes cleared, its ID number's key out of person_ids — keeping its
// sealed identity for the merge's history, and points it at the survivor
// (epiloop.MergeTx).
func (tx *Tx) TombstonePerson(p *epiloop.Person, into int64) error {
	if key := tx.index("id", p.IDNumber); p.IDNumber != "" {
		for _, t := range []string{"person_ids", "person_ids_new"} {
			if _, err := tx.exec(`DELETE FROM `+t+` WHERE id_key = ?`, key); err != nil {
				return wrap(err, "tombstone person")
			}
		}
	}
	return wrap(tx.execOne("err.person_not_found", `UPDATE persons SET id_key = NULL, phone_key = NULL, name_key = NULL,
		merged_into = ? WHERE id = ?`, into, p.ID), "tombstone person")
}
