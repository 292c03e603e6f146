package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// Shift hand-overs and the duty inbox (epiloop/handover.go).

const handoverColumns = `h.id, h.post_id, h.node_code, h.boundary, h.out_slot_id, h.in_slot_id,
	h.out_user_id, h.out_at, h.out_conflicts, h.out_overdue, h.out_alerts, h.out_note,
	h.in_user_id, h.in_at, h.in_conflicts, h.in_overdue, h.in_alerts, h.in_note,
	h.state, h.reasons, h.closed_at, h.escalated_at, h.escalated_to, ` + postColumns

const handoverFrom = ` FROM duty_handovers h JOIN duty_posts p ON p.id = h.post_id`

// handoverSide is one party's columns.
type handoverSide struct {
	user                       int64
	at                         sql.NullInt64
	conflicts, overdue, alerts sql.NullInt64
	note                       string
}

func (s *handoverSide) report() *epiloop.HandoverReport {
	if !s.at.Valid {
		return nil
	}
	n := func(v sql.NullInt64) *int { i := int(v.Int64); return &i }
	return &epiloop.HandoverReport{UserID: s.user, At: timeOf(s.at), OpenConflicts: n(s.conflicts),
		OverdueTasks: n(s.overdue), Alerts: n(s.alerts), Note: s.note}
}

func (tx *Tx) scanHandover(sc scanner) (*epiloop.Handover, error) {
	var (
		h                 epiloop.Handover
		boundary          int64
		out, in           handoverSide
		reasons           string
		closed, escalated sql.NullInt64
	)
	p, err := scanPostAfter(sc, &h.ID, &h.PostID, &h.NodeCode, &boundary, &h.OutSlotID, &h.InSlotID,
		&out.user, &out.at, &out.conflicts, &out.overdue, &out.alerts, tx.opened(&out.note),
		&in.user, &in.at, &in.conflicts, &in.overdue, &in.alerts, tx.opened(&in.note),
		&h.State, &reasons, &closed, &escalated, &h.EscalatedTo)
	if err != nil {
		return nil, err
	}
	h.Post, h.Boundary = p, time.UnixMilli(boundary).UTC()
	h.Outgoing, h.Incoming = out.report(), in.report()
	h.ClosedAt, h.EscalatedAt = timePtrOf(closed), timePtrOf(escalated)
	return &h, json.Unmarshal([]byte(reasons), &h.Reasons)
}

// FindHandover returns the hand-over of a post at a boundary.
// SQLite runs one write transaction at a time: lock has nothing to add.
func (tx *Tx) FindHandover(postID int64, boundary time.Time, lock bool) (*epiloop.Handover, error) {
	h, err := tx.scanHandover(tx.queryRow(`SELECT `+handoverColumns+handoverFrom+
		` WHERE h.post_id = ? AND h.boundary = ?`, postID, boundary.UnixMilli()))
	return h, wrap(noRows(err, "err.handover_not_found"), "find handover")
}

// FindHandoverByID returns one hand-over.
func (tx *Tx) FindHandoverByID(id int64) (*epiloop.Handover, error) {
	h, err := tx.scanHandover(tx.queryRow(`SELECT `+handoverColumns+handoverFrom+` WHERE h.id = ?`, id))
	return h, wrap(noRows(err, "err.handover_not_found"), "find handover")
}

// reportArgs are a party's column values.
func (tx *Tx) reportArgs(r *epiloop.HandoverReport) []any {
	if r == nil {
		return []any{0, nil, nil, nil, nil, ""}
	}
	return []any{r.UserID, millis(r.At), *r.OpenConflicts, *r.OverdueTasks, *r.Alerts, tx.sealed(r.Note)}
}

// SaveHandover creates or updates a hand-over.
func (tx *Tx) SaveHandover(h *epiloop.Handover) error {
	reasons, err := jsonText(reasonsOf(h))
	if err != nil {
		return wrap(err, "save handover")
	}
	vals := append(append(tx.reportArgs(h.Outgoing), tx.reportArgs(h.Incoming)...),
		string(h.State), reasons, millisPtr(h.ClosedAt), millisPtr(h.EscalatedAt), h.EscalatedTo, h.InSlotID)
	if h.ID != 0 {
		err := tx.execOne("err.handover_not_found", `UPDATE duty_handovers SET out_user_id = ?, out_at = ?,
			out_conflicts = ?, out_overdue = ?, out_alerts = ?, out_note = ?, in_user_id = ?, in_at = ?,
			in_conflicts = ?, in_overdue = ?, in_alerts = ?, in_note = ?, state = ?, reasons = ?, closed_at = ?,
			escalated_at = ?, escalated_to = ?, in_slot_id = ? WHERE id = ?`, append(vals, h.ID)...)
		return wrap(err, "save handover")
	}
	res, err := tx.exec(`INSERT INTO duty_handovers (out_user_id, out_at, out_conflicts, out_overdue, out_alerts,
			out_note, in_user_id, in_at, in_conflicts, in_overdue, in_alerts, in_note, state, reasons, closed_at,
			escalated_at, escalated_to, in_slot_id, post_id, node_code, boundary, out_slot_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(vals, h.PostID, h.NodeCode, h.Boundary.UnixMilli(), h.OutSlotID)...)
	if err != nil {
		return wrap(constraintError(err, "err.handover_exists", "err.duty_post_not_found"), "save handover")
	}
	h.ID, err = res.LastInsertId()
	return wrap(err, "save handover")
}

// FindHandovers returns the hand-overs f selects, by boundary.
func (tx *Tx) FindHandovers(f epiloop.HandoverFilter) ([]epiloop.Handover, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Node != nil {
		conds, args = append(conds, "h.node_code = ?"), append(args, *f.Node)
	}
	if f.Post != nil {
		conds, args = append(conds, "h.post_id = ?"), append(args, *f.Post)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "h.boundary >= ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "h.boundary < ?"), append(args, f.To.UnixMilli())
	}
	if f.Open {
		conds = append(conds, "h.closed_at IS NULL")
	}
	rows, err := tx.query(`SELECT `+handoverColumns+handoverFrom+` WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY h.boundary, h.post_id LIMIT ? OFFSET ?`, append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	if err != nil {
		return nil, wrap(err, "find handovers")
	}
	defer rows.Close()
	var out []epiloop.Handover
	for rows.Next() {
		h, err := tx.scanHandover(rows)
		if err != nil {
			return nil, wrap(err, "find handovers")
		}
		out = append(out, *h)
	}
	return out, wrap(rows.Err(), "find handovers")
}

func reasonsOf(h *epiloop.Handover) []string {
	if h.Reasons == nil {
		return []string{}
	}
	return h.Reasons
}
