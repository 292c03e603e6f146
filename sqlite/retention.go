package sqlite

import (
	"time"

	"github.com/epiloop/epiloop"
)

// FindPurgeableLeads returns closed leads ended before cutoff and not yet
// purged (served by the leads_purge partial index).
func (tx *Tx) FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error) {
	rows, err := tx.query(`SELECT id FROM leads
		WHERE purged_at IS NULL AND closed_at IS NOT NULL AND closed_at < ? AND id > ?
		ORDER BY id LIMIT ?`, millis(cutoff), afterID, limit)
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
	if _, err := tx.exec(`UPDATE sources SET address = '', reason = json_set(reason, '$.note', '')
		WHERE lead_id = ?`, leadID); err != nil {
		return wrap(err, "purge sources")
	}
	if _, err := tx.exec(`UPDATE events SET data = json_remove(data, '$.note', '$.reason', '$.outcome')
		WHERE lead_id = ? AND kind IN ('lead.adjudicated', 'task.returned') AND data IS NOT NULL`, leadID); err != nil {
		return wrap(err, "purge events")
	}
	return wrap(tx.execOne("Lead not found.", `UPDATE leads SET purged_at = ? WHERE id = ?`, millis(t), leadID), "purge lead")
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
	return wrap(tx.execOne("Person not found.", `UPDATE persons SET id_enc = ?, phone_enc = ? WHERE id = ?`,
		nilBytes(p.IDSealed), nilBytes(p.PhoneSealed), p.ID), "update sealed person")
}
