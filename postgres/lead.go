package postgres

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// FindPerson finds a person by the blind index of their ID number, or by
// phone index and name among the persons without one when p has no ID
// number. Several persons may share a phone and name; the first recorded is
// returned.
func (tx *Tx) FindPerson(p *epiloop.Person) (*epiloop.Person, error) {
	var row pgx.Row
	if p.IDNumber != "" {
		row = tx.queryRow(`SELECT id, id_enc, name, phone_enc FROM persons
			WHERE id_key = $1`, tx.db.cipher.Index("id", p.IDNumber))
	} else {
		row = tx.queryRow(`SELECT id, id_enc, name, phone_enc FROM persons
			WHERE phone_key = $1 AND name_key IS NOT DISTINCT FROM $2 AND id_key IS NULL
			ORDER BY id LIMIT 1`, tx.db.cipher.Index("phone", p.Phone), nilBytes(epiloop.NameIndex(tx.db.cipher.Index, p.Name)))
	}
	var (
		out        epiloop.Person
		idE, phone []byte
	)
	if err := row.Scan(&out.ID, &idE, tx.opened(&out.Name), &phone); err != nil {
		return nil, wrap(noRows(err, "err.person_not_found"), "find person")
	}
	if err := tx.openPerson(&out, idE, phone); err != nil {
		return nil, err
	}
	return &out, nil
}

// openPerson decrypts a person's sealed identity.
func (tx *Tx) openPerson(p *epiloop.Person, idSealed, phoneSealed []byte) (err error) {
	if p.IDNumber, err = tx.db.cipher.Open(idSealed); err != nil {
		return fmt.Errorf("open person %d: %w", p.ID, err)
	}
	if p.Phone, err = tx.db.cipher.Open(phoneSealed); err != nil {
		return fmt.Errorf("open person %d: %w", p.ID, err)
	}
	return nil
}

// personValues returns the sealed columns id_key, id_enc, phone_key,
// phone_enc, name, name_key.
func (tx *Tx) personValues(p *epiloop.Person) ([]any, error) {
	c := tx.db.cipher
	idE, err := c.Seal(p.IDNumber)
	if err != nil {
		return nil, err
	}
	phoneE, err := c.Seal(p.Phone)
	if err != nil {
		return nil, err
	}
	return []any{nilBytes(c.Index("id", p.IDNumber)), nilBytes(idE),
		nilBytes(c.Index("phone", p.Phone)), nilBytes(phoneE), tx.sealed(p.Name), nilBytes(epiloop.NameIndex(c.Index, p.Name))}, nil
}

