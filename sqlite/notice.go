package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/epiloop/epiloop"
)

const noticeColumns = `id, kind, event_id, target, user_id, channel, address, key, payload, status,
	attempts, next_attempt_at, lease_until, last_error, created_at`

func scanNotice(s scanner) (*epiloop.Notice, error) {
	var (
		n                    epiloop.Notice
		event, user          sql.NullInt64
		next, lease, created sql.NullInt64
		payload              string
	)
	if err := s.Scan(&n.ID, &n.Kind, &event, &n.Target, &user, &n.Channel, &n.Address, &n.Key, &payload,
		&n.Status, &n.Attempts, &next, &lease, &n.LastError, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(payload), &n.Payload); err != nil {
		return nil, err
	}
	n.EventID, n.UserID = event.Int64, user.Int64
	n.NextAttemptAt, n.CreatedAt = timeOf(next), timeOf(created)
	if lease.Int64 > 0 {
		n.LeaseUntil = timeOf(lease)
	}
	return &n, nil
}

func collectNotices(rows *sql.Rows) ([]*epiloop.Notice, error) {
	defer rows.Close()
	var out []*epiloop.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CreateNotice adds n unless a notice with its key exists.
func (tx *Tx) CreateNotice(n *epiloop.Notice) (bool, error) {
	payload, err := jsonText(n.Payload)
	if err != nil {
		return false, wrap(err, "create notice")
	}
	if n.Status == "" {
		n.Status = epiloop.NoticePending
	}
	res, err := tx.exec(`INSERT INTO notices (kind, event_id, target, user_id, channel, address, key, payload,
		status, attempts, next_attempt_at, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		n.Kind, nullID(n.EventID), n.Target, nullID(n.UserID), n.Channel, n.Address, n.Key, payload,
		string(n.Status), n.Attempts, n.NextAttemptAt.UnixMilli(), n.LastError, n.CreatedAt.UnixMilli())
	if err != nil {
		return false, wrap(err, "create notice")
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return false, wrap(err, "create notice")
	}
	n.ID, err = res.LastInsertId()
	return true, wrap(err, "create notice")
}

// ClaimNotices leases the due pending notices. SQLite has one writer, so
// the select and the lease are one step for every other writer.
func (tx *Tx) ClaimNotices(now time.Time, lease time.Duration, limit int) ([]*epiloop.Notice, error) {
	rows, err := tx.query(`UPDATE notices SET lease_until = ? WHERE id IN (
			SELECT id FROM notices WHERE status = ? AND next_attempt_at <= ? AND lease_until <= ?
			ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING `+noticeColumns,
		now.Add(lease).UnixMilli(), string(epiloop.NoticePending), now.UnixMilli(), now.UnixMilli(), epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "claim notices")
	}
	ns, err := collectNotices(rows)
	return ns, wrap(err, "claim notices")
}

// RecordNoticeAttempt saves the outcome of one try and logs it.
func (tx *Tx) RecordNoticeAttempt(n *epiloop.Notice, a epiloop.NoticeAttempt) error {
	if err := tx.execOne("notice not found", `UPDATE notices SET status = ?, attempts = ?, next_attempt_at = ?,
		lease_until = 0, last_error = ? WHERE id = ?`,
		string(n.Status), n.Attempts, n.NextAttemptAt.UnixMilli(), n.LastError, n.ID); err != nil {
		return wrap(err, "record notice attempt")
	}
	_, err := tx.exec(`INSERT INTO notice_attempts (notice_id, seq, time, http_status, duration_ms, error)
		VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM notice_attempts WHERE notice_id = ?), ?, ?, ?, ?)`,
		n.ID, n.ID, a.Time.UnixMilli(), a.Status, a.Duration.Milliseconds(), a.Error)
	return wrap(err, "record notice attempt")
}

// FindNotices returns a page of notices, newest first, and the total.
func (tx *Tx) FindNotices(f epiloop.NoticeFilter) ([]*epiloop.Notice, int, error) {
	where, args := "1 = 1", []any{}
	if f.Status != nil {
		where, args = "status = ?", append(args, string(*f.Status))
	}
	total, err := tx.countRows(false, "notices", where, args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.query(`SELECT `+noticeColumns+` FROM notices WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, wrap(err, "find notices")
	}
	ns, err := collectNotices(rows)
	return ns, total, wrap(err, "find notices")
}

// FindNoticeAttempts returns a notice's delivery log, oldest first.
func (tx *Tx) FindNoticeAttempts(id int64) ([]epiloop.NoticeAttempt, error) {
	rows, err := tx.query(`SELECT time, http_status, duration_ms, error FROM notice_attempts
		WHERE notice_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, wrap(err, "find notice attempts")
	}
	defer rows.Close()
	var out []epiloop.NoticeAttempt
	for rows.Next() {
		a := epiloop.NoticeAttempt{NoticeID: id}
		var t sql.NullInt64
		var ms int64
		if err := rows.Scan(&t, &a.Status, &ms, &a.Error); err != nil {
			return nil, wrap(err, "find notice attempts")
		}
		a.Time, a.Duration = timeOf(t), time.Duration(ms)*time.Millisecond
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "find notice attempts")
}

// NoticeCursor returns the last event the producer handled.
func (tx *Tx) NoticeCursor() (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT event_id FROM notice_cursor WHERE id = 1`).Scan(&id)
	return id, wrap(err, "notice cursor")
}

// SetNoticeCursor moves the producer's cursor forward.
func (tx *Tx) SetNoticeCursor(eventID int64) error {
	_, err := tx.exec(`UPDATE notice_cursor SET event_id = MAX(event_id, ?) WHERE id = 1`, eventID)
	return wrap(err, "set notice cursor")
}
