package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const importColumns = `id, fingerprint, name, source, ref, status, format, encoding, headers, next_row, counts, error,
	created_by, created_at, updated_at`

func scanImport(s scanner) (*epiloop.Import, error) {
	var (
		im               epiloop.Import
		counts, headers  []byte
		created, updated pgtype.Timestamptz
	)
	if err := s.Scan(&im.ID, &im.Fingerprint, &im.Name, &im.Source, &im.Ref, &im.Status, &im.Format, &im.Encoding,
		&headers, &im.NextRow, &counts, &im.Error, &im.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(headers, &im.Headers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(counts, &im.Counts); err != nil {
		return nil, err
	}
	im.CreatedAt, im.UpdatedAt = timeOf(created), timeOf(updated)
	return &im, nil
}

// CreateImport inserts an import; a fingerprint already recorded is
// ECONFLICT.
func (tx *Tx) CreateImport(im *epiloop.Import) error {
	counts, err := json.Marshal(im.Counts)
	if err != nil {
		return wrap(err, "create import")
	}
	headers := []byte("[]")
	if len(im.Headers) > 0 {
		if headers, err = json.Marshal(im.Headers); err != nil {
			return wrap(err, "create import")
		}
	}
	err = tx.queryRow(`INSERT INTO imports (fingerprint, name, source, ref, status, format, encoding, headers, next_row,
			counts, error, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		im.Fingerprint, im.Name, string(im.Source), im.Ref, im.Status, im.Format, im.Encoding, headers, im.NextRow,
		counts, im.Error, im.CreatedBy, ts(im.CreatedAt), ts(im.UpdatedAt)).Scan(&im.ID)
	return wrap(constraintError(err, "err.this_file_was_imported_already", ""), "create import")
}

// UpdateImport writes an import's progress.
func (tx *Tx) UpdateImport(im *epiloop.Import) error {
	counts, err := json.Marshal(im.Counts)
	if err != nil {
		return wrap(err, "update import")
	}
	return wrap(tx.execOne("err.import_not_found", `UPDATE imports SET status = $1, format = $2, encoding = $3,
			next_row = $4, counts = $5, error = $6, updated_at = $7
		WHERE id = $8`,
		im.Status, im.Format, im.Encoding, im.NextRow, counts, im.Error, ts(im.UpdatedAt), im.ID), "update import")
}

// FindImportByID returns one import, with lock locked FOR UPDATE (two
// processes running one import take turns, and the second sees the
// first's progress).
func (tx *Tx) FindImportByID(id int64, lock bool) (*epiloop.Import, error) {
	q := `SELECT ` + importColumns + ` FROM imports WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	im, err := scanImport(tx.queryRow(q, id))
	return im, wrap(noRows(err, "err.import_not_found"), "find import")
}

// FindImportByFingerprint returns the import of a file's content.
func (tx *Tx) FindImportByFingerprint(fp string) (*epiloop.Import, error) {
	im, err := scanImport(tx.queryRow(`SELECT `+importColumns+` FROM imports WHERE fingerprint = $1`, fp))
	return im, wrap(noRows(err, "err.import_not_found"), "find import")
}

// AddImportRejects stores rejected rows.
func (tx *Tx) AddImportRejects(importID int64, rs []epiloop.ImportReject) error {
	if len(rs) == 0 {
		return nil
	}
	rows := make([][]any, len(rs))
	for i, r := range rs {
		cells, err := tx.sealedJSON(r.Cells)
		if err != nil {
			return wrap(err, "add rejects")
		}
		rows[i] = []any{importID, r.Row, cells, r.Code, r.Column, r.Message}
	}
	_, err := tx.copyFrom("import_rejects", []string{"import_id", "row", "cells", "code", "col", "message"}, rows)
	return wrap(constraintError(err, "err.reject_already_recorded", "err.import_not_found"), "add rejects")
}

// FindImportRejects returns rejected rows after afterRow in row order.
func (tx *Tx) FindImportRejects(importID int64, afterRow int, limit int) ([]epiloop.ImportReject, error) {
	var lim any // a negative limit is no limit, as in SQLite
	if limit >= 0 {
		lim = limit
	}
	rows, err := tx.query(`SELECT row, cells, code, col, message FROM import_rejects
		WHERE import_id = $1 AND row > $2 ORDER BY row LIMIT $3`, importID, afterRow, lim)
	if err != nil {
		return nil, wrap(err, "find rejects")
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (r epiloop.ImportReject, err error) {
		var cells epiloop.JSONColumn
		if err := row.Scan(&r.Row, tx.openedJSON(&cells), &r.Code, &r.Column, &r.Message); err != nil {
			return r, err
		}
		_, err = cells.Decode(&r.Cells)
		return r, err
	})
	return out, wrap(err, "find rejects")
}

// AddImportWarnings stores accepted rows' warnings.
func (tx *Tx) AddImportWarnings(importID int64, ws []epiloop.ImportWarning) error {
	if len(ws) == 0 {
		return nil
	}
	rows := make([][]any, len(ws))
	for i, w := range ws {
		cells, err := tx.sealedJSON(w.Cells)
		if err != nil {
			return wrap(err, "add warnings")
		}
		rows[i] = []any{importID, w.Row, w.Seq, cells, w.Code, w.Column, w.Message}
	}
	_, err := tx.copyFrom("import_warnings", []string{"import_id", "row", "seq", "cells", "code", "col", "message"}, rows)
	return wrap(constraintError(err, "err.row_already_exists", "err.import_not_found"), "add warnings")
}

// FindImportWarnings returns warnings after (afterRow, afterSeq) in row
// and seq order.
func (tx *Tx) FindImportWarnings(importID int64, afterRow, afterSeq int, limit int) ([]epiloop.ImportWarning, error) {
	var lim any // a negative limit is no limit, as in SQLite
	if limit >= 0 {
		lim = limit
	}
	rows, err := tx.query(`SELECT row, seq, cells, code, col, message FROM import_warnings
		WHERE import_id = $1 AND (row, seq) > ($2, $3) ORDER BY row, seq LIMIT $4`, importID, afterRow, afterSeq, lim)
	if err != nil {
		return nil, wrap(err, "find warnings")
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (w epiloop.ImportWarning, err error) {
		var cells epiloop.JSONColumn
		if err := row.Scan(&w.Row, &w.Seq, tx.openedJSON(&cells), &w.Code, &w.Column, &w.Message); err != nil {
			return w, err
		}
		_, err = cells.Decode(&w.Cells)
		return w, err
	})
	return out, wrap(err, "find warnings")
}

// PurgeImportWarnings deletes the warnings of imports that ended before
// cutoff, as PurgeImportRejects deletes their rejects.
func (tx *Tx) PurgeImportWarnings(cutoff time.Time) (int, error) {
	tag, err := tx.exec(`DELETE FROM import_warnings WHERE import_id IN
		(SELECT id FROM imports WHERE status <> $1 AND updated_at < $2)`, epiloop.ImportRunning, ts(cutoff))
	if err != nil {
		return 0, wrap(err, "purge warnings")
	}
	return int(tag.RowsAffected()), nil
}

// MatchPersons looks each identity up by its blind index, with the
// person's open lead (its district and its tasks' units), in one
// statement: the identities travel as arrays and come back in their order.
func (tx *Tx) MatchPersons(ps []epiloop.Person) ([]epiloop.ImportMatch, error) {
	out := make([]epiloop.ImportMatch, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	idKeys, phoneKeys, names := make([][]byte, len(ps)), make([][]byte, len(ps)), make([][]byte, len(ps))
	for i := range ps {
		if ps[i].IDNumber != "" {
			idKeys[i] = tx.db.cipher.Index("id", ps[i].IDNumber)
		} else {
			phoneKeys[i], names[i] = tx.db.cipher.Index("phone", ps[i].Phone), epiloop.NameIndex(tx.db.cipher.Index, ps[i].Name)
		}
	}
	rows, err := tx.query(`SELECT q.n, p.id, p.name, COALESCE(l.id, 0), COALESCE(l.priority, ''), COALESCE(l.district_code, ''),
			CASE WHEN l.id IS NULL THEN '{}' ELSE COALESCE((SELECT array_agg(u.unit_code ORDER BY u.first)
				FROM (SELECT unit_code, min(id) AS first FROM tasks WHERE lead_id = l.id GROUP BY unit_code) u), '{}') END
		FROM unnest($1::bytea[], $2::bytea[], $3::bytea[]) WITH ORDINALITY AS q (id_key, phone_key, name_key, n)
		CROSS JOIN LATERAL (
			SELECT id, name FROM persons WHERE q.id_key IS NOT NULL AND id_key = q.id_key
			UNION ALL
			(SELECT id, '' FROM persons
			WHERE q.id_key IS NULL AND phone_key = q.phone_key AND name_key IS NOT DISTINCT FROM q.name_key AND id_key IS NULL
			ORDER BY id LIMIT 1)
			LIMIT 1
		) p
		LEFT JOIN leads l ON l.person_id = p.id AND `+openLead,
		idKeys, phoneKeys, names)
	if err != nil {
		return nil, wrap(err, "match persons")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			n int64
			m epiloop.ImportMatch
		)
		if err := rows.Scan(&n, &m.PersonID, tx.opened(&m.Name), &m.OpenLeadID, &m.Priority, &m.District, &m.Units); err != nil {
			return nil, wrap(err, "match persons")
		}
		out[n-1] = m
	}
	return out, wrap(rows.Err(), "match persons")
}

var reservable = map[string]bool{"persons": true, "leads": true, "tasks": true, "sources": true}

// ReserveIDs reserves n consecutive ids of a table's identity sequence and
// returns the first. Other transactions draw from the same sequence at the
// same time, so the n values are drawn in one statement and kept only when
// they came out consecutive; otherwise they are dropped (a gap, as a
// rollback leaves) and drawn again.
func (tx *Tx) ReserveIDs(table string, n int) (int64, error) {
	if !reservable[table] || n < 0 {
		return 0, fmt.Errorf("postgres: cannot reserve ids in %q", table)
	}
	if n == 0 {
		return 1, nil
	}
	for range 20 {
		var first, last int64
		err := tx.queryRow(`SELECT min(v), max(v) FROM (
			SELECT nextval(pg_get_serial_sequence($1, 'id')) AS v FROM generate_series(1, $2)) s`,
			table, n).Scan(&first, &last)
		if err != nil {
			return 0, wrap(err, "reserve ids")
		}
		if last-first+1 == int64(n) {
			return first, nil
		}
	}
	return 0, errors.New("postgres: reserve ids: no consecutive range (sequence too busy)")
}

// InsertBulk writes the batch's rows with COPY. Its events and counters are
// kept for the commit, like those of CreateEvent and AddCounters.
func (tx *Tx) InsertBulk(b *epiloop.BulkBatch) error {
	if err := tx.requireWrite("insert bulk"); err != nil {
		return err
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
	tx.events = append(tx.events, b.Events...)
	return tx.AddCounters(b.Counters)
}

// copyFrom copies rows into table, mapping constraint violations.
func (tx *Tx) copyFrom(table string, cols []string, rows [][]any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	for _, row := range rows { // sealed text seals itself here, before COPY encodes it
		for i, v := range row {
			if s, ok := v.(epiloop.SealedText); ok {
				var err error
				if row[i], err = s.Value(); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := tx.sendWrites(); err != nil {
		return 0, err
	}
	n, err := tx.tx.CopyFrom(tx.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return n, constraintError(err, "err.row_already_exists", "err.referenced_row_not_found")
}

func (tx *Tx) insertPersons(ps []*epiloop.Person) error {
	rows := make([][]any, len(ps))
	for i, p := range ps {
		vals, err := tx.personValues(p)
		if err != nil {
			return err
		}
		rows[i] = append([]any{p.ID}, vals...)
	}
	_, err := tx.copyFrom("persons", []string{"id", "id_key", "id_enc", "phone_key", "phone_enc", "name", "name_key"}, rows)
	return err
}

func (tx *Tx) insertLeads(ls []*epiloop.Lead) error {
	rows := make([][]any, len(ls))
	for i, l := range ls {
		vals, err := tx.leadValues(l)
		if err != nil {
			return err
		}
		rows[i] = append(vals, l.Person.ID, ts(l.CreatedAt), l.ID)
	}
	_, err := tx.copyFrom("leads", []string{"status", "priority", "address", "community_code", "district_code",
		"reason", "outcome", "conflict", "round", "overdue", "updated_at", "closed_at", "marks", "person_id", "created_at", "id"}, rows)
	return err
}

func (tx *Tx) insertTasks(tasks []*epiloop.Task) error {
	rows := make([][]any, len(tasks))
	for i, t := range tasks {
		vals, err := tx.taskValues(t)
		if err != nil {
			return err
		}
		rows[i] = append(vals, t.LeadID, ts(t.CreatedAt), t.ID)
	}
	_, err := tx.copyFrom("tasks", []string{"round", "side", "unit_code", "status", "priority", "district_code",
		"accept_by", "feedback_by", "escalate_at", "escalation", "return_reason", "feedback", "accepted_at",
		"submitted_at", "lead_id", "created_at", "id"}, rows)
	return err
}

func (tx *Tx) insertSources(ss []epiloop.BulkSource) error {
	rows := make([][]any, len(ss))
	for i, bs := range ss {
		s := bs.Source
		reason, err := tx.sealedJSON(s.Reason)
		if err != nil {
			return err
		}
		rows[i] = []any{s.ID, bs.LeadID, string(s.Kind), tx.sealed(s.Ref), s.File, s.Row, reason, tx.sealed(s.Address), ts(s.CreatedAt)}
	}
	_, err := tx.copyFrom("sources", []string{"id", "lead_id", "kind", "ref", "file", "file_row", "reason",
		"address", "created_at"}, rows)
	return err
}
