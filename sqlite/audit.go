package sqlite

import (
	"database/sql"
	"time"

	"github.com/epiloop/epiloop"
)

// AppendAudit links e to the last entry and inserts it. The write
// transaction (BEGIN IMMEDIATE, one writer) serialises appenders, so the
// chain cannot fork.
func (tx *Tx) AppendAudit(e *epiloop.AuditEntry) error {
	var (
		last int64
		prev []byte
	)
	err := tx.queryRow(`SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && err != sql.ErrNoRows {
		return wrap(err, "append audit")
	}
	e.ID = last + 1
	e.Time = e.Time.UTC().Truncate(1e6)
	e.Seal(prev, tx.cipher)
	_, err = tx.exec(`INSERT INTO audit (id, time, actor_id, actor, role, action, object, purpose, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, millis(e.Time), e.ActorID, e.Actor, string(e.Role), e.Action, e.Object, tx.sealed(e.Purpose), e.Detail, e.Prev, e.Hash)
	return wrap(err, "append audit")
}

// AuditSigner is the key the trail is chained with: the data key's.
func (tx *Tx) AuditSigner() epiloop.AuditSigner { return tx.cipher }

// FindAudit returns one page of entries in id order (newest first with
// Desc) and the total.
func (tx *Tx) FindAudit(f epiloop.AuditFilter) ([]*epiloop.AuditEntry, int, error) {
	var args []any
	bind := binder(&args)
	w, order := epiloop.AuditSQL(f, bind, func(t time.Time) string { return bind(millis(t)) })
	total, err := tx.countRows(f.NoCount, "audit", w, args...)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	rows, err := tx.query(`SELECT id, time, actor_id, actor, role, action, object, purpose, detail, prev_hash, hash
		FROM audit WHERE `+w+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find audit")
	}
	defer rows.Close()
	var out []*epiloop.AuditEntry
	for rows.Next() {
		var (
			e  epiloop.AuditEntry
			at sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Role, &e.Action, &e.Object, tx.opened(&e.Purpose), &e.Detail, &e.Prev, &e.Hash); err != nil {
			return nil, 0, wrap(err, "find audit")
		}
		e.Time = timeOf(at)
		out = append(out, &e)
	}
	if total < 0 {
		total = len(out)
	}
	return out, total, wrap(rows.Err(), "find audit")
}
