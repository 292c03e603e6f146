package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
)

// FindPerson finds a person by the blind index of their ID number, or by
// phone index and name among the persons without one when p has no ID
// number. Several persons may share a phone and name; the first recorded is
// returned.
func (tx *Tx) FindPerson(p *epiloop.Person) (*epiloop.Person, error) {
	var row *sql.Row
	if p.IDNumber != "" {
		row = tx.queryRow(`SELECT id, id_enc, name, phone_enc FROM persons
			WHERE id = coalesce((SELECT person_id FROM person_ids WHERE id_key = ?1),
				(SELECT person_id FROM person_ids_new WHERE id_key = ?1))`, tx.cipher.Index("id", p.IDNumber))
	} else {
		row = tx.queryRow(`SELECT id, id_enc, name, phone_enc FROM persons
			WHERE phone_key = ? AND name_key IS ? AND id_key IS NULL
			ORDER BY id LIMIT 1`, tx.index("phone", p.Phone), nilBytes(epiloop.NameIndex(tx.index, p.Name)))
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
	if p.IDNumber, err = tx.cipher.Open(idSealed); err != nil {
		return fmt.Errorf("open person %d: %w", p.ID, err)
	}
	if p.Phone, err = tx.cipher.Open(phoneSealed); err != nil {
		return fmt.Errorf("open person %d: %w", p.ID, err)
	}
	return nil
}

// personValues returns the sealed columns id_key, id_enc, phone_key,
// phone_enc, name, name_key.
func (tx *Tx) personValues(p *epiloop.Person) ([]any, error) {
	idE, err := tx.cipher.Seal(p.IDNumber)
	if err != nil {
		return nil, err
	}
	phoneE, err := tx.cipher.Seal(p.Phone)
	if err != nil {
		return nil, err
	}
	return []any{nilBytes(tx.index("id", p.IDNumber)), nilBytes(idE),
		nilBytes(tx.index("phone", p.Phone)), nilBytes(phoneE), tx.sealed(p.Name), nilBytes(epiloop.NameIndex(tx.index, p.Name))}, nil
}

// nilBytes stores an empty value as NULL.
func nilBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreatePerson inserts p and sets its ID. An ID number already recorded is
// ECONFLICT.
func (tx *Tx) CreatePerson(p *epiloop.Person) error {
	vals, err := tx.personValues(p)
	if err != nil {
		return wrap(err, "create person")
	}
	res, err := tx.exec(`INSERT INTO persons (id_key, id_enc, phone_key, phone_enc, name, name_key) VALUES (?, ?, ?, ?, ?, ?)`, vals...)
	if err != nil {
		return wrap(err, "create person")
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return wrap(err, "create person")
	}
	return wrap(tx.keyPerson(tx.index("id", p.IDNumber), p.ID), "create person")
}

// personExists is the conflict of a second person with an ID number
// already recorded.
const personExists = "err.person_with_this_id_number"

// keyPerson adds a person's ID number's blind index to person_ids (none
// for a person without one). A key already in either table is ECONFLICT.
func (tx *Tx) keyPerson(key []byte, personID int64) error {
	if len(key) == 0 {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM person_ids_new WHERE id_key = ?`, key).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return epiloop.Errorf(epiloop.ECONFLICT, personExists)
	}
	_, err := tx.exec(`INSERT INTO person_ids (id_key, person_id) VALUES (?, ?)`, key, personID)
	return constraintError(err, personExists, "")
}

// UpdatePerson writes the person's identity; a changed ID number moves its
// blind index.
func (tx *Tx) UpdatePerson(p *epiloop.Person) error {
	vals, err := tx.personValues(p)
	if err != nil {
		return wrap(err, "update person")
	}
	var was []byte
	if err := tx.queryRow(`SELECT id_key FROM persons WHERE id = ?`, p.ID).Scan(&was); err != nil {
		return wrap(noRows(err, "err.person_not_found"), "update person")
	}
	if now := tx.index("id", p.IDNumber); !bytes.Equal(was, now) {
		if len(was) > 0 {
			if _, err := tx.exec(`DELETE FROM person_ids WHERE id_key = ?`, was); err != nil {
				return wrap(err, "update person")
			}
			if _, err := tx.exec(`DELETE FROM person_ids_new WHERE id_key = ?`, was); err != nil {
				return wrap(err, "update person")
			}
		}
		if err := tx.keyPerson(now, p.ID); err != nil {
			return wrap(err, "update person")
		}
	}
	err = tx.execOne("err.person_not_found", `UPDATE persons SET id_key = ?, id_enc = ?, phone_key = ?, phone_enc = ?, name = ?, name_key = ? WHERE id = ?`,
		append(vals, p.ID)...)
	return wrap(err, "update person")
}

const leadColumns = `l.id, l.status, l.priority, l.address, l.community_code, l.district_code,
	l.reason, l.outcome, l.conflict, l.round, l.overdue, l.created_at, l.updated_at, l.closed_at,
	p.id, p.id_enc, p.name, p.phone_enc, l.marks`

const leadFrom = ` FROM leads l JOIN persons p ON p.id = l.person_id`

func (tx *Tx) scanLead(s scanner) (*epiloop.Lead, error) {
	var (
		l                         epiloop.Lead
		reason, outcome           epiloop.JSONColumn
		conflict, marks           sql.NullString
		created, updated, closedT sql.NullInt64
		idSealed, phoneSealed     []byte
	)
	if err := s.Scan(&l.ID, &l.Status, &l.Priority, tx.opened(&l.Address), &l.CommunityCode, &l.DistrictCode,
		tx.openedJSON(&reason), tx.openedJSON(&outcome), &conflict, &l.Round, &l.Overdue, &created, &updated, &closedT,
		&l.Person.ID, &idSealed, tx.opened(&l.Person.Name), &phoneSealed, &marks); err != nil {
		return nil, err
	}
	if marks.Valid {
		if err := json.Unmarshal([]byte(marks.String), &l.Marks); err != nil {
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
	if conflict.Valid {
		if err := json.Unmarshal([]byte(conflict.String), &l.Conflict); err != nil {
			return nil, err
		}
	}
	l.CreatedAt, l.UpdatedAt, l.ClosedAt = timeOf(created), timeOf(updated), timePtrOf(closedT)
	return &l, nil
}

// leadColumnNames are the columns of leadValues.
var leadColumnNames = []string{"status", "priority", "address", "community_code", "district_code",
	"reason", "outcome", "conflict", "round", "overdue", "updated_at", "closed_at", "marks"}

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
	var conflict any
	if len(l.Conflict) > 0 {
		if conflict, err = jsonText(l.Conflict); err != nil {
			return nil, err
		}
	}
	var marks any
	if len(l.Marks) > 0 {
		if marks, err = jsonText(l.Marks); err != nil {
			return nil, err
		}
	}
	return []any{string(l.Status), string(l.Priority), tx.sealed(l.Address), l.CommunityCode, l.DistrictCode,
		reason, outcome, conflict, l.Round, l.Overdue, millis(l.UpdatedAt), millisPtr(l.ClosedAt), marks}, nil
}

// CreateLead inserts the lead's own fields (not its tasks or sources) for
// l.Person, which must exist, and sets l.ID. A second open lead for the
// person is ECONFLICT.
func (tx *Tx) CreateLead(l *epiloop.Lead) error {
	vals, err := tx.leadValues(l)
	if err != nil {
		return wrap(err, "create lead")
	}
	res, err := tx.exec(`INSERT INTO leads (status, priority, address, community_code, district_code,
			reason, outcome, conflict, round, overdue, updated_at, closed_at, marks, person_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(vals, l.Person.ID, millis(l.CreatedAt))...)
	if err != nil {
		return wrap(constraintError(err, "err.person_already_has_open_lead", "err.person_not_found"), "create lead")
	}
	l.ID, err = res.LastInsertId()
	return wrap(err, "create lead")
}

// UpdateLead writes the lead's own fields (not its person, tasks or
// sources). Reopening a lead of a person who has another open lead is
// ECONFLICT.
func (tx *Tx) UpdateLead(l *epiloop.Lead) error {
	vals, err := tx.leadValues(l)
	if err != nil {
		return wrap(err, "update lead")
	}
	err = tx.updateRow("err.lead_not_found", "leads", leadColumnNames, l.ID, vals)
	return wrap(constraintError(err, "err.person_already_has_open_lead", ""), "update lead")
}

// FindLeadByID loads a lead with its person, tasks and sources — without
// its sources when locked for update (no workflow changes them). Locking
// itself is not needed on SQLite: a write transaction holds the database's one write
// lock (BEGIN IMMEDIATE) from its start, so nothing can change the lead
// until it ends.
func (tx *Tx) FindLeadByID(id int64, lock bool) (*epiloop.Lead, error) {
	return tx.findLead(`l.id = ?`, id, lock, "err.lead_not_found", "find lead")
}

// FindLeadByTaskID loads the lead of a task as FindLeadByID does, in one
// statement with the task's lookup.
func (tx *Tx) FindLeadByTaskID(taskID int64, lock bool) (*epiloop.Lead, error) {
	return tx.findLead(`l.id = (SELECT lead_id FROM tasks WHERE id = ?)`, taskID, lock, "err.task_not_found", "find lead of task")
}

// findLead loads the one lead where selects, with its tasks (and its
// sources unless lock), as FindLeadByID describes.
func (tx *Tx) findLead(where string, arg int64, lock bool, missing, op string) (*epiloop.Lead, error) {
	l, err := tx.scanLead(tx.queryRow(`SELECT `+leadColumns+leadFrom+` WHERE `+where, arg))
	if err != nil {
		return nil, wrap(noRows(err, missing), op)
	}
	return l, wrap(tx.loadLead(l, !lock), op)
}

// FindOpenLeadByPerson loads the person's open lead like FindLeadByID.
func (tx *Tx) FindOpenLeadByPerson(personID int64, lock bool) (*epiloop.Lead, error) {
	// The literal status list lets SQLite use the partial unique index.
	l, err := tx.scanLead(tx.queryRow(`SELECT `+leadColumns+leadFrom+`
		WHERE l.person_id = ? AND `+openLead, personID))
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
		if l.Sources, err = tx.findSources(l.ID); err != nil {
			return err
		}
	}
	return tx.remember(l)
}

// remember records, in a write transaction, the columns of a lead and its
// tasks as loaded.
func (tx *Tx) remember(l *epiloop.Lead) error {
	if tx.images == nil {
		return nil
	}
	vals, err := tx.leadValues(l)
	if err != nil {
		return err
	}
	tx.images.leads[l.ID] = vals
	for _, t := range l.Tasks {
		if tx.images.tasks[t.ID], err = tx.taskValues(t); err != nil {
			return err
		}
	}
	return nil
}

// FindLeads returns one page of the leads f selects, newest first, with
// their persons and tasks but not their sources, and the total.
func (tx *Tx) FindLeads(f epiloop.LeadFilter) ([]*epiloop.Lead, int, error) {
	where, args := tx.leadWhere(f)
	total, offset := -1, max(f.Offset, 0)
	if f.Total != nil {
		total = *f.Total
	}
	if !byIDs(f) && !f.NoCount {
		if total < 0 {
			var err error
			if total, err = tx.countRows(false, "leads l", where, args...); err != nil {
				return nil, 0, err
			}
		}
		if offset >= total {
			return nil, total, nil
		}
	}
	rows, err := tx.query(`SELECT `+leadColumns+leadFrom+` WHERE `+where+` ORDER BY l.id DESC LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find leads")
	}
	defer rows.Close()
	var (
		leads []*epiloop.Lead
		ids   []int64
	)
	for rows.Next() {
		l, err := tx.scanLead(rows)
		if err != nil {
			return nil, 0, wrap(err, "find leads")
		}
		leads = append(leads, l)
		ids = append(ids, l.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err, "find leads")
	}
	if total < 0 {
		total = len(leads)
	}
	if f.NoTasks {
		return leads, total, nil
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

// personSearchSQL selects the leads of the persons with a blind index (one
// parameter), through the index of each kind (migration 0012).
var personSearchSQL = map[string]string{
	epiloop.SearchIDNumber: `l.person_id IN (SELECT person_id FROM person_ids WHERE id_key = ?
		UNION ALL SELECT person_id FROM person_ids_new WHERE id_key = ?)`,
	epiloop.SearchPhone: `l.person_id IN (SELECT id FROM persons WHERE phone_key = ?)`,
	epiloop.SearchName:  `l.person_id IN (SELECT id FROM persons WHERE name_key = ?)`,
}

// leadWhere builds the WHERE clause of a lead filter. The scope comes
// first and is never empty: a zero scope selects nothing. A unit sees the
// leads epiloop.UnitLeadSQL grants it.
func (tx *Tx) leadWhere(f epiloop.LeadFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	bind := binder(&args)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "l.district_code", "", bind, func(unit string) string {
		return epiloop.UnitLeadSQL(bind(unit), bind(unit), bind(millis(epiloop.UnitGraceStart(f.Now))))
	}))
	if f.Status != nil {
		conds = append(conds, "l.status = ?")
		args = append(args, string(*f.Status))
	}
	if f.Priority != nil {
		conds = append(conds, "l.priority = ?")
		args = append(args, string(*f.Priority))
	}
	if f.District != nil {
		conds = append(conds, "l.district_code = ?")
		args = append(args, *f.District)
	}
	if f.Overdue != nil {
		// Literals, so that overdue = 1 uses the partial index.
		if *f.Overdue {
			conds = append(conds, "l.overdue = 1")
		} else {
			conds = append(conds, "l.overdue = 0")
		}
	}
	if f.Community != nil {
		conds = append(conds, "l.community_code = ?")
		args = append(args, *f.Community)
	}
	if f.Before > 0 {
		conds = append(conds, "l.id < ?")
		args = append(args, f.Before)
	}
	if f.IDs != nil {
		ids, _ := json.Marshal(f.IDs)
		conds = append(conds, "l.id IN (SELECT value FROM json_each(?))")
		args = append(args, string(ids))
	}
	if k := f.Person; k != nil {
		cond, ok := personSearchSQL[k.Kind]
		if !ok {
			cond = "false"
		}
		conds = append(conds, cond)
		for range strings.Count(cond, "?") {
			args = append(args, k.Index(tx.index))
		}
	}
	return strings.Join(conds, " AND "), args
}

// AddSource records one more source of a lead and sets s.ID.
func (tx *Tx) AddSource(leadID int64, s *epiloop.Source) error {
	reason, err := tx.sealedJSON(s.Reason)
	if err != nil {
		return wrap(err, "add source")
	}
	res, err := tx.exec(`INSERT INTO sources (lead_id, kind, ref, file, file_row, reason, address, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		leadID, string(s.Kind), tx.sealed(s.Ref), s.File, s.Row, reason, tx.sealed(s.Address), millis(s.CreatedAt))
	if err != nil {
		return wrap(constraintError(err, "err.source_already_exists", "err.lead_not_found"), "add source")
	}
	s.ID, err = res.LastInsertId()
	return wrap(err, "add source")
}

func (tx *Tx) findSources(leadID int64) ([]*epiloop.Source, error) {
	rows, err := tx.query(`SELECT id, kind, ref, file, file_row, reason, address, created_at
		FROM sources WHERE lead_id = ? ORDER BY id`, leadID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*epiloop.Source
	for rows.Next() {
		var (
			s       epiloop.Source
			reason  epiloop.JSONColumn
			created sql.NullInt64
		)
		if err := rows.Scan(&s.ID, &s.Kind, tx.opened(&s.Ref), &s.File, &s.Row, tx.openedJSON(&reason), tx.opened(&s.Address), &created); err != nil {
			return nil, err
		}
		if _, err := reason.Decode(&s.Reason); err != nil {
			return nil, err
		}
		s.CreatedAt = timeOf(created)
		out = append(out, &s)
	}
	return out, rows.Err()
}
