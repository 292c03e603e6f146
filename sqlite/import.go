package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

const importColumns = `id, fingerprint, name, source, ref, status, format, encoding, headers, next_row, counts, error,
	created_by, created_at, updated_at`

func scanImport(s scanner) (*epiloop.Import, error) {
	var (
		im               epiloop.Import
		counts, headers  string
		created, updated sql.NullInt64
	)
	if err := s.Scan(&im.ID, &im.Fingerprint, &im.Name, &im.Source, &im.Ref, &im.Status, &im.Format, &im.Encoding,
		&headers, &im.NextRow, &counts, &im.Error, &im.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &im.Headers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(counts), &im.Counts); err != nil {
		return nil, err
	}
	im.CreatedAt, im.UpdatedAt = timeOf(created), timeOf(updated)
	return &im, nil
}

// CreateImport inserts an import; a fingerprint already recorded is
// ECONFLICT.
func (tx *Tx) CreateImport(im *epiloop.Import) error {
	counts, err := jsonText(im.Counts)
	if err != nil {
		return wrap(err, "create import")
	}
	headers := "[]"
	if len(im.Headers) > 0 {
		if headers, err = jsonText(im.Headers); err != nil {
			return wrap(err, "create import")
		}
	}
	res, err := tx.exec(`INSERT INTO imports (fingerprint, name, source, ref, status, format, encoding, headers, next_row,
			counts, error, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.Fingerprint, im.Name, string(im.Source), im.Ref, im.Status, im.Format, im.Encoding, headers, im.NextRow,
		counts, im.Error, im.CreatedBy, millis(im.CreatedAt), millis(im.UpdatedAt))
	if err != nil {
		return wrap(constraintError(err, "err.this_file_was_imported_already", ""), "create import")
	}
	im.ID, err = res.LastInsertId()
	return wrap(err, "create import")
}

// UpdateImport writes an import's progress.
func (tx *Tx) UpdateImport(im *epiloop.Import) error {
	counts, err := jsonText(im.Counts)
	if err != nil {
		return wrap(err, "update import")
	}
	return wrap(tx.execOne("err.import_not_found", `UPDATE imports SET status = ?, format = ?, encoding = ?, next_row = ?,
			counts = ?, error = ?, updated_at = ? WHERE id = ?`,
		im.Status, im.Format, im.Encoding, im.NextRow, counts, im.Error, millis(im.UpdatedAt), im.ID), "update import")
}

// FindImportByID returns one import. lock needs nothing here: the write
// transaction already holds the database's write lock.
func (tx *Tx) FindImportByID(id int64, lock bool) (*epiloop.Import, error) {
	im, err := scanImport(tx.queryRow(`SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
	return im, wrap(noRows(err, "err.import_not_found"), "find import")
}

// FindImportByFingerprint returns the import of a file's content.
func (tx *Tx) FindImportByFingerprint(fp string) (*epiloop.Import, error) {
	im, err := scanImport(tx.queryRow(`SELECT `+importColumns+` FROM imports WHERE fingerprint = ?`, fp))
	return im, wrap(noRows(err, "err.import_not_found"), "find import")
}

// AddImportRejects stores rejected rows.
func (tx *Tx) AddImportRejects(importID int64, rs []epiloop.ImportReject) error {
	if len(rs) == 0 {
		return nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, `INSERT INTO import_rejects (import_id, row, cells, code, col, message) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return wrap(err, "add rejects")
	}
	defer st.Close()
	for _, r := range rs {
		cells, err := tx.sealedJSON(r.Cells)
		if err != nil {
			return wrap(err, "add rejects")
		}
		if _, err := st.ExecContext(tx.ctx, importID, r.Row, cells, r.Code, r.Column, r.Message); err != nil {
			return wrap(constraintError(err, "err.reject_already_recorded", "err.import_not_found"), "add rejects")
		}
	}
	return nil
}

// FindImportRejects returns rejected rows after afterRow in row order.
func (tx *Tx) FindImportRejects(importID int64, afterRow int, limit int) ([]epiloop.ImportReject, error) {
	rows, err := tx.query(`SELECT row, cells, code, col, message FROM import_rejects
		WHERE import_id = ? AND row > ? ORDER BY row LIMIT ?`, importID, afterRow, limit)
	if err != nil {
		return nil, wrap(err, "find rejects")
	}
	defer rows.Close()
	var out []epiloop.ImportReject
	for rows.Next() {
		var (
			r     epiloop.ImportReject
			cells epiloop.JSONColumn
		)
		if err := rows.Scan(&r.Row, tx.openedJSON(&cells), &r.Code, &r.Column, &r.Message); err != nil {
			return nil, wrap(err, "find rejects")
		}
		if _, err := cells.Decode(&r.Cells); err != nil {
			return nil, wrap(err, "find rejects")
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "find rejects")
}

// AddImportWarnings stores accepted rows' warnings.
func (tx *Tx) AddImportWarnings(importID int64, ws []epiloop.ImportWarning) error {
	if len(ws) == 0 {
		return nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, `INSERT INTO import_warnings (import_id, row, seq, cells, code, col, message) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return wrap(err, "add warnings")
	}
	defer st.Close()
	for _, w := range ws {
		cells, err := tx.sealedJSON(w.Cells)
		if err != nil {
			return wrap(err, "add warnings")
		}
		if _, err := st.ExecContext(tx.ctx, importID, w.Row, w.Seq, cells, w.Code, w.Column, w.Message); err != nil {
			return wrap(constraintError(err, "err.row_already_exists", "err.import_not_found"), "add warnings")
		}
	}
	return nil
}

// FindImportWarnings returns warnings after (afterRow, afterSeq) in row
// and seq order.
func (tx *Tx) FindImportWarnings(importID int64, afterRow, afterSeq int, limit int) ([]epiloop.ImportWarning, error) {
	rows, err := tx.query(`SELECT row, seq, cells, code, col, message FROM import_warnings
		WHERE import_id = ? AND (row, seq) > (?, ?) ORDER BY row, seq LIMIT ?`, importID, afterRow, afterSeq, limit)
	if err != nil {
		return nil, wrap(err, "find warnings")
	}
	defer rows.Close()
	var out []epiloop.ImportWarning
	for rows.Next() {
		var (
			w     epiloop.ImportWarning
			cells epiloop.JSONColumn
		)
		if err := rows.Scan(&w.Row, &w.Seq, tx.openedJSON(&cells), &w.Code, &w.Column, &w.Message); err != nil {
			return nil, wrap(err, "find warnings")
		}
		if _, err := cells.Decode(&w.Cells); err != nil {
			return nil, wrap(err, "find warnings")
		}
		out = append(out, w)
	}
	return out, wrap(rows.Err(), "find warnings")
}

// PurgeImportWarnings deletes the warnings of imports that ended before
// cutoff, as PurgeImportRejects deletes their rejects.
func (tx *Tx) PurgeImportWarnings(cutoff time.Time) (int, error) {
	res, err := tx.exec(`DELETE FROM import_warnings WHERE import_id IN
		(SELECT id FROM imports WHERE status <> ? AND updated_at < ?)`, epiloop.ImportRunning, millis(cutoff))
	if err != nil {
		return 0, wrap(err, "purge warnings")
	}
	n, err := res.RowsAffected()
	return int(n), wrap(err, "purge warnings")
}

// MatchPersons looks the identities up by blind index, a chunk at a time
// in one query each, with each person's open lead (its district and its
// tasks' units).
func (tx *Tx) MatchPersons(ps []epiloop.Person) ([]epiloop.ImportMatch, error) {
	out := make([]epiloop.ImportMatch, len(ps))
	byID := map[string][]int{}    // hex blind index → inputs
	byPhone := map[string][]int{} // hex blind index + name → inputs
	var idKeys, phoneKeys []string
	for i := range ps {
		if ps[i].IDNumber != "" {
			k := hex.EncodeToString(tx.index("id", ps[i].IDNumber))
			if byID[k] == nil {
				idKeys = append(idKeys, k)
			}
			byID[k] = append(byID[k], i)
		} else {
			k := hex.EncodeToString(tx.index("phone", ps[i].Phone))
			nk := k + "\x00" + hex.EncodeToString(epiloop.NameIndex(tx.index, ps[i].Name))
			if byPhone[nk] == nil {
				phoneKeys = append(phoneKeys, k)
			}
			byPhone[nk] = append(byPhone[nk], i)
		}
	}
	const chunk = 5000
	for lo := 0; lo < len(idKeys); lo += chunk {
		keys, err := json.Marshal(idKeys[lo:min(lo+chunk, len(idKeys))])
		if err != nil {
			return nil, err
		}
		err = tx.matchRows(`WITH k (person_id) AS (
				SELECT person_id FROM person_ids WHERE id_key IN (SELECT unhex(value) FROM json_each(?1))
				UNION ALL
				SELECT person_id FROM person_ids_new WHERE id_key IN (SELECT unhex(value) FROM json_each(?1)))
			SELECT hex(p.id_key), NULL, p.id, p.name, coalesce(l.id, 0), coalesce(l.priority, ''), `+matchScope+` FROM k
			JOIN persons p ON p.id = k.person_id
			LEFT JOIN leads l ON l.person_id = p.id AND `+openLead,
			string(keys), byID, out)
		if err != nil {
			return nil, wrap(err, "match persons")
		}
	}
	for lo := 0; lo < len(phoneKeys); lo += chunk {
		keys, err := json.Marshal(phoneKeys[lo:min(lo+chunk, len(phoneKeys))])
		if err != nil {
			return nil, err
		}
		// Several persons may share a phone and name: the first recorded
		// wins, as FindPerson does.
		err = tx.matchRows(`SELECT hex(p.phone_key), coalesce(hex(p.name_key), ''), p.id, '', coalesce(l.id, 0), coalesce(l.priority, ''), `+matchScope+` FROM persons p
			LEFT JOIN leads l ON l.person_id = p.id AND `+openLead+`
			WHERE p.phone_key IN (SELECT unhex(value) FROM json_each(?)) AND p.id_key IS NULL
			ORDER BY p.id DESC`,
			string(keys), byPhone, out)
		if err != nil {
			return nil, wrap(err, "match persons")
		}
	}
	return out, nil
}

// matchScope selects the open lead's district and the units of its tasks
// (a JSON array, in task order), for the events of rows merged into it.
const matchScope = `coalesce(l.district_code, ''), CASE WHEN l.id IS NULL THEN '[]' ELSE
	(SELECT json_group_array(unit_code) FROM (SELECT unit_code FROM tasks WHERE lead_id = l.id
		GROUP BY unit_code ORDER BY min(id))) END`

// matchRows reads (key, name key, person, name, open lead, priority,
// district, units) rows into the matches of the inputs with that key; the
// name key is NULL, and the (sealed) name given, for a match by ID number.
func (tx *Tx) matchRows(query, arg string, inputs map[string][]int, out []epiloop.ImportMatch) error {
	rows, err := tx.query(query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key, units string
			name       sql.NullString
			m          epiloop.ImportMatch
		)
		if err := rows.Scan(&key, &name, &m.PersonID, tx.opened(&m.Name), &m.OpenLeadID, &m.Priority, &m.District, &units); err != nil {
			return err
		}
		if units != "[]" {
			if err := json.Unmarshal([]byte(units), &m.Units); err != nil {
				return err
			}
		}
		k := strings.ToLower(key)
		if name.Valid {
			k += "\x00" + strings.ToLower(name.String)
		}
		for _, i := range inputs[k] {
			out[i] = m
		}
	}
	return rows.Err()
}

