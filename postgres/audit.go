package postgres

import (
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// AuditSigner is the key the trail is chained with: the data key's.
func (tx *Tx) AuditSigner() epiloop.AuditSigner { return tx.db.cipher }

// FindAudit returns one page of entries in id order (newest first with
// Desc) and the total.
func (tx *Tx) FindAudit(f epiloop.AuditFilter) ([]*epiloop.AuditEntry, int, error) {
	if err := tx.flush(); err != nil {
		return nil, 0, err
	}
	var a args
	w, order := epiloop.AuditSQL(f, a.add, func(t time.Time) string { return a.add(t) })
	total, err := tx.countRows(f.NoCount, "audit", w, a...)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	rows, err := tx.query(`SELECT id, time, actor_id, actor, role, action, object, purpose, detail, prev_hash, hash
		FROM audit WHERE `+w+` ORDER BY `+order+` LIMIT `+a.add(limit)+` OFFSET `+a.add(max(f.Offset, 0)), a...)
	if err != nil {
		return nil, 0, wrap(err, "find audit")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (*epiloop.AuditEntry, error) {
		var (
			e  epiloop.AuditEntry
			at pgtype.Timestamptz
		)
		if err := r.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Role, &e.Action, &e.Object, tx.opened(&e.Purpose), &e.Detail,
			&e.Prev, &e.Hash); err != nil {
			return nil, err
		}
		e.Time = timeOf(at)
		return &e, nil
	})
	if total < 0 {
		total = len(out)
	}
	return out, total, wrap(err, "find audit")
}
