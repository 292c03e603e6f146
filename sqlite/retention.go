package sqlite

import (
	"database/sql"
	"time"

	"github.com/epiloop/epiloop"
)

// FindPurgeableLeads returns closed leads ended before cutoff and not yet
// purged (served by the leads_purge partial index).
func (tx *Tx) FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error) {
	rows, err := tx.query(`SELECT l.id FROM leads l INDEXED BY leads_purge
		WHERE l.purged_at IS NULL AND l.closed_at IS NOT NULL AND l.closed_at < ? AND l.id > ?
		AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.lead_id = l.id AND (o.ended_at IS NULL OR o.ended_at >= ?))
		ORDER BY l.id LIMIT ?`, millis(cutoff), afterID, millis(cutoff), limit)
	if err != nil {
		return nil, wrap(err, "find purgeable leads")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err, "find purgeable leads")
		}
		ids = append(ids, id)
	}
	return ids, wrap(rows.Err(), "find purgeable leads")
}

// PurgeLeadRecords blanks addresses and free text in the lead's sources
// and events, keeping kinds, dates and flags for statistics.
func (tx *Tx) PurgeLeadRecords(leadID int64, t time.Time) error {
	if err := tx.purgeSources(leadID); err != nil {
		return wrap(err, "purge sources")
	}
	if _, err := tx.exec(`UPDATE events SET detail = '' WHERE lead_id = ? AND detail <> ''`, leadID); err != nil {
		return wrap(err, "purge events")
	}
	if _, err := tx.exec(`UPDATE screening_occupants SET id_key = NULL, id_enc = NULL, phone_key = NULL, phone_enc = NULL,
			name = '', destination = '' WHERE lead_id = ?`, leadID); err != nil {
		return wrap(err, "purge occupants")
	}
	if _, err := tx.exec(`UPDATE observations SET end_reason = '' WHERE lead_id = ?`, leadID); err != nil {
		return wrap(err, "purge observation")
	}
	return wrap(tx.execOne("err.lead_not_found", `UPDATE leads SET purged_at = ? WHERE id = ?`, millis(t), leadID), "purge lead")
}

