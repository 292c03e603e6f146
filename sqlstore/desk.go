package sqlstore

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// The service desk's storage (epiloop.DeskTx): the measures, the tickets
// with their clocks and steps, and the appointment slots.

const measureColumns = `m.id, m.code, m.name, m.mode, m.unit_code, m.first_response_min, m.update_every_min,
	m.solution_min, m.active, m.updated_at, COALESCE(u.name, '')`

const measureFrom = ` FROM desk_measures m LEFT JOIN units u ON u.code = m.unit_code`

func scanMeasure(r Row) (epiloop.ServiceMeasure, error) {
	var m epiloop.ServiceMeasure
	var mode string
	err := r.Scan(&m.ID, &m.Code, &m.Name, &mode, &m.UnitCode, &m.FirstResponseMin, &m.UpdateEveryMin,
		&m.SolutionMin, &m.Active, &m.UpdatedAt, &m.UnitName)
	m.Mode = epiloop.DeskMode(mode)
	m.SetSLA(epiloop.DeskSLA{FirstResponse: time.Duration(m.FirstResponseMin) * time.Minute,
		UpdateEvery: time.Duration(m.UpdateEveryMin) * time.Minute, Solution: time.Duration(m.SolutionMin) * time.Minute})
	return m, err
}

// SaveMeasure creates a measure by code, or replaces the one of that
// code.
func (s Store) SaveMeasure(m *epiloop.ServiceMeasure) error {
	var id int64
	err := s.c.QueryRow(`SELECT id FROM desk_measures WHERE code = ?`, m.Code).Scan(&id)
	switch {
	case err == nil:
		m.ID = id
		_, err = s.c.Exec(`UPDATE desk_measures SET name = ?, mode = ?, unit_code = ?, first_response_min = ?,
			update_every_min = ?, solution_min = ?, active = ?, updated_at = ? WHERE id = ?`,
			m.Name, string(m.Mode), m.UnitCode, m.FirstResponseMin, m.UpdateEveryMin, m.SolutionMin, m.Active, m.UpdatedAt, id)
	case err == ErrNoRows:
		m.ID, err = s.insert(`INSERT INTO desk_measures (code, name, mode, unit_code, first_response_min, update_every_min,
			solution_min, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Code, m.Name, string(m.Mode), m.UnitCode, m.FirstResponseMin, m.UpdateEveryMin, m.SolutionMin, m.Active, m.UpdatedAt)
	}
	return wrap(s.c.Constraint(err, "err.desk_measure_exists", "err.desk_unit_unknown"), "save measure")
}

// FindMeasureByCode returns a measure by code.
func (s Store) FindMeasureByCode(code string) (*epiloop.ServiceMeasure, error) {
	m, err := scanMeasure(s.c.QueryRow(`SELECT `+measureColumns+measureFrom+` WHERE m.code = ?`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.desk_measure_not_found"), "find measure")
	}
	return &m, nil
}

// FindMeasureByID returns a measure by id.
func (s Store) FindMeasureByID(id int64) (*epiloop.ServiceMeasure, error) {
	m, err := scanMeasure(s.c.QueryRow(`SELECT `+measureColumns+measureFrom+` WHERE m.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.desk_measure_not_found"), "find measure")
	}
	return &m, nil
}

// FindMeasures returns the catalogue by code.
func (s Store) FindMeasures(active bool) ([]epiloop.ServiceMeasure, error) {
	q := `SELECT ` + measureColumns + measureFrom
	var args []any
	if active {
		q += ` WHERE m.active = ?`
		args = append(args, true)
	}
	rows, err := s.c.Query(q+` ORDER BY m.code`, args...)
	out, err := collect(rows, err, func(r Rows) (epiloop.ServiceMeasure, error) { return scanMeasure(r) })
	return out, wrap(err, "find measures")
}

const ticketColumns = `t.id, t.number, t.source, t.code_hash, t.measure_id, t.unit_code, t.district_code, t.enterprise,
	t.credit_code, t.contact, t.phone, t.detail, t.project, t.green, t.slot_id, t.state, t.solved, t.confirmed,
	t.leader_user_id, t.created_by, t.created_at, t.updated_at, t.solved_at, t.closed_at,
	COALESCE(m.name, ''), COALESCE(u.name, '')`

const ticketFrom = ` FROM desk_tickets t LEFT JOIN desk_measures m ON m.id = t.measure_id LEFT JOIN units u ON u.code = t.unit_code`

func (s Store) scanTicket(r Row) (*epiloop.Ticket, error) {
	var t epiloop.Ticket
	var src, state, solved, confirmed string
	err := r.Scan(&t.ID, &t.Number, &src, &t.CodeHash, &t.MeasureID, &t.UnitCode, &t.DistrictCode, &t.Enterprise,
		&t.CreditCode, s.opened(&t.Contact), s.opened(&t.Phone), s.opened(&t.Detail), &t.Project, &t.Green, &t.SlotID,
		&state, &solved, &confirmed, &t.LeaderUserID, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt, &t.SolvedAt, &t.ClosedAt,
		&t.MeasureName, &t.UnitName)
	if err != nil {
		return nil, err
	}
	t.Source, t.State = epiloop.TicketSource(src), epiloop.TicketState(state)
	if solved != "" {
		t.Solved = &epiloop.DeskReport{}
		if err := fromJSON(solved, t.Solved); err != nil {
			return nil, err
		}
	}
	if confirmed != "" {
		t.Confirmed = &epiloop.DeskReport{}
		if err := fromJSON(confirmed, t.Confirmed); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// reportText is a party's word as stored ("" for none).
func reportText(r *epiloop.DeskReport) (string, error) {
	if r == nil {
		return "", nil
	}
	return jsonText(r)
}

// CreateTicket inserts a ticket and its clocks.
func (s Store) CreateTicket(t *epiloop.Ticket) error {
	solved, err := reportText(t.Solved)
	if err != nil {
		return err
	}
	confirmed, err := reportText(t.Confirmed)
	if err != nil {
		return err
	}
	t.ID, err = s.insert(`INSERT INTO desk_tickets (number, source, code_hash, measure_id, unit_code, district_code,
		enterprise, credit_code, contact, phone, detail, project, green, slot_id, state, solved, confirmed,
		leader_user_id, created_by, created_at, updated_at, solved_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Number, string(t.Source), t.CodeHash, t.MeasureID, t.UnitCode, t.DistrictCode, t.Enterprise, t.CreditCode,
		s.sealed(t.Contact), s.sealed(t.Phone), s.sealed(t.Detail), t.Project, t.Green, t.SlotID, string(t.State),
		solved, confirmed, t.LeaderUserID, t.CreatedBy, t.CreatedAt, t.UpdatedAt, t.SolvedAt, t.ClosedAt)
	if err != nil {
		return wrap(s.c.Constraint(err, "err.desk_number_taken", "err.desk_measure_not_found"), "create ticket")
	}
	for _, c := range t.Clocks {
		if _, err := s.c.Exec(`INSERT INTO desk_clocks (ticket_id, kind, due_at, paused_since, paused_ms, met_at, breached_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, string(c.Kind), clockDue(c), c.PausedSince, c.PausedTotal.Milliseconds(),
			c.MetAt, c.BreachedAt); err != nil {
			return wrap(err, "create ticket clock")
		}
	}
	return nil
}

// clockDue is a clock's due time as stored (NULL when not started).
func clockDue(c epiloop.SLAClock) *time.Time {
	if c.Due.IsZero() {
		return nil
	}
	return &c.Due
}

// SaveTicket writes a ticket's own fields and its clocks.
func (s Store) SaveTicket(t *epiloop.Ticket) error {
	solved, err := reportText(t.Solved)
	if err != nil {
		return err
	}
	confirmed, err := reportText(t.Confirmed)
	if err != nil {
		return err
	}
	if err := s.execOne("err.desk_ticket_not_found", `UPDATE desk_tickets SET state = ?, solved = ?, confirmed = ?,
		leader_user_id = ?, updated_at = ?, solved_at = ?, closed_at = ? WHERE id = ?`,
		string(t.State), solved, confirmed, t.LeaderUserID, t.UpdatedAt, t.SolvedAt, t.ClosedAt, t.ID); err != nil {
		return wrap(err, "save ticket")
	}
	for _, c := range t.Clocks {
		if _, err := s.c.Exec(`UPDATE desk_clocks SET due_at = ?, paused_since = ?, paused_ms = ?, met_at = ?, breached_at = ?
			WHERE ticket_id = ? AND kind = ?`, clockDue(c), c.PausedSince, c.PausedTotal.Milliseconds(), c.MetAt, c.BreachedAt,
			t.ID, string(c.Kind)); err != nil {
			return wrap(err, "save ticket clock")
		}
	}
	return nil
}

// clocksOf loads the clocks of tickets, in ClockKinds order.
func (s Store) clocksOf(ts []*epiloop.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	by := map[int64]*epiloop.Ticket{}
	marks := make([]string, 0, len(ts))
	args := make([]any, 0, len(ts))
	for _, t := range ts {
		by[t.ID] = t
		t.Clocks = []epiloop.SLAClock{}
		marks = append(marks, "?")
		args = append(args, t.ID)
	}
	rows, err := s.c.Query(`SELECT ticket_id, kind, due_at, paused_since, paused_ms, met_at, breached_at FROM desk_clocks
		WHERE ticket_id IN (`+strings.Join(marks, ", ")+`) ORDER BY ticket_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, ms int64
		var kind string
		var c epiloop.SLAClock
		var due *time.Time
		if err := rows.Scan(&id, &kind, &due, &c.PausedSince, &ms, &c.MetAt, &c.BreachedAt); err != nil {
			return err
		}
		c.Kind, c.PausedTotal = epiloop.ClockKind(kind), time.Duration(ms)*time.Millisecond
		if due != nil {
			c.Due = *due
		}
		by[id].Clocks = append(by[id].Clocks, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range ts {
		sortClocks(t.Clocks)
	}
	return nil
}

// sortClocks orders clocks as epiloop.ClockKinds lists them.
func sortClocks(cs []epiloop.SLAClock) {
	rank := func(k epiloop.ClockKind) int {
		for i, x := range epiloop.ClockKinds {
			if x == k {
				return i
			}
		}
		return len(epiloop.ClockKinds)
	}
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && rank(cs[j].Kind) < rank(cs[j-1].Kind); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func (s Store) findTicket(where string, arg any, lock bool) (*epiloop.Ticket, error) {
	q := `SELECT ` + ticketColumns + ticketFrom + ` WHERE ` + where
	if lock {
		// A no-op write locks the row on PostgreSQL (SQLite's write
		// transaction holds the database already), in SQL both spell
		// alike.
		if _, err := s.c.Exec(`UPDATE desk_tickets AS t SET updated_at = updated_at WHERE `+where, arg); err != nil {
			return nil, wrap(err, "lock ticket")
		}
	}
	t, err := s.scanTicket(s.c.QueryRow(q, arg))
	if err != nil {
		return nil, wrap(noRows(err, "err.desk_ticket_not_found"), "find ticket")
	}
	if err := s.clocksOf([]*epiloop.Ticket{t}); err != nil {
		return nil, wrap(err, "find ticket clocks")
	}
	rows, err := s.c.Query(`SELECT id, action, user_id, at, note FROM desk_steps WHERE ticket_id = ? ORDER BY id`, t.ID)
	t.Steps, err = collect(rows, err, func(r Rows) (epiloop.TicketStep, error) {
		var st epiloop.TicketStep
		var action string
		err := r.Scan(&st.ID, &action, &st.UserID, &st.At, s.opened(&st.Note))
		st.Action = epiloop.TicketAction(action)
		return st, err
	})
	return t, wrap(err, "find ticket steps")
}

// FindTicketByID loads a ticket with its clocks and steps.
func (s Store) FindTicketByID(id int64, lock bool) (*epiloop.Ticket, error) {
	return s.findTicket("t.id = ?", id, lock)
}

// FindTicketByNumber loads a ticket by its tracking number.
func (s Store) FindTicketByNumber(number string) (*epiloop.Ticket, error) {
	return s.findTicket("t.number = ?", number, false)
}

// FindTickets returns one page of tickets, newest first, and the total.
func (s Store) FindTickets(f epiloop.TicketFilter) ([]epiloop.Ticket, int, error) {
	var conds []string
	var args []any
	if f.Unit != nil {
		conds, args = append(conds, "t.unit_code = ?"), append(args, *f.Unit)
	}
	if f.State != nil {
		conds, args = append(conds, "t.state = ?"), append(args, string(*f.State))
	}
	if f.Open {
		conds, args = append(conds, "t.state NOT IN (?, ?)"), append(args, string(epiloop.TicketClosed), string(epiloop.TicketUnconfirmed))
	}
	if f.Green {
		conds, args = append(conds, "t.green = ?"), append(args, true)
	}
	if f.Breached {
		conds = append(conds, "EXISTS (SELECT 1 FROM desk_clocks c WHERE c.ticket_id = t.id AND c.breached_at IS NOT NULL AND c.met_at IS NULL)")
	}
	if f.SolvedBefore != nil {
		conds, args = append(conds, "t.state = ? AND t.solved_at < ?"), append(args, string(epiloop.TicketSolved), *f.SolvedBefore)
	}
	where := "true"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	total, err := s.c.Count("desk_tickets t", where, args...)
	if err != nil {
		return nil, 0, wrap(err, "count tickets")
	}
	rows, err := s.c.Query(`SELECT `+ticketColumns+ticketFrom+` WHERE `+where+` ORDER BY t.id DESC LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	ts, err := collect(rows, err, func(r Rows) (*epiloop.Ticket, error) { return s.scanTicket(r) })
	if err != nil {
		return nil, 0, wrap(err, "find tickets")
	}
	if err := s.clocksOf(ts); err != nil {
		return nil, 0, wrap(err, "find tickets' clocks")
	}
	out := make([]epiloop.Ticket, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out, total, nil
}

// DeskTickets returns tickets after an id, by id, with their clocks: the
// figures' pass over the rows.
func (s Store) DeskTickets(unit *string, after int64, limit int) ([]epiloop.Ticket, error) {
	q, args := `SELECT `+ticketColumns+ticketFrom+` WHERE t.id > ?`, []any{after}
	if unit != nil {
		q, args = q+` AND t.unit_code = ?`, append(args, *unit)
	}
	rows, err := s.c.Query(q+` ORDER BY t.id LIMIT ?`, append(args, epiloop.PageLimit(limit))...)
	ts, err := collect(rows, err, func(r Rows) (*epiloop.Ticket, error) { return s.scanTicket(r) })
	if err == nil {
		err = s.clocksOf(ts)
	}
	out := make([]epiloop.Ticket, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out, wrap(err, "desk tickets")
}

// AddTicketStep appends a step to a ticket's history.
func (s Store) AddTicketStep(ticketID int64, st *epiloop.TicketStep) error {
	var err error
	st.ID, err = s.insert(`INSERT INTO desk_steps (ticket_id, action, user_id, at, note) VALUES (?, ?, ?, ?, ?)`,
		ticketID, string(st.Action), st.UserID, st.At, s.sealed(st.Note))
	return wrap(s.c.Constraint(err, "err.desk_ticket_not_found", "err.desk_ticket_not_found"), "add ticket step")
}

// FindDueClocks returns running clocks due at now not yet breached.
func (s Store) FindDueClocks(now time.Time, limit int) ([]epiloop.DueClock, error) {
	rows, err := s.c.Query(`SELECT ticket_id, kind FROM desk_clocks
		WHERE met_at IS NULL AND paused_since IS NULL AND breached_at IS NULL AND due_at IS NOT NULL AND due_at <= ?
		ORDER BY due_at LIMIT ?`, now, epiloop.PageLimit(limit))
	out, err := collect(rows, err, func(r Rows) (epiloop.DueClock, error) {
		var d epiloop.DueClock
		var kind string
		err := r.Scan(&d.TicketID, &kind)
		d.Kind = epiloop.ClockKind(kind)
		return d, err
	})
	return out, wrap(err, "find due clocks")
}

const slotColumns = `id, day, window_name, start_time, end_time, capacity, booked`

func scanSlot(r Row) (epiloop.DeskSlot, error) {
	var d epiloop.DeskSlot
	err := r.Scan(&d.ID, &d.Date, &d.Window, &d.Start, &d.End, &d.Capacity, &d.Booked)
	return d, err
}

// SaveDeskSlot creates a slot, or sets the capacity of the slot of that
// date, window and start (never below what is booked).
func (s Store) SaveDeskSlot(d *epiloop.DeskSlot) error {
	var id int64
	var booked int
	err := s.c.QueryRow(`SELECT id, booked FROM desk_slots WHERE day = ? AND window_name = ? AND start_time = ?`,
		d.Date, d.Window, d.Start).Scan(&id, &booked)
	switch {
	case err == nil:
		if d.Capacity < booked {
			return epiloop.FieldError("capacity", "err.desk_slot_below_booked", booked)
		}
		d.ID, d.Booked = id, booked
		_, err = s.c.Exec(`UPDATE desk_slots SET end_time = ?, capacity = ? WHERE id = ?`, d.End, d.Capacity, id)
	case err == ErrNoRows:
		d.ID, err = s.insert(`INSERT INTO desk_slots (day, window_name, start_time, end_time, capacity, booked)
			VALUES (?, ?, ?, ?, ?, 0)`, d.Date, d.Window, d.Start, d.End, d.Capacity)
		d.Booked = 0
	}
	return wrap(s.c.Constraint(err, "err.desk_slot_exists", ""), "save slot")
}

// FindDeskSlotByID returns a slot.
func (s Store) FindDeskSlotByID(id int64) (*epiloop.DeskSlot, error) {
	d, err := scanSlot(s.c.QueryRow(`SELECT `+slotColumns+` FROM desk_slots WHERE id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.desk_slot_not_found"), "find slot")
	}
	return &d, nil
}

// FindDeskSlots returns the slots of from..to.
func (s Store) FindDeskSlots(from, to string) ([]epiloop.DeskSlot, error) {
	rows, err := s.c.Query(`SELECT `+slotColumns+` FROM desk_slots WHERE day >= ? AND day <= ?
		ORDER BY day, window_name, start_time LIMIT 1000`, from, to)
	out, err := collect(rows, err, func(r Rows) (epiloop.DeskSlot, error) { return scanSlot(r) })
	return out, wrap(err, "find slots")
}

// BookDeskSlot takes one place of a slot, in one statement so that two
// bookings of the last place cannot both succeed.
func (s Store) BookDeskSlot(id int64) error {
	n, err := s.c.Exec(`UPDATE desk_slots SET booked = booked + 1 WHERE id = ? AND booked < capacity`, id)
	if err != nil {
		return wrap(err, "book slot")
	}
	if n == 0 {
		if _, err := s.FindDeskSlotByID(id); err != nil {
			return err
		}
		return epiloop.FieldError("slot_id", "err.desk_slot_full")
	}
	return nil
}