// CreatePerson inserts p and sets its ID. An ID number already recorded is
// ECONFLICT.
func (tx *Tx) CreatePerson(p *epiloop.Person) error {
	vals, err := tx.personValues(p)
	if err != nil {
		return wrap(err, "create person")
	}
	err = tx.queryRow(`INSERT INTO persons (id_key, id_enc, phone_key, phone_enc, name, name_key)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, vals...).Scan(&p.ID)
	return wrap(constraintError(err, "err.person_with_this_id_number", ""), "create person")
}

// UpdatePerson writes the person's identity.
func (tx *Tx) UpdatePerson(p *epiloop.Person) error {
	vals, err := tx.personValues(p)
	if err != nil {
		return wrap(err, "update person")
	}
	err = tx.execOne("err.person_not_found", `UPDATE persons SET id_key = $1, id_enc = $2, phone_key = $3,
			phone_enc = $4, name = $5, name_key = $6
		WHERE id = $7`, append(vals, p.ID)...)
	return wrap(constraintError(err, "err.person_with_this_id_number", ""), "update person")
}

const leadColumns = `l.id, l.status, l.priority, l.address, l.community_code, l.district_code,
	l.reason, l.outcome, l.conflict, l.round, l.overdue, l.created_at, l.updated_at, l.closed_at,
	p.id, p.id_enc, p.name, p.phone_enc, l.marks`

const leadFrom = ` FROM leads l JOIN persons p ON p.id = l.person_id`

func (tx *Tx) scanLead(s scanner) (*epiloop.Lead, error) {
	var (
		l                         epiloop.Lead
		reason, outcome           epiloop.JSONColumn
		conflict, marks           []byte
		created, updated, closedT pgtype.Timestamptz
		idSealed, phoneSealed     []byte
	)
	if err := s.Scan(&l.ID, &l.Status, &l.Priority, tx.opened(&l.Address), &l.CommunityCode, &l.DistrictCode,
		tx.openedJSON(&reason), tx.openedJSON(&outcome), &conflict, &l.Round, &l.Overdue, &created, &updated, &closedT,
		&l.Person.ID, &idSealed, tx.opened(&l.Person.Name), &phoneSealed, &marks); err != nil {
		return nil, err
	}
	if marks != nil {
		if err := json.Unmarshal(marks, &l.Marks); err != nil {
			return nil, err
		}
	}
	if err := tx.openPerson(&l.Person, idSealed, phoneSealed); err != nil {
		return nil, err
	}
	if _, err := reason.Decode(&l.Reason); err != nil {
		return nil, err
	}
	var err error
	if l.Outcome, err = feedbackOf(outcome); err != nil {
		return nil, err
	}
	if conflict != nil {
		if err := json.Unmarshal(conflict, &l.Conflict); err != nil {
			return nil, err
		}
	}
	l.CreatedAt, l.UpdatedAt, l.ClosedAt = timeOf(created), timeOf(updated), timePtrOf(closedT)
	return &l, nil
}

// leadValues returns the lead's own mutable columns in the order status,
// priority, address, community_code, district_code, reason, outcome,
// conflict, round, overdue, updated_at, closed_at, marks.
func (tx *Tx) leadValues(l *epiloop.Lead) ([]any, error) {
	reason, err := tx.sealedJSON(l.Reason)
	if err != nil {
		return nil, err
	}
	outcome, err := tx.sealedFeedback(l.Outcome)
	if err != nil {
		return nil, err
	}
	var conflict []byte
	if len(l.Conflict) > 0 {
		if conflict, err = json.Marshal(l.Conflict); err != nil {
			return nil, err
		}
	}
	var marks []byte
	if len(l.Marks) > 0 {
		if marks, err = json.Marshal(l.Marks); err != nil {
			return nil, err
		}
	}
	return []any{string(l.Status), string(l.Priority), tx.sealed(l.Address), l.CommunityCode, l.DistrictCode,
		reason, outcome, conflict, l.Round, l.Overdue, ts(l.UpdatedAt), tsPtr(l.ClosedAt), marks}, nil
}

// CreateLead inserts the lead's own fields (not its tasks or sources) for
// l.Person, which must exist, and sets l.ID. A second open lead for the
// person is ECONFLICT.
func (tx *Tx) CreateLead(l *epiloop.Lead) error {
	vals, err := tx.leadValues(l)
	if err != nil {
		return wrap(err, "create lead")
	}
	err = tx.queryRow(`INSERT INTO leads (status, priority, address, community_code, district_code,
			reason, outcome, conflict, round, overdue, updated_at, closed_at, marks, person_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		append(vals, l.Person.ID, ts(l.CreatedAt))...).Scan(&l.ID)
	return wrap(constraintError(err, "err.person_already_has_open_lead", "err.person_not_found"), "create lead")
}

// UpdateLead writes the lead's own fields (not its person, tasks or
// sources). Reopening a lead of a person who has another open lead is
// ECONFLICT.
func (tx *Tx) UpdateLead(l *epiloop.Lead) error {
	vals, err := tx.leadValues(l)
	if err != nil {
		return wrap(err, "update lead")
	}
	check := oneRow("err.lead_not_found")
	tx.deferWrite(func(tag pgconn.CommandTag, err error) error {
		return wrap(constraintError(check(tag, err), "err.person_already_has_open_lead", ""), "update lead")
	}, `UPDATE leads SET status = $1, priority = $2, address = $3,
			community_code = $4, district_code = $5, reason = $6, outcome = $7, conflict = $8, round = $9,
			overdue = $10, updated_at = $11, closed_at = $12, marks = $13
		WHERE id = $14`, append(vals, l.ID)...)
	return nil
}

// forUpdate locks the lead row (not its person's) until the transaction
// ends: a second transaction locking the same lead waits here, then reads
// the row as the first committed it.
func forUpdate(lock bool) string {
	if lock {
		return ` FOR UPDATE OF l`
	}
	return ``
}

// FindLeadByID loads a lead with its person, tasks and sources; with lock
// the lead row is locked for update until the transaction ends, the
// sources are left out (no workflow changes them), and the tasks are read
// after the lock is granted (READ COMMITTED:
// each statement sees what committed before it began).
func (tx *Tx) FindLeadByID(id int64, lock bool) (*epiloop.Lead, error) {
	return tx.findLead(`l.id = $1`, id, lock, "err.lead_not_found", "find lead")
}

// FindLeadByTaskID loads the lead of a task as FindLeadByID does, in one
// statement with the task's lookup.
func (tx *Tx) FindLeadByTaskID(taskID int64, lock bool) (*epiloop.Lead, error) {
	return tx.findLead(`l.id = (SELECT lead_id FROM tasks WHERE id = $1)`, taskID, lock, "err.task_not_found", "find lead of task")
}

// findLead loads the one lead where selects, with its tasks (and its
// sources unless lock), as FindLeadByID describes.
//
// The lead and its tasks travel in one round trip (with the writes the
// transaction kept): the statements of a batch run one after the other,
// so the tasks are read once the lead's lock is granted, as READ
// COMMITTED needs.
func (tx *Tx) findLead(where string, arg int64, lock bool, missing, op string) (*epiloop.Lead, error) {
	b := &pgx.Batch{}
	reads := tx.queueWrites(b)
	var (
		l     *epiloop.Lead
		tasks []*epiloop.Task
	)
	b.Queue(`SELECT `+leadColumns+leadFrom+` WHERE `+where+forUpdate(lock), arg)
	reads = append(reads, func(br pgx.BatchResults) error {
		var err error
		l, err = tx.scanLead(br.QueryRow())
		return noRows(err, missing)
	})
	b.Queue(`SELECT `+taskColumns+taskFrom+` WHERE t.lead_id = (SELECT l.id FROM leads l WHERE `+where+`) ORDER BY t.id`, arg)
	reads = append(reads, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err == nil {
			tasks, err = tx.collectTasks(rows)
		}
		return err
	})
	if err := tx.sendBatch(b, reads); err != nil {
		return nil, wrap(err, op)
	}
	l.Tasks = tasks
	if !lock {
		var err error
		if l.Sources, err = tx.findSources(l.ID); err != nil {
			return nil, wrap(err, op)
		}
	}
	return l, nil
}

