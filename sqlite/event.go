package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/epiloop/epiloop"
)

const eventColumns = `id, time, kind, lead_id, task_id, actor_id, district, units, data`

// leadEventColumns add the sealed free text (detail), which only a lead's
// timeline reads: the outbox the live streams read never carries it.
const leadEventColumns = eventColumns + `, detail`

func (tx *Tx) scanEvent(s scanner, withDetail bool) (*epiloop.Event, error) {
	var (
		e                    epiloop.Event
		t, lead, task, actor sql.NullInt64
		units, detail        string
		data                 sql.NullString
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
	if units != "[]" {
		if err := json.Unmarshal([]byte(units), &e.Units); err != nil {
			return nil, err
		}
	}
	e.Time = timeOf(t)
	e.LeadID, e.TaskID, e.ActorID = lead.Int64, task.Int64, actor.Int64
	if data.Valid {
		e.Data = json.RawMessage(data.String)
	}
	return &e, nil
}

// CreateEvent appends e to the outbox and sets its ID. IDs only grow and
// are never reused.
func (tx *Tx) CreateEvent(e *epiloop.Event) error {
	units := "[]"
	if len(e.Units) > 0 {
		var err error
		if units, err = jsonText(e.Units); err != nil {
			return wrap(err, "create event")
		}
	}
	var data any
	if len(e.Data) > 0 {
		data = string(e.Data)
	}
	res, err := tx.exec(`INSERT INTO events (time, kind, lead_id, task_id, actor_id, district, units, data, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		millis(e.Time), e.Kind, nullID(e.LeadID), nullID(e.TaskID), nullID(e.ActorID), e.District, units, data,
		tx.sealed(string(e.Detail)))
	if err != nil {
		return wrap(err, "create event")
	}
	e.ID, err = res.LastInsertId()
	return wrap(err, "create event")
}

// nullID stores an absent reference (0) as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// FindEventsAfter returns up to limit events with IDs above id, in order;
// limit defaults to 50 and is at most 1000.
func (tx *Tx) FindEventsAfter(id int64, limit int) ([]*epiloop.Event, error) {
	rows, err := tx.query(`SELECT `+eventColumns+` FROM events WHERE id > ? ORDER BY id LIMIT ?`,
		id, epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find events")
	}
	events, err := tx.collectEvents(rows, false)
	return events, wrap(err, "find events")
}

// FindLeadEvents returns a lead's timeline, oldest first.
func (tx *Tx) FindLeadEvents(leadID int64) ([]*epiloop.Event, error) {
	rows, err := tx.query(`SELECT `+leadEventColumns+` FROM events WHERE lead_id = ? ORDER BY id`, leadID)
	if err != nil {
		return nil, wrap(err, "find lead events")
	}
	events, err := tx.collectEvents(rows, true)
	return events, wrap(err, "find lead events")
}

func (tx *Tx) collectEvents(rows *sql.Rows, withDetail bool) ([]*epiloop.Event, error) {
	defer rows.Close()
	var out []*epiloop.Event
	for rows.Next() {
		e, err := tx.scanEvent(rows, withDetail)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventID returns the highest event ID, 0 when there is none.
func (tx *Tx) LastEventID() (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id)
	return id, wrap(err, "last event id")
}

// AddCounters adds each delta to its counter, creating it at zero first.
// SQLite has one writer, so every counter lives in shard 0.
func (tx *Tx) AddCounters(ds []epiloop.CounterDelta) error {
	return wrap(tx.addCounters("counters", ds), "add counters")
}

// FindCounters returns the counters of one scope by metric. Counters that
// sum to zero are left out: a missing metric reads as 0.
func (tx *Tx) FindCounters(scope string) (map[string]int64, error) {
	m, err := tx.findCounters("counters", scope)
	return m, wrap(err, "find counters")
}

// FindCountersOf returns the funnel counters of several scopes in one
// statement.
func (tx *Tx) FindCountersOf(scopes []string) (map[string]map[string]int64, error) {
	m, err := tx.findCountersOf("counters", scopes)
	return m, wrap(err, "find counters")
}

// AllCounters returns every counter that does not sum to zero, so that it
// compares equal to a recomputation from the rows.
func (tx *Tx) AllCounters() (map[epiloop.CounterKey]int64, error) {
	m, err := tx.allCounters("counters")
	return m, wrap(err, "all counters")
}

// addCounters, findCounters and allCounters work on a counter table (the
// funnel's, or the checkpoints' and observations'): rows of scope,
// metric, shard and a count, summed over shards.
func (tx *Tx) addCounters(table string, ds []epiloop.CounterDelta) error {
	switch len(ds) {
	case 0:
		return nil
	case 1:
		d := ds[0]
		_, err := tx.exec(`INSERT INTO `+table+` (scope, metric, shard, n) VALUES (?, ?, 0, ?)
			ON CONFLICT (scope, metric, shard) DO UPDATE SET n = n + excluded.n`,
			d.Scope, d.Metric, d.N)
		return err
	}
	// Several deltas (a lead closing moves a dozen) in one statement: they
	// travel as a JSON array of [scope, metric, n]; a key given twice is
	// added twice, as with one statement each.
	rows := make([][3]any, len(ds))
	for i, d := range ds {
		rows[i] = [3]any{d.Scope, d.Metric, d.N}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO `+table+` (scope, metric, shard, n)
		SELECT value ->> 0, value ->> 1, 0, value ->> 2 FROM json_each(?) WHERE true
		ON CONFLICT (scope, metric, shard) DO UPDATE SET n = n + excluded.n`, string(b))
	return err
}

func (tx *Tx) findCounters(table, scope string) (map[string]int64, error) {
	m, err := tx.findCountersOf(table, []string{scope})
	return m[scope], err
}

// findCountersOf sums the counters of several scopes by scope and metric
// in one statement; every scope asked has a map, empty when it has none.
func (tx *Tx) findCountersOf(table string, scopes []string) (map[string]map[string]int64, error) {
	out := make(map[string]map[string]int64, len(scopes))
	args := make([]any, len(scopes))
	for i, sc := range scopes {
		out[sc], args[i] = map[string]int64{}, sc
	}
	if len(scopes) == 0 {
		return out, nil
	}
	rows, err := tx.query(`SELECT scope, metric, SUM(n) FROM `+table+` WHERE scope IN (?`+strings.Repeat(", ?", len(scopes)-1)+`)
		GROUP BY scope, metric HAVING SUM(n) <> 0`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			sc, m string
			n     int64
		)
		if err := rows.Scan(&sc, &m, &n); err != nil {
			return nil, err
		}
		out[sc][m] = n
	}
	return out, rows.Err()
}

func (tx *Tx) allCounters(table string) (map[epiloop.CounterKey]int64, error) {
	rows, err := tx.query(`SELECT scope, metric, SUM(n) FROM ` + table + `
		GROUP BY scope, metric HAVING SUM(n) <> 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[epiloop.CounterKey]int64)
	for rows.Next() {
		var (
			k epiloop.CounterKey
			n int64
		)
		if err := rows.Scan(&k.Scope, &k.Metric, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