// index returns a blind index, remembered for the transaction: a bulk
// import asks for each identity twice (match, then insert).
func (tx *Tx) index(kind, value string) []byte {
	if tx.indexes == nil {
		tx.indexes = map[string][]byte{}
	}
	k := kind + ":" + value
	if b, ok := tx.indexes[k]; ok {
		return b
	}
	b := tx.cipher.Index(kind, value)
	tx.indexes[k] = b
	return b
}

var reservable = map[string]bool{"persons": true, "leads": true, "tasks": true, "sources": true}

// ReserveIDs reserves ids above the table's largest. The write
// transaction is the only writer, so the range stays free until it ends;
// the transaction remembers its own reservations.
func (tx *Tx) ReserveIDs(table string, n int) (int64, error) {
	if !reservable[table] || n < 0 {
		return 0, fmt.Errorf("sqlite: cannot reserve ids in %q", table)
	}
	if tx.reserved == nil {
		tx.reserved = map[string]int64{}
	}
	next, ok := tx.reserved[table]
	if !ok {
		var max int64
		if err := tx.queryRow(`SELECT coalesce(max(id), 0) FROM ` + table).Scan(&max); err != nil {
			return 0, wrap(err, "reserve ids")
		}
		next = max + 1
	}
	tx.reserved[table] = next + int64(n)
	return next, nil
}