// FindOpenLeadByPerson loads the person's open lead like FindLeadByID. A
// lead closed by a transaction this one waited for is no longer open: the
// row is re-checked once the lock is granted.
func (tx *Tx) FindOpenLeadByPerson(personID int64, lock bool) (*epiloop.Lead, error) {
	// The literal status list lets the planner use the partial unique index.
	l, err := tx.scanLead(tx.queryRow(`SELECT `+leadColumns+leadFrom+`
		WHERE l.person_id = $1 AND `+openLead+forUpdate(lock), personID))
	if err != nil {
		return nil, wrap(noRows(err, "err.lead_not_found"), "find open lead")
	}
	return l, wrap(tx.loadLead(l, !lock), "find open lead")
}

// loadLead loads a lead's tasks, and its sources if asked.
func (tx *Tx) loadLead(l *epiloop.Lead, sources bool) error {
	tasks, err := tx.findTasksOfLeads([]int64{l.ID})
	if err != nil {
		return err
	}
	l.Tasks = tasks[l.ID]
	if sources {
		l.Sources, err = tx.findSources(l.ID)
	}
	return err
}

// FindLeads returns one page of the leads f selects, newest first, with
// their persons and tasks but not their sources, and the total.
func (tx *Tx) FindLeads(f epiloop.LeadFilter) ([]*epiloop.Lead, int, error) {
	where, a := tx.leadWhere(f)
	total, offset := -1, max(f.Offset, 0)
	if f.Total != nil {
		total = *f.Total
	}
	if !byIDs(f) && !f.NoCount {
		if total < 0 {
			var err error
			if total, err = tx.countRows(false, "leads l", where, a...); err != nil {
				return nil, 0, err
			}
		}
		if offset >= total {
			return nil, total, nil
		}
	}
	q := `SELECT ` + leadColumns + leadFrom + ` WHERE ` + where + ` ORDER BY l.id DESC LIMIT ` +
		a.add(epiloop.PageLimit(f.Limit)) + ` OFFSET ` + a.add(offset)
	rows, err := tx.query(q, a...)
	if err != nil {
		return nil, 0, wrap(err, "find leads")
	}
	leads, err := collect(rows, func(r pgx.CollectableRow) (*epiloop.Lead, error) { return tx.scanLead(r) })
	if err != nil {
		return nil, 0, wrap(err, "find leads")
	}
	if total < 0 {
		total = len(leads)
	}
	if f.NoTasks {
		return leads, total, nil
	}
	ids := make([]int64, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	tasks, err := tx.findTasksOfLeads(ids)
	if err != nil {
		return nil, 0, wrap(err, "find leads")
	}
	for _, l := range leads {
		l.Tasks = tasks[l.ID]
	}
	return leads, total, nil
}

// byIDs reports whether f selects a few leads by ID, all on its one page:
// their total is the number found, with no COUNT.
func byIDs(f epiloop.LeadFilter) bool {
	return f.IDs != nil && f.Offset <= 0 && epiloop.PageLimit(f.Limit) >= len(f.IDs)
}

// leadWhere builds the WHERE clause of a lead filter. The scope comes
// first and is never empty: a zero scope selects nothing. A unit sees the
// leads epiloop.UnitLeadSQL grants it.
func (tx *Tx) leadWhere(f epiloop.LeadFilter) (string, args) {
	var (
		conds []string
		a     args
	)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "l.district_code", "", a.add, func(unit string) string {
		return epiloop.UnitLeadSQL(a.add(unit), a.add(unit), a.add(ts(epiloop.UnitGraceStart(f.Now))))
	}))
	if f.Status != nil {
		conds = append(conds, "l.status = "+a.add(string(*f.Status)))
	}
	if f.Priority != nil {
		conds = append(conds, "l.priority = "+a.add(string(*f.Priority)))
	}
	if f.District != nil {
		conds = append(conds, "l.district_code = "+a.add(*f.District))
	}
	if f.Overdue != nil {
		// Literals, so that the overdue list uses the partial index.
		if *f.Overdue {
			conds = append(conds, "l.overdue")
		} else {
			conds = append(conds, "NOT l.overdue")
		}
	}
	if f.Community != nil {
		conds = append(conds, "l.community_code = "+a.add(*f.Community))
	}
	if f.Before > 0 {
		conds = append(conds, "l.id < "+a.add(f.Before))
	}
	if f.IDs != nil {
		conds = append(conds, "l.id = ANY("+a.add(f.IDs)+")")
	}
	if k := f.Person; k != nil {
		// Through the index of each kind (migration 0011).
		column, ok := map[string]string{epiloop.SearchIDNumber: "id_key", epiloop.SearchPhone: "phone_key", epiloop.SearchName: "name_key"}[k.Kind]
		if !ok {
			conds = append(conds, "false")
		} else {
			conds = append(conds, "l.person_id IN (SELECT id FROM persons WHERE "+column+" = "+a.add(k.Index(tx.db.cipher.Index))+")")
		}
	}
	return strings.Join(conds, " AND "), a
}

