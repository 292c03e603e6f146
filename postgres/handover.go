package postgres

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/epiloop/epiloop"
)

// Shift hand-overs and the duty inbox (epiloop/handover.go).

const handoverColumns = `h.id, h.post_id, h.node_code, h.boundary, h.out_slot_id, h.in_slot_id,
	h.out_user_id, h.out_at, h.out_conflicts, h.out_overdue, h.out_alerts, h.out_note,
	h.in_user_id, h.in_at, h.in_conflicts, h.in_overdue, h.in_alerts, h.in_note,
	h.state, h.reasons::text, h.closed_at, h.escalated_at, h.escalated_to, ` + postColumns

const handoverFrom = ` FROM duty_handovers h JOIN duty_posts p ON p.id = h.post_id`

// handoverSide is one party's columns.
type handoverSide struct {
	user                       int64
	at                         pgtype.Timestamptz
	conflicts, overdue, alerts pgtype.Int8
	note                       string
}

func (s *handoverSide) report() *epiloop.HandoverReport {
	if !s.at.Valid {
		return nil
	}
	n := func(v pgtype.Int8) *int { i := int(v.Int64); return &i }
	return &epiloop.HandoverReport{UserID: s.user, At: timeOf(s.at), OpenConflicts: n(s.conflicts),
		OverdueTasks: n(s.overdue), Alerts: n(s.alerts), Note: s.note}
}

func (tx *Tx) scanHandover(sc scanner) (*epiloop.Handover, error) {
	var (
		h                           epiloop.Handover
		boundary, closed, escalated pgtype.Timestamptz
		out, in                     handoverSide
		reasons                     string
	)
	p, err := scanPostAfter(sc, &h.ID, &h.PostID, &h.NodeCode, &boundary, &h.OutSlotID, &h.InSlotID,
		&out.user, &out.at, &out.conflicts, &out.overdue, &out.alerts, tx.opened(&out.note),
		&in.user, &in.at, &in.conflicts, &in.overdue, &in.alerts, tx.opened(&in.note),
		&h.State, &reasons, &closed, &escalated, &h.EscalatedTo)
	if err != nil {
		return nil, err
	}
	h.Post, h.Boundary = p, timeOf(boundary)
	h.Outgoing, h.Incoming = out.report(), in.report()
	h.ClosedAt, h.EscalatedAt = timePtrOf(closed), timePtrOf(escalated)
	return &h, json.Unmarshal([]byte(reasons), &h.Reasons)
}

// FindHandover returns the hand-over of a post at a boundary, its row
// locked with lock.
func (tx *Tx) FindHandover(postID int64, boundary time.Time, lock bool) (*epiloop.Handover, error) {
	q := `SELECT ` + handoverColumns + handoverFrom + ` WHERE h.post_id = $1 AND h.boundary = $2`
	if lock {
		q += ` FOR UPDATE OF h`
	}
	h, err := tx.scanHandover(tx.queryRow(q, postID, ts(boundary)))
	return h, wrap(noRows(err, "err.handover_not_found"), "find handover")
}

// FindHandoverByID returns one hand-over.
func (tx *Tx) FindHandoverByID(id int64) (*epiloop.Handover, error) {
	h, err := tx.scanHandover(tx.queryRow(`SELECT `+handoverColumns+handoverFrom+` WHERE h.id = $1`, id))
	return h, wrap(noRows(err, "err.handover_not_found"), "find handover")
}

// reportArgs are a party's column values.
func (tx *Tx) reportArgs(r *epiloop.HandoverReport) []any {
	if r == nil {
		return []any{0, nil, nil, nil, nil, ""}
	}
	return []any{r.UserID, ts(r.At), *r.OpenConflicts, *r.OverdueTasks, *r.Alerts, tx.sealed(r.Note)}
}

// SaveHandover creates or updates a hand-over.
func (tx *Tx) SaveHandover(h *epiloop.Handover) error {
	reasons := h.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	rs, err := json.Marshal(reasons)
	if err != nil {
		return wrap(err, "save handover")
	}
	vals := append(append(tx.reportArgs(h.Outgoing), tx.reportArgs(h.Incoming)...),
		string(h.State), string(rs), tsPtr(h.ClosedAt), tsPtr(h.EscalatedAt), h.EscalatedTo, h.InSlotID)
	if h.ID != 0 {
		err := tx.execOne("err.handover_not_found", `UPDATE duty_handovers SET out_user_id = $1, out_at = $2,
			out_conflicts = $3, out_overdue = $4, out_alerts = $5, out_note = $6, in_user_id = $7, in_at = $8,
			in_conflicts = $9, in_overdue = $10, in_alerts = $11, in_note = $12, state = $13, reasons = $14::jsonb,
			closed_at = $15, escalated_at = $16, escalated_to = $17, in_slot_id = $18 WHERE id = $19`,
			append(vals, h.ID)...)
		return wrap(err, "save handover")
	}
	err = tx.queryRow(`INSERT INTO duty_handovers (out_user_id, out_at, out_conflicts, out_overdue, out_alerts,
			out_note, in_user_id, in_at, in_conflicts, in_overdue, in_alerts, in_note, state, reasons, closed_at,
			escalated_at, escalated_to, in_slot_id, post_id, node_code, boundary, out_slot_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18, $19, $20,
			$21, $22) RETURNING id`,
		append(vals, h.PostID, h.NodeCode, ts(h.Boundary), h.OutSlotID)...).Scan(&h.ID)
	return wrap(constraintError(err, "err.handover_exists", "err.duty_post_not_found"), "save handover")
}

// FindHandovers returns the hand-overs f selects, by boundary.
func (tx *Tx) FindHandovers(f epiloop.HandoverFilter) ([]epiloop.Handover, error) {
	conds := []string{"true"}
	var a args
	if f.Node != nil {
		conds = append(conds, "h.node_code = "+a.add(*f.Node))
	}
	if f.Post != nil {
		conds = append(conds, "h.post_id = "+a.add(*f.Post))
	}
	if !f.From.IsZero() {
		conds = append(conds, "h.boundary >= "+a.add(ts(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "h.boundary < "+a.add(ts(f.To)))
	}
	if f.Open {
		conds = append(conds, "h.closed_at IS NULL")
	}
	q := `SELECT ` + handoverColumns + handoverFrom + ` WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY h.boundary, h.post_id LIMIT ` + a.add(epiloop.PageLimit(f.Limit)) + ` OFFSET ` + a.add(max(f.Offset, 0))
	rows, err := tx.query(q, a...)
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
