package sqlstore

import (
	"time"

	"github.com/epiloop/epiloop"
)

// The duty inbox (epiloop/handover.go): what reached the person on duty.

// CreateDutyItem adds an entry to a person's duty inbox.
func (s Store) CreateDutyItem(it *epiloop.DutyItem) error {
	var err error
	it.ID, err = s.insert(`INSERT INTO duty_items (user_id, kind, node_code, post_id, lead_id, task_id, handover_id,
		level, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.UserID, it.Kind, it.NodeCode, it.PostID, it.LeadID, it.TaskID, it.HandoverID, it.Level, it.Ref, it.CreatedAt)
	return wrap(s.c.Constraint(err, "", "err.duty_person_not_found"), "create duty item")
}

// FindDutyItems returns a person's inbox, newest first.
func (s Store) FindDutyItems(userID int64, open bool, limit int) ([]epiloop.DutyItem, error) {
	q := `SELECT id, user_id, kind, node_code, post_id, lead_id, task_id, handover_id, level, ref, created_at, done_at
		FROM duty_items WHERE user_id = ?`
	if open {
		q += ` AND done_at IS NULL`
	}
	rows, err := s.c.Query(q+` ORDER BY id DESC LIMIT ?`, userID, epiloop.PageLimit(limit))
	out, err := collect(rows, err, func(r Rows) (epiloop.DutyItem, error) {
		var it epiloop.DutyItem
		err := r.Scan(&it.ID, &it.UserID, &it.Kind, &it.NodeCode, &it.PostID, &it.LeadID, &it.TaskID,
			&it.HandoverID, &it.Level, &it.Ref, &it.CreatedAt, &it.DoneAt)
		return it, err
	})
	return out, wrap(err, "find duty items")
}

// MarkDutyItemDone closes an item of the user.
func (s Store) MarkDutyItemDone(id, userID int64, at time.Time) error {
	return wrap(s.execOne("err.duty_item_not_found", `UPDATE duty_items SET done_at = ?
		WHERE id = ? AND user_id = ? AND done_at IS NULL`, at, id, userID), "mark duty item done")
}