// InsertBulk writes the batch with statements prepared once per batch.
func (tx *Tx) InsertBulk(b *epiloop.BulkBatch) error {
	if tx.bulkInserted != nil {
		*tx.bulkInserted = true
	}
	if err := tx.insertPersons(b.Persons); err != nil {
		return wrap(err, "insert persons")
	}
	if err := tx.insertLeads(b.Leads); err != nil {
		return wrap(err, "insert leads")
	}
	if err := tx.insertTasks(b.Tasks); err != nil {
		return wrap(err, "insert tasks")
	}
	if err := tx.insertSources(b.Sources); err != nil {
		return wrap(err, "insert sources")
	}
	if err := tx.insertEvents(b.Events); err != nil {
		return wrap(err, "insert events")
	}
	if tx.noForeignKeys {
		if err := tx.checkReferences(b); err != nil {
			return wrap(err, "insert batch")
		}
	}
	return tx.AddCounters(b.Counters)
}

// checkReferences checks, in place of SQLite's foreign keys, that every
// row a batch refers to exists: the units of its tasks, and the persons
// and leads it refers to but did not insert itself.
func (tx *Tx) checkReferences(b *epiloop.BulkBatch) error {
	persons := make(map[int64]bool, len(b.Persons))
	for _, p := range b.Persons {
		persons[p.ID] = true
	}
	leads := make(map[int64]bool, len(b.Leads))
	var personRefs []int64
	for _, l := range b.Leads {
		leads[l.ID] = true
		if !persons[l.Person.ID] {
			personRefs = append(personRefs, l.Person.ID)
		}
	}
	units := map[string]bool{}
	var unitRefs []string
	var leadRefs []int64
	for _, t := range b.Tasks {
		if !units[t.UnitCode] {
			units[t.UnitCode] = true
			unitRefs = append(unitRefs, t.UnitCode)
		}
		if !leads[t.LeadID] {
			leadRefs = append(leadRefs, t.LeadID)
		}
	}
	for _, s := range b.Sources {
		if !leads[s.LeadID] {
			leadRefs = append(leadRefs, s.LeadID)
		}
	}
	for _, c := range []struct {
		query string
		refs  any
		n     int
	}{
		{`SELECT count(*) FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM units WHERE code = j.value)`, unitRefs, len(unitRefs)},
		{`SELECT count(*) FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM persons WHERE id = j.value)`, personRefs, len(personRefs)},
		{`SELECT count(*) FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM leads WHERE id = j.value)`, leadRefs, len(leadRefs)},
	} {
		if c.n == 0 {
			continue
		}
		refs, err := json.Marshal(c.refs)
		if err != nil {
			return err
		}
		var missing int
		if err := tx.queryRow(c.query, string(refs)).Scan(&missing); err != nil {
			return err
		}
		if missing > 0 {
			return notFound("err.referenced_row_not_found")
		}
	}
	return nil
}

