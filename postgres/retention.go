package postgres

import (
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// FindPurgeableLeads returns closed leads ended before cutoff and not yet
// purged (served by the leads_purge partial index).
func (tx *Tx) FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error) {
	var lim any // a negative limit is no limit, as in SQLite
	if limit >= 0 {
		lim = limit
	}
	rows, err := tx.query(`SELECT l.id FROM leads l
		WHERE l.purged_at IS NULL AND l.closed_at IS NOT NULL AND l.closed_at < $1 AND l.id > $2
		AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.lead_id = l.id AND (o.ended_at IS NULL OR o.ended_at >= $1))
		ORDER BY l.id LIMIT $3`, msUTC(cutoff), afterID, lim)
	if err != nil {
		return nil, wrap(err, "find purgeable leads")
	}
	ids, err := collect(rows, pgx.RowTo[int64])
	return ids, wrap(err, "find purgeable leads")
}

// PurgeLeadRecords blanks addresses and free text in the lead's sources
// and events, keeping kinds, dates and flags for statistics.
func (tx *Tx) PurgeLeadRecords(leadID int64, t time.Time) error {
	if err := tx.purgeSources(leadID); err != nil {
		return wrap(err, "purge sources")
	}
	if _, err := tx.exec(`UPDATE events SET detail = '' WHERE lead_id = $1 AND detail <> ''`, leadID); err != nil {
		return wrap(err, "purge events")
	}
	if _, err := tx.exec(`UPDATE screening_occupants SET id_key = NULL, id_enc = NULL, phone_key = NULL, phone_enc = NULL,
			name = '', destination = '' WHERE lead_id = $1`, leadID); err != nil {
		return wrap(err, "purge occupants")
	}
	if _, err := tx.exec(`UPDATE observations SET end_reason = '' WHERE lead_id = $1`, leadID); err != nil {
		return wrap(err, "purge observation")
	}
	return wrap(tx.execOne("err.lead_not_found", `UPDATE leads SET purged_at = $1 WHERE id = $2`, ts(t), leadID), "purge lead")
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
		if _, err := tx.exec(`UPDATE sources SET address = '', reason = $1 WHERE id = $2`, reason, s.ID); err != nil {
			return err
		}
	}
	return nil
}

// PurgeScreenings blanks released travellers screened before cutoff.
func (tx *Tx) PurgeScreenings(cutoff time.Time) (int, error) {
	tag, err := tx.exec(`UPDATE screening_occupants SET id_key = NULL, id_enc = NULL, phone_key = NULL, phone_enc = NULL,
			name = '', destination = ''
		WHERE lead_id IS NULL AND (name <> '' OR id_enc IS NOT NULL OR phone_enc IS NOT NULL)
		AND screening_id IN (SELECT id FROM screenings WHERE time < $1)`, msUTC(cutoff))
	if err != nil {
		return 0, wrap(err, "purge screenings")
	}
	return int(tag.RowsAffected()), nil
}

// PurgeImportRejects deletes the rejected rows of imports that ended
// before cutoff.
func (tx *Tx) PurgeImportRejects(cutoff time.Time) (int, error) {
	tag, err := tx.exec(`DELETE FROM import_rejects WHERE import_id IN
		(SELECT id FROM imports WHERE status <> $1 AND updated_at < $2)`, epiloop.ImportRunning, ts(cutoff))
	if err != nil {
		return 0, wrap(err, "purge rejects")
	}
	return int(tag.RowsAffected()), nil
}

// FindSealedOccupants returns occupants' sealed identities in key order.
func (tx *Tx) FindSealedOccupants(afterScreening int64, afterSeq int, limit int) ([]epiloop.SealedOccupant, error) {
	rows, err := tx.query(`SELECT screening_id, seq, id_enc, phone_enc FROM screening_occupants
		WHERE (screening_id, seq) > ($1, $2) ORDER BY screening_id, seq LIMIT $3`, afterScreening, afterSeq, limit)
	if err != nil {
		return nil, wrap(err, "find sealed occupants")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (o epiloop.SealedOccupant, err error) {
		err = r.Scan(&o.ScreeningID, &o.Seq, &o.IDSealed, &o.PhoneSealed)
		return o, err
	})
	return out, wrap(err, "find sealed occupants")
}

// UpdateSealedOccupant writes an occupant's re-sealed identity.
func (tx *Tx) UpdateSealedOccupant(o epiloop.SealedOccupant) error {
	return wrap(tx.execOne("err.occupant_not_found", `UPDATE screening_occupants SET id_enc = $1, phone_enc = $2
		WHERE screening_id = $3 AND seq = $4`, nilBytes(o.IDSealed), nilBytes(o.PhoneSealed), o.ScreeningID, o.Seq), "update sealed occupant")
}

// FindSealedPersons returns sealed identities in id order after afterID.
func (tx *Tx) FindSealedPersons(afterID int64, limit int) ([]epiloop.SealedPerson, error) {
	var lim any
	if limit >= 0 {
		lim = limit
	}
	rows, err := tx.query(`SELECT id, id_enc, phone_enc FROM persons WHERE id > $1 ORDER BY id LIMIT $2`, afterID, lim)
	if err != nil {
		return nil, wrap(err, "find sealed persons")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (p epiloop.SealedPerson, err error) {
		err = r.Scan(&p.ID, &p.IDSealed, &p.PhoneSealed)
		return p, err
	})
	return out, wrap(err, "find sealed persons")
}

// UpdateSealedPerson writes a person's re-sealed identity.
func (tx *Tx) UpdateSealedPerson(p epiloop.SealedPerson) error {
	return wrap(tx.execOne("err.person_not_found", `UPDATE persons SET id_enc = $1, phone_enc = $2 WHERE id = $3`,
		nilBytes(p.IDSealed), nilBytes(p.PhoneSealed), p.ID), "update sealed person")
}

// pgBind is the placeholder of the i-th parameter.
func pgBind(i int) string { return "$" + strconv.Itoa(i) }

// FindSealedTexts returns a page of a sealed text column in key order.
func (tx *Tx) FindSealedTexts(c epiloop.SealedColumn, after []int64, limit int) ([]epiloop.SealedTextRow, error) {
	page, _ := c.SealedTextsSQL(pgBind, len(after) == 0)
	args := make([]any, 0, len(after)+1)
	for _, k := range after {
		args = append(args, k)
	}
	rows, err := tx.query(page, append(args, limit)...)
	if err != nil {
		return nil, wrap(err, "find sealed texts")
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (epiloop.SealedTextRow, error) {
		r := epiloop.SealedTextRow{Key: make([]int64, len(c.KeyColumns()))}
		dst := make([]any, 0, len(r.Key)+1)
		for i := range r.Key {
			dst = append(dst, &r.Key[i])
		}
		var text pgtype.Text
		err := row.Scan(append(dst, &text)...)
		r.Text = text.String
		return r, err
	})
	return out, wrap(err, "find sealed texts")
}

// UpdateSealedText writes one row's re-sealed value.
func (tx *Tx) UpdateSealedText(c epiloop.SealedColumn, r epiloop.SealedTextRow) error {
	_, update := c.SealedTextsSQL(pgBind, true)
	args := []any{r.Text}
	if c.IndexColumn != "" {
		args = append(args, nilBytes(r.Index))
	}
	for _, k := range r.Key {
		args = append(args, k)
	}
	return wrap(tx.execOne("err.row_not_found", update, args...), "update sealed text")
}
