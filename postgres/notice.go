package postgres

import (
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const noticeColumns = `id, kind, event_id, target, user_id, channel, address, key, payload, status,
	attempts, next_attempt_at, lease_until, last_error, created_at`

func scanNotice(r pgx.CollectableRow) (*epiloop.Notice, error) {
	var (
		n                    epiloop.Notice
		event, user          pgtype.Int8
		next, lease, created pgtype.Timestamptz
		status               string
	)
	if err := r.Scan(&n.ID, &n.Kind, &event, &n.Target, &user, &n.Channel, &n.Address, &n.Key, &n.Payload,
		&status, &n.Attempts, &next, &lease, &n.LastError, &created); err != nil {
		return nil, err
	}
	n.Status = epiloop.NoticeStatus(status)
	n.EventID, n.UserID = event.Int64, user.Int64
	n.NextAttemptAt, n.CreatedAt = timeOf(next), timeOf(created)
	if l := timeOf(lease); l.Unix() > 0 {
		n.LeaseUntil = l
	}
	return &n, nil
}

// CreateNotice adds n unless a notice with its key exists.
func (tx *Tx) CreateNotice(n *epiloop.Notice) (bool, error) {
	if err := tx.requireWrite("create notice"); err != nil {
		return false, err
	}
	if n.Status == "" {
		n.Status = epiloop.NoticePending
	}
	err := tx.queryRow(`INSERT INTO notices (kind, event_id, target, user_id, channel, address, key, payload,
		status, attempts, next_attempt_at, last_error, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (key) DO NOTHING RETURNING id`,
		n.Kind, nullID(n.EventID), n.Target, nullID(n.UserID), n.Channel, n.Address, n.Key, n.Payload,
		string(n.Status), n.Attempts, msUTC(n.NextAttemptAt), n.LastError, msUTC(n.CreatedAt)).Scan(&n.ID)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return err == nil, wrap(err, "create notice")
}

// ClaimNotices leases the due pending notices; FOR UPDATE SKIP LOCKED lets
// two workers claim at once without waiting for or sharing a row.
func (tx *Tx) ClaimNotices(now time.Time, lease time.Duration, limit int) ([]*epiloop.Notice, error) {
	if err := tx.requireWrite("claim notices"); err != nil {
		return nil, err
	}
	rows, err := tx.query(`UPDATE notices SET lease_until = $1 WHERE id IN (
			SELECT id FROM notices WHERE status = $4 AND next_attempt_at <= $2 AND lease_until <= $2
			ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+noticeColumns,
		msUTC(now.Add(lease)), msUTC(now), epiloop.PageLimit(limit), string(epiloop.NoticePending))
	if err != nil {
		return nil, wrap(err, "claim notices")
	}
	ns, err := collect(rows, scanNotice)
	return ns, wrap(err, "claim notices")
}

// RecordNoticeAttempt saves the outcome of one try and logs it.
func (tx *Tx) RecordNoticeAttempt(n *epiloop.Notice, a epiloop.NoticeAttempt) error {
	if err := tx.requireWrite("record notice attempt"); err != nil {
		return err
	}
	if err := tx.execOne("notice not found", `UPDATE notices SET status = $1, attempts = $2, next_attempt_at = $3,
		lease_until = 'epoch', last_error = $4 WHERE id = $5`,
		string(n.Status), n.Attempts, msUTC(n.NextAttemptAt), n.LastError, n.ID); err != nil {
		return wrap(err, "record notice attempt")
	}
	_, err := tx.exec(`INSERT INTO notice_attempts (notice_id, seq, time, http_status, duration_ms, error)
		VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM notice_attempts WHERE notice_id = $1), $2, $3, $4, $5)`,
		n.ID, msUTC(a.Time), a.Status, a.Duration.Milliseconds(), a.Error)
	return wrap(err, "record notice attempt")
}

// FindNotices returns a page of notices, newest first, and the total.
func (tx *Tx) FindNotices(f epiloop.NoticeFilter) ([]*epiloop.Notice, int, error) {
	var a args
	where := "true"
	if f.Status != nil {
		where = "status = " + a.add(string(*f.Status))
	}
	total, err := tx.countRows(false, "notices", where, a...)
	if err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + noticeColumns + ` FROM notices WHERE ` + where + ` ORDER BY id DESC LIMIT ` +
		a.add(epiloop.PageLimit(f.Limit)) + ` OFFSET ` + a.add(max(f.Offset, 0))
	rows, err := tx.query(q, a...)
	if err != nil {
		return nil, 0, wrap(err, "find notices")
	}
	ns, err := collect(rows, scanNotice)
	return ns, total, wrap(err, "find notices")
}

// FindNoticeAttempts returns a notice's delivery log, oldest first.
func (tx *Tx) FindNoticeAttempts(id int64) ([]epiloop.NoticeAttempt, error) {
	rows, err := tx.query(`SELECT time, http_status, duration_ms, error FROM notice_attempts
		WHERE notice_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, wrap(err, "find notice attempts")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.NoticeAttempt, error) {
		a := epiloop.NoticeAttempt{NoticeID: id}
		var t pgtype.Timestamptz
		var ms int64
		err := r.Scan(&t, &a.Status, &ms, &a.Error)
		a.Time, a.Duration = timeOf(t), time.Duration(ms)*time.Millisecond
		return a, err
	})
	return out, wrap(err, "find notice attempts")
}

// NoticeCursor returns the last event the producer handled.
func (tx *Tx) NoticeCursor() (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT event_id FROM notice_cursor WHERE id = 1`).Scan(&id)
	return id, wrap(err, "notice cursor")
}

// SetNoticeCursor moves the producer's cursor forward.
func (tx *Tx) SetNoticeCursor(eventID int64) error {
	if err := tx.requireWrite("set notice cursor"); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE notice_cursor SET event_id = GREATEST(event_id, $1) WHERE id = 1`, eventID)
	return wrap(err, "set notice cursor")
}