// AddSource records one more source of a lead and sets s.ID.
func (tx *Tx) AddSource(leadID int64, s *epiloop.Source) error {
	reason, err := tx.sealedJSON(s.Reason)
	if err != nil {
		return wrap(err, "add source")
	}
	err = tx.queryRow(`INSERT INTO sources (lead_id, kind, ref, file, file_row, reason, address, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		leadID, string(s.Kind), tx.sealed(s.Ref), s.File, s.Row, reason, tx.sealed(s.Address), ts(s.CreatedAt)).Scan(&s.ID)
	return wrap(constraintError(err, "err.source_already_exists", "err.lead_not_found"), "add source")
}

func (tx *Tx) findSources(leadID int64) ([]*epiloop.Source, error) {
	rows, err := tx.query(`SELECT id, kind, ref, file, file_row, reason, address, created_at
		FROM sources WHERE lead_id = $1 ORDER BY id`, leadID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r pgx.CollectableRow) (*epiloop.Source, error) {
		var (
			s       epiloop.Source
			reason  epiloop.JSONColumn
			created pgtype.Timestamptz
		)
		if err := r.Scan(&s.ID, &s.Kind, tx.opened(&s.Ref), &s.File, &s.Row, tx.openedJSON(&reason), tx.opened(&s.Address), &created); err != nil {
			return nil, err
		}
		if _, err := reason.Decode(&s.Reason); err != nil {
			return nil, err
		}
		s.CreatedAt = timeOf(created)
		return &s, nil
	})
}
