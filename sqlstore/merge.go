package sqlstore

import (
	"bytes"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// Person merge (epiloop/merge.go): the merged person's tombstone, the rows
// moved and moved back, the merges and the candidates.

// FindPersonByID returns a person's identity, opened, and the person it
// was merged into (0 when none).
func (s Store) FindPersonByID(id int64) (*epiloop.Person, int64, error) {
	var (
		p         = epiloop.Person{ID: id}
		idE, phE  []byte
		mergedTo  *int64
		cipher    = s.c.Cipher()
		openField = func(dst *string, sealed []byte) error {
			if len(sealed) == 0 {
				return nil
			}
			v, err := cipher.Open(sealed)
			*dst = v
			return err
		}
	)
	err := s.c.QueryRow(`SELECT id_enc, name, phone_enc, merged_into FROM persons WHERE id = ?`, id).
		Scan(&idE, s.opened(&p.Name), &phE, &mergedTo)
	if err != nil {
		return nil, 0, wrap(noRows(err, "err.person_not_found"), "find person")
	}
	if err := openField(&p.IDNumber, idE); err != nil {
		return nil, 0, wrap(err, "find person")
	}
	if err := openField(&p.Phone, phE); err != nil {
		return nil, 0, wrap(err, "find person")
	}
	var into int64
	if mergedTo != nil {
		into = *mergedTo
	}
	return &p, into, nil
}

// SetPersonMergedInto marks a person merged into another (a tombstone), or
// clears the mark when into is 0.
func (s Store) SetPersonMergedInto(id, into int64) error {
	var v any
	if into != 0 {
		v = into
	}
	return wrap(s.execOne("err.person_not_found", `UPDATE persons SET merged_into = ? WHERE id = ?`, v, id), "mark person")
}

// MovePersonRows points the rows of link that refer to person from at
// person to, and returns their ids; for LinkMoveUnique the rows that
// would collide with one the survivor has stay, and come back as kept.
func (s Store) MovePersonRows(l epiloop.PersonLink, from, to int64) (moved, kept []int64, err error) {
	q := `UPDATE ` + l.Table + ` SET ` + l.Column + ` = ? WHERE ` + l.Column + ` = ?`
	args := []any{to, from}
	if l.Rule == epiloop.LinkMoveUnique {
		q += ` AND ` + l.Unique + ` NOT IN (SELECT ` + l.Unique + ` FROM ` + l.Table + ` WHERE ` + l.Column + ` = ?)`
		args = append(args, to)
	}
	if moved, err = s.ids(q+` RETURNING id`, args...); err != nil {
		return nil, nil, wrap(s.c.Constraint(err, "err.merge_link_conflict", "err.person_not_found"), "move "+l.Key())
	}
	if l.Rule == epiloop.LinkMoveUnique {
		kept, err = s.ids(`SELECT id FROM `+l.Table+` WHERE `+l.Column+` = ? ORDER BY id`, from)
	}
	return moved, kept, wrap(err, "move "+l.Key())
}

// RestorePersonRows points rows ids of link at person to.
func (s Store) RestorePersonRows(l epiloop.PersonLink, ids []int64, to int64) error {
	return wrap(s.setByIDs(l.Table, l.Column, to, ids), "restore "+l.Key())
}

// MoveSources moves a lead's sources to another lead and returns their ids.
func (s Store) MoveSources(fromLead, toLead int64) ([]int64, error) {
	ids, err := s.ids(`UPDATE sources SET lead_id = ? WHERE lead_id = ? RETURNING id`, toLead, fromLead)
	return ids, wrap(err, "move sources")
}

// RestoreSources moves sources ids back to a lead.
func (s Store) RestoreSources(ids []int64, toLead int64) error {
	return wrap(s.setByIDs("sources", "lead_id", toLead, ids), "restore sources")
}

// setByIDs sets column col of rows ids of table to v, a chunk of ids a
// statement.
func (s Store) setByIDs(table, col string, v int64, ids []int64) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := []any{v}
		for _, id := range chunk {
			args = append(args, id)
		}
		_, err := s.c.Exec(`UPDATE `+table+` SET `+col+` = ? WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// ids runs a query of one id column and returns the ids.
func (s Store) ids(q string, args ...any) ([]int64, error) {
	rows, err := s.c.Query(q, args...)
	return collect(rows, err, func(r Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// CreatePersonMerge records a merge and sets its id.
func (s Store) CreatePersonMerge(m *epiloop.PersonMerge) error {
	choice, err := jsonText(m.Choice)
	if err != nil {
		return wrap(err, "create merge")
	}
	journal, err := s.sealedJSON(m.Journal)
	if err != nil {
		return wrap(err, "create merge")
	}
	m.ID, err = s.insert(`INSERT INTO person_merges (survivor_id, merged_id, choice, journal, by_user, at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.SurvivorID, m.MergedID, choice, journal, m.By, m.At)
	return wrap(s.c.Constraint(err, "", "err.person_not_found"), "create merge")
}

const mergeColumns = `id, survivor_id, merged_id, choice, journal, by_user, at, undone_by, undone_at`

func (s Store) scanMerge(r Row) (*epiloop.PersonMerge, error) {
	var (
		m               epiloop.PersonMerge
		choice, journal string
	)
	if err := r.Scan(&m.ID, &m.SurvivorID, &m.MergedID, &choice, s.opened(&journal), &m.By, &m.At,
		&m.UndoneBy, &m.UndoneAt); err != nil {
		return nil, err
	}
	if err := fromJSON(choice, &m.Choice); err != nil {
		return nil, err
	}
	return &m, fromJSON(journal, &m.Journal)
}

// FindPersonMerge returns one merge, its row locked with lock.
func (s Store) FindPersonMerge(id int64, lock bool) (*epiloop.PersonMerge, error) {
	m, err := s.scanMerge(s.c.QueryRow(`SELECT `+mergeColumns+` FROM person_merges m WHERE id = ?`+
		s.c.ForUpdate(lock, "m"), id))
	return m, wrap(noRows(err, "err.merge_not_found"), "find merge")
}

// FindPersonMerges returns one page of merges, newest first, and the total.
func (s Store) FindPersonMerges(limit, offset int) ([]epiloop.PersonMerge, int, error) {
	total, err := s.c.Count("person_merges m", "1 = 1")
	if err != nil {
		return nil, 0, wrap(err, "find merges")
	}
	rows, err := s.c.Query(`SELECT `+mergeColumns+` FROM person_merges ORDER BY id DESC LIMIT ? OFFSET ?`,
		epiloop.PageLimit(limit), max(offset, 0))
	out, err := collect(rows, err, func(r Rows) (epiloop.PersonMerge, error) {
		m, err := s.scanMerge(r)
		if err != nil {
			return epiloop.PersonMerge{}, err
		}
		return *m, nil
	})
	return out, total, wrap(err, "find merges")
}

// SetMergeUndone records a merge's undo.
func (s Store) SetMergeUndone(id, by int64, at time.Time) error {
	return wrap(s.execOne("err.merge_not_found", `UPDATE person_merges SET undone_by = ?, undone_at = ?
		WHERE id = ? AND undone_at IS NULL`, by, at, id), "undo merge")
}

// AddMergeCandidate records a candidate pair unless the pair is known
// (whatever its state), and reports whether it was new.
func (s Store) AddMergeCandidate(c *epiloop.MergeCandidate) (bool, error) {
	n, err := s.c.Exec(`INSERT INTO merge_candidates (person_a, person_b, reason, state, found_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_a, person_b) DO NOTHING`,
		c.PersonA, c.PersonB, c.Reason, c.State, c.FoundAt)
	return n > 0, wrap(err, "add candidate")
}

// SetCandidateState sets the state of the pair (a, b), if it is a
// candidate.
func (s Store) SetCandidateState(a, b int64, state epiloop.CandidateState) error {
	a, b = epiloop.CandidatePair(a, b)
	_, err := s.c.Exec(`UPDATE merge_candidates SET state = ? WHERE person_a = ? AND person_b = ?`, state, a, b)
	return wrap(err, "set candidate")
}

// FindMergeCandidateByID returns one candidate.
func (s Store) FindMergeCandidateByID(id int64) (*epiloop.MergeCandidate, error) {
	c, err := scanCandidate(s.c.QueryRow(`SELECT `+candidateColumns+` FROM merge_candidates WHERE id = ?`, id))
	return &c, wrap(noRows(err, "err.merge_candidate_not_found"), "find candidate")
}

const candidateColumns = `id, person_a, person_b, reason, state, found_at`

func scanCandidate(r Row) (epiloop.MergeCandidate, error) {
	var c epiloop.MergeCandidate
	err := r.Scan(&c.ID, &c.PersonA, &c.PersonB, &c.Reason, &c.State, &c.FoundAt)
	return c, err
}

// FindMergeCandidates returns one page of the candidates in state, oldest
// first, and their total.
func (s Store) FindMergeCandidates(state epiloop.CandidateState, limit, offset int) ([]epiloop.MergeCandidate, int, error) {
	total, err := s.c.Count("merge_candidates c", "c.state = ?", state)
	if err != nil {
		return nil, 0, wrap(err, "find candidates")
	}
	rows, err := s.c.Query(`SELECT `+candidateColumns+` FROM merge_candidates WHERE state = ? ORDER BY id LIMIT ? OFFSET ?`,
		state, epiloop.PageLimit(limit), max(offset, 0))
	out, err := collect(rows, err, func(r Rows) (epiloop.MergeCandidate, error) { return scanCandidate(r) })
	return out, total, wrap(err, "find candidates")
}

// FindPersonGroups returns the live persons sharing the blind index of
// key ("phone" or "name") with another, a group per value, for up to
// limit values after after, read on the key's partial index.
func (s Store) FindPersonGroups(key string, after []byte, limit int) ([][]int64, []byte, error) {
	col := "phone_key"
	if key == "name" {
		col = "name_key"
	}
	if after == nil {
		after = []byte{}
	}
	rows, err := s.c.Query(`SELECT p.`+col+`, p.id FROM persons p WHERE p.`+col+` IN (
			SELECT `+col+` FROM persons WHERE `+col+` IS NOT NULL AND `+col+` > ?
			GROUP BY `+col+` HAVING COUNT(*) > 1 ORDER BY `+col+` LIMIT ?)
		ORDER BY p.`+col+`, p.id`, after, limit)
	type member struct {
		key []byte
		id  int64
	}
	ms, err := collect(rows, err, func(r Rows) (member, error) {
		var m member
		return m, r.Scan(&m.key, &m.id)
	})
	if err != nil {
		return nil, nil, wrap(err, "find person groups")
	}
	var groups [][]int64
	var last []byte
	for i, m := range ms {
		if i == 0 || !bytes.Equal(m.key, last) {
			groups = append(groups, nil)
			last = m.key
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], m.id)
	}
	return groups, last, nil
}

// PersonReferences runs an engine's query of its schema's columns (table,
// column, whether a foreign key to persons) and keeps those that refer to
// a person: a foreign key to persons, or a name that says so
// (epiloop.NamesPerson).
func (s Store) PersonReferences(schemaColumns string) ([]epiloop.PersonLink, error) {
	rows, err := s.c.Query(schemaColumns)
	cols, err := collect(rows, err, func(r Rows) (struct {
		l  epiloop.PersonLink
		fk bool
	}, error) {
		var c struct {
			l  epiloop.PersonLink
			fk bool
		}
		return c, r.Scan(&c.l.Table, &c.l.Column, &c.fk)
	})
	if err != nil {
		return nil, wrap(err, "person references")
	}
	var out []epiloop.PersonLink
	for _, c := range cols {
		if c.fk || epiloop.NamesPerson(c.l.Column) {
			out = append(out, c.l)
		}
	}
	return out, nil
}
