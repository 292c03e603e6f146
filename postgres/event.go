package postgres

import (
	"encoding/json"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const eventColumns = `id, time, kind, lead_id, task_id, actor_id, district, units, data`

// leadEventColumns add the sealed free text (detail), which only a lead's
// timeline reads: the outbox the live streams read never carries it.
const leadEventColumns = eventColumns + `, detail`

func (tx *Tx) scanEvent(s scanner, withDetail bool) (*epiloop.Event, error) {
	var (
		e                 epiloop.Event
		t                 pgtype.Timestamptz
		lead, task, actor pgtype.Int8
		units             []string
		data              []byte
		detail            string
	)
	dst := []any{&e.ID, &t, &e.Kind, &lead, &task, &actor, &e.District, &units, &data}
	if withDetail {
		dst = append(dst, tx.opened(&detail))
	}
	if err := s.Scan(dst...); err != nil {
		return nil, err
	}
	if detail != "" {
		e.Detail = json.RawMessage(detail)
	}
	if len(units) > 0 {
		e.Units = units
	}
	e.Time = timeOf(t)
	e.LeadID, e.TaskID, e.ActorID = lead.Int64, task.Int64, actor.Int64
	if data != nil {
		e.Data = json.RawMessage(data)
	}
	return &e, nil
}

func (tx *Tx) collectEvents(rows pgx.Rows, withDetail bool) ([]*epiloop.Event, error) {
	return collect(rows, func(r pgx.CollectableRow) (*epiloop.Event, error) { return tx.scanEvent(r, withDetail) })
}

// CreateEvent appends e to the outbox when the transaction commits, and
// sets its ID then (see log.go): IDs only grow, are never reused, and are
// in commit order.
func (tx *Tx) CreateEvent(e *epiloop.Event) error {
	if err := tx.requireWrite("create event"); err != nil {
		return err
	}
	tx.events = append(tx.events, e)
	return nil
}

// FindEventsAfter returns up to limit events with IDs above id, in order;
// limit defaults to 50 and is at most 1000. Because IDs are drawn in commit
// order, a reader that asks again after the last ID it got misses nothing.
func (tx *Tx) FindEventsAfter(id int64, limit int) ([]*epiloop.Event, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	rows, err := tx.query(`SELECT `+eventColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
		id, epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find events")
	}
	events, err := tx.collectEvents(rows, false)
	return events, wrap(err, "find events")
}

// FindLeadEvents returns a lead's timeline, oldest first.
func (tx *Tx) FindLeadEvents(leadID int64) ([]*epiloop.Event, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	rows, err := tx.query(`SELECT `+leadEventColumns+` FROM events WHERE lead_id = $1 ORDER BY id`, leadID)
	if err != nil {
		return nil, wrap(err, "find lead events")
	}
	events, err := tx.collectEvents(rows, true)
	return events, wrap(err, "find lead events")
}

// LastEventID returns the highest event ID, 0 when there is none.
func (tx *Tx) LastEventID() (int64, error) {
	if err := tx.flush(); err != nil {
		return 0, err
	}
	var id int64
	err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id)
	return id, wrap(err, "last event id")
}