// bulkRows is how many rows one INSERT statement carries: fewer
// statements, fewer calls into SQLite.
const bulkRows = 128

// bulk inserts n rows with multi-row INSERT statements: query is the
// statement for one row ending in its "(?, …)" values group; args gives a
// row's values.
//
// The bulk statements are INSERT OR FAIL: a conflict stops the statement
// without undoing its earlier rows, and the batch's transaction (or the
// group's savepoint) is then rolled back as a whole. A plain INSERT may
// need to undo itself alone, so SQLite keeps a copy of every page it
// changes until it ends: in memory on the writer — ≈ 270 MB more for the
// merge of person_ids_new into the blind index of 5 M persons.
func (tx *Tx) bulk(query string, n int, args func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	group := query[strings.LastIndex(query, "("):]
	prepare := func(rows int) (*sql.Stmt, error) {
		return tx.tx.PrepareContext(tx.ctx, query+strings.Repeat(", "+group, rows-1))
	}
	var full *sql.Stmt
	vals := make([]any, 0, bulkRows*strings.Count(group, "?"))
	for lo := 0; lo < n; lo += bulkRows {
		hi := min(lo+bulkRows, n)
		vals = vals[:0]
		for i := lo; i < hi; i++ {
			a, err := args(i)
			if err != nil {
				return err
			}
			vals = append(vals, a...)
		}
		st := full
		if hi-lo < bulkRows || full == nil {
			var err error
			if st, err = prepare(hi - lo); err != nil {
				return err
			}
			if hi-lo == bulkRows {
				full = st
				defer full.Close()
			} else {
				defer st.Close()
			}
		}
		if _, err := st.ExecContext(tx.ctx, vals...); err != nil {
			return constraintError(err, "err.row_already_exists", "err.referenced_row_not_found")
		}
	}
	return nil
}

