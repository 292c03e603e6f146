package postgres

import (
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
)

// FindPurgeableLeads returns closed leads ended before cutoff and not yet
// purged (served by the leads_purge partial index).
func (tx *Tx) FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error) {
	var lim any // a negative limit is no limit, as in SQLite
	if limit >= 0 {
		lim = limit
	}
	rows, err := tx.query(`SELECT id FROM leads
		WHERE purged_at IS NULL AND closed_at IS NOT NULL AND closed_at < $1 AND id > $2
		ORDER BY id LIMIT $3`, msUTC(cutoff), afterID, lim)
	if err != nil {
		return nil, wrap(err, "find purgeable leads")
	}
	ids, err := collect(rows, pgx.RowTo[int64])
	return ids, wrap(err, "find purgeable leads")
}

// PurgeLeadRecords blanks addresses and free text in the lead's sources
// and events, keeping kinds, dates and flags for statistics.
func (tx *Tx) PurgeLeadRecords(leadID int64, t time.Time) error {
	if _, err := tx.exec(`UPDATE sources SET address = '', reason = jsonb_set(reason, '{note}', '""')
		WHERE lead_id = $1`, leadID); err != nil {
		return wrap(err, "purge sources")
	}
	if _, err := tx.exec(`UPDATE events SET data = data - '{note,reason,outcome}'::text[]
		WHERE lead_id = $1 AND kind IN ('lead.adjudicated', 'task.returned') AND data IS NOT NULL`, leadID); err != nil {
		return wrap(err, "purge events")
	}
	return wrap(tx.execOne("Lead not found.", `UPDATE leads SET purged_at = $1 WHERE id = $2`, ts(t), leadID), "purge lead")
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
	return wrap(tx.execOne("Person not found.", `UPDATE persons SET id_enc = $1, phone_enc = $2 WHERE id = $3`,
		nilBytes(p.IDSealed), nilBytes(p.PhoneSealed), p.ID), "update sealed person")
}