// purgeSources blanks the sources' addresses and the notes of their
// reasons (sealed: opened, blanked and sealed again here).
func (tx *Tx) purgeSources(leadID int64) error {
	ss, err := tx.findSources(leadID)
	if err != nil {
		return err
	}
	for _, s := range ss {
		s.Reason.BlankFreeText()
		reason, err := tx.sealedJSON(s.Reason)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE sources SET address = '', reason = ? WHERE id = ?`, reason, s.ID); err != nil {
			return err
		}
	}
	return nil
}

// PurgeScreenings blanks released travellers screened before cutoff.
func (tx *Tx) PurgeScreenings(cutoff time.Time) (int, error) {
	res, err := tx.exec(`UPDATE screening_occupants SET id_key = NULL, id_enc = NULL, phone_key = NULL, phone_enc = NULL,
			name = '', destination = ''
		WHERE lead_id IS NULL AND (name <> '' OR id_enc IS NOT NULL OR phone_enc IS NOT NULL)
		AND screening_id IN (SELECT id FROM screenings WHERE time < ?)`, millis(cutoff))
	if err != nil {
		return 0, wrap(err, "purge screenings")
	}
	n, err := res.RowsAffected()
	return int(n), wrap(err, "purge screenings")
}

// PurgeImportRejects deletes the rejected rows of imports that ended
// before cutoff.
func (tx *Tx) PurgeImportRejects(cutoff time.Time) (int, error) {
	res, err := tx.exec(`DELETE FROM import_rejects WHERE import_id IN
		(SELECT id FROM imports WHERE status <> ? AND updated_at < ?)`, epiloop.ImportRunning, millis(cutoff))
	if err != nil {
		return 0, wrap(err, "purge rejects")
	}
	n, err := res.RowsAffected()
	return int(n), wrap(err, "purge rejects")
}

// FindSealedOccupants returns occupants' sealed identities in key order.
func (tx *Tx) FindSealedOccupants(afterScreening int64, afterSeq int, limit int) ([]epiloop.SealedOccupant, error) {
	rows, err := tx.query(`SELECT screening_id, seq, id_enc, phone_enc FROM screening_occupants
		WHERE (screening_id, seq) > (?, ?) ORDER BY screening_id, seq LIMIT ?`, afterScreening, afterSeq, limit)
	if err != nil {
		return nil, wrap(err, "find sealed occupants")
	}
	defer rows.Close()
	var out []epiloop.SealedOccupant
	for rows.Next() {
		var o epiloop.SealedOccupant
		if err := rows.Scan(&o.ScreeningID, &o.Seq, &o.IDSealed, &o.PhoneSealed); err != nil {
			return nil, wrap(err, "find sealed occupants")
		}
		out = append(out, o)
	}
	return out, wrap(rows.Err(), "find sealed occupants")
}

// UpdateSealedOccupant writes an occupant's re-sealed identity.
func (tx *Tx) UpdateSealedOccupant(o epiloop.SealedOccupant) error {
	return wrap(tx.execOne("err.occupant_not_found", `UPDATE screening_occupants SET id_enc = ?, phone_enc = ?
		WHERE screening_id = ? AND seq = ?`, nilBytes(o.IDSealed), nilBytes(o.PhoneSealed), o.ScreeningID, o.Seq), "update sealed occupant")
}

// FindSealedPersons returns sealed identities in id order after afterID.
func (tx *Tx) FindSealedPersons(afterID int64, limit int) ([]epiloop.SealedPerson, error) {
	rows, err := tx.query(`SELECT id, id_enc, phone_enc FROM persons WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, wrap(err, "find sealed persons")
	}
	defer rows.Close()
	var out []epiloop.SealedPerson
	for rows.Next() {
		var p epiloop.SealedPerson
		if err := rows.Scan(&p.ID, &p.IDSealed, &p.PhoneSealed); err != nil {
			return nil, wrap(err, "find sealed persons")
		}
		out = append(out, p)
	}
	return out, wrap(rows.Err(), "find sealed persons")
}

// UpdateSealedPerson writes a person's re-sealed identity.
func (tx *Tx) UpdateSealedPerson(p epiloop.SealedPerson) error {
	return wrap(tx.execOne("err.person_not_found", `UPDATE persons SET id_enc = ?, phone_enc = ? WHERE id = ?`,
		nilBytes(p.IDSealed), nilBytes(p.PhoneSealed), p.ID), "update sealed person")
}

// FindSealedTexts returns a page of a sealed text column in key order.
func (tx *Tx) FindSealedTexts(c epiloop.SealedColumn, after []int64, limit int) ([]epiloop.SealedTextRow, error) {
	page, _ := c.SealedTextsSQL(func(int) string { return "?" }, len(after) == 0)
	args := make([]any, 0, len(after)+1)
	for _, k := range after {
		args = append(args, k)
	}
	rows, err := tx.query(page, append(args, limit)...)
	if err != nil {
		return nil, wrap(err, "find sealed texts")
	}
	defer rows.Close()
	var out []epiloop.SealedTextRow
	for rows.Next() {
		r := epiloop.SealedTextRow{Key: make([]int64, len(c.KeyColumns()))}
		dst := make([]any, 0, len(r.Key)+1)
		for i := range r.Key {
			dst = append(dst, &r.Key[i])
		}
		var text sql.NullString
		if err := rows.Scan(append(dst, &text)...); err != nil {
			return nil, wrap(err, "find sealed texts")
		}
		r.Text = text.String
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "find sealed texts")
}

// UpdateSealedText writes one row's re-sealed value.
func (tx *Tx) UpdateSealedText(c epiloop.SealedColumn, r epiloop.SealedTextRow) error {
	_, update := c.SealedTextsSQL(func(int) string { return "?" }, true)
	args := []any{r.Text}
	if c.IndexColumn != "" {
		args = append(args, nilBytes(r.Index))
	}
	for _, k := range r.Key {
		args = append(args, k)
	}
	return wrap(tx.execOne("err.row_not_found", update, args...), "update sealed text")
}