// newKeys is how many blind index keys person_ids_new may hold before a
// bulk batch merges them into person_ids: small enough to stay in the
// writer's cache (≈ 10 MB), large enough that a merge writes each page of
// person_ids once for a dozen batches.
var newKeys = 1 << 18

// insertPersons writes a batch's persons, their ID numbers' blind index
// into person_ids_new, in key order.
func (tx *Tx) insertPersons(ps []*epiloop.Person) error {
	if len(ps) == 0 {
		return nil
	}
	err := tx.bulk(`INSERT OR FAIL INTO persons (id, id_key, id_enc, phone_key, phone_enc, name, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		len(ps), func(i int) ([]any, error) {
			vals, err := tx.personValues(ps[i])
			return append([]any{ps[i].ID}, vals...), err
		})
	if err != nil {
		return err
	}
	type key struct {
		key    []byte
		person int64
	}
	keys := make([]key, 0, len(ps))
	for _, p := range ps {
		if p.IDNumber != "" {
			keys = append(keys, key{tx.index("id", p.IDNumber), p.ID})
		}
	}
	if err := tx.mergeNewKeys(len(keys)); err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b key) int { return bytes.Compare(a.key, b.key) })
	return tx.bulk(`INSERT OR FAIL INTO person_ids_new (id_key, person_id) VALUES (?, ?)`, len(keys), func(i int) ([]any, error) {
		return []any{keys[i].key, keys[i].person}, nil
	})
}

// mergeNewKeys moves person_ids_new into person_ids, in key order, when
// adding n keys would grow it past newKeys.
func (tx *Tx) mergeNewKeys(n int) error {
	var have int
	if err := tx.queryRow(`SELECT count(*) FROM person_ids_new`).Scan(&have); err != nil {
		return err
	}
	if have+n <= newKeys || have == 0 {
		return nil
	}
	if _, err := tx.exec(`INSERT OR FAIL INTO person_ids (id_key, person_id) SELECT id_key, person_id FROM person_ids_new ORDER BY id_key`); err != nil {
		return constraintError(err, personExists, "")
	}
	_, err := tx.exec(`DELETE FROM person_ids_new`)
	return err
}

func (tx *Tx) insertLeads(ls []*epiloop.Lead) error {
	return tx.bulk(`INSERT OR FAIL INTO leads (status, priority, address, community_code, district_code,
			reason, outcome, conflict, round, overdue, updated_at, closed_at, marks, person_id, created_at, id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(ls), func(i int) ([]any, error) {
			vals, err := tx.leadValues(ls[i])
			return append(vals, ls[i].Person.ID, millis(ls[i].CreatedAt), ls[i].ID), err
		})
}

func (tx *Tx) insertTasks(ts []*epiloop.Task) error {
	return tx.bulk(`INSERT OR FAIL INTO tasks (round, side, unit_code, status, priority, district_code,
			accept_by, feedback_by, escalate_at, escalation, return_reason, feedback, accepted_at,
			submitted_at, lead_id, created_at, id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(ts), func(i int) ([]any, error) {
			vals, err := tx.taskValues(ts[i])
			return append(vals, ts[i].LeadID, millis(ts[i].CreatedAt), ts[i].ID), err
		})
}

func (tx *Tx) insertSources(ss []epiloop.BulkSource) error {
	return tx.bulk(`INSERT OR FAIL INTO sources (id, lead_id, kind, ref, file, file_row, reason, address, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(ss), func(i int) ([]any, error) {
			s := ss[i].Source
			reason, err := tx.sealedJSON(s.Reason)
			return []any{s.ID, ss[i].LeadID, string(s.Kind), tx.sealed(s.Ref), s.File, s.Row, reason, tx.sealed(s.Address), millis(s.CreatedAt)}, err
		})
}

func (tx *Tx) insertEvents(es []*epiloop.Event) error {
	return tx.bulk(`INSERT OR FAIL INTO events (time, kind, lead_id, task_id, actor_id, district, units, data, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		len(es), func(i int) ([]any, error) {
			e := es[i]
			units, err := jsonText(e.Units)
			var data any
			if len(e.Data) > 0 {
				data = string(e.Data)
			}
			return []any{millis(e.Time), e.Kind, nullID(e.LeadID), nullID(e.TaskID), nullID(e.ActorID), e.District, units, data,
				tx.sealed(string(e.Detail))}, err
		})
}
