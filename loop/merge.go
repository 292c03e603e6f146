package loop

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/epiloop/epiloop"
)

// Person merge (epiloop/merge.go): the candidates' sweep and queue, the
// merge and its undo. A merge is one short transaction over the two
// persons' rows; an import never waits for more than that.

func mergeObject(id int64) string  { return fmt.Sprintf("merge:%d", id) }
func personObject(id int64) string { return fmt.Sprintf("person:%d", id) }

// groupsPage bounds the key values a sweep reads a transaction.
const groupsPage = 500

// RefreshMergeCandidates sweeps the persons for pairs sharing a phone or a
// name that may be one person (epiloop.CandidateReasonOf, or a shared
// phone where one has a lead marked name_mismatch) and adds the pairs not
// known yet to the queue. It reads page by page in snapshots and writes
// each page's new pairs in one short transaction.
func (s *Service) RefreshMergeCandidates(ctx context.Context) (int, error) {
	if _, err := allowed(ctx, epiloop.ActMergePersons); err != nil {
		return 0, err
	}
	return s.SweepMergeCandidates(ctx)
}

// SweepMergeCandidates is the sweep of RefreshMergeCandidates, run by the
// system (the server's sweep, epiloop persons candidates).
func (s *Service) SweepMergeCandidates(ctx context.Context) (int, error) {
	added := 0
	for _, key := range []string{"phone", "name"} {
		var after []byte
		for {
			var found []epiloop.MergeCandidate
			n := 0
			err := s.Store.View(ctx, func(tx epiloop.Tx) error {
				groups, last, err := tx.FindPersonGroups(key, after, groupsPage)
				if err != nil {
					return err
				}
				n, after = len(groups), last
				for _, g := range groups {
					cs, err := candidatesOf(tx, key, g)
					if err != nil {
						return err
					}
					found = append(found, cs...)
				}
				return nil
			})
			if err != nil {
				return added, err
			}
			for i := range found {
				found[i].FoundAt = s.now()
			}
			if len(found) > 0 {
				err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
					for i := range found {
						ok, err := tx.AddMergeCandidate(&found[i])
						if err != nil {
							return err
						}
						if ok {
							added++
						}
					}
					return nil
				})
				if err != nil {
					return added, err
				}
			}
			if n < groupsPage {
				break
			}
		}
	}
	return added, nil
}

// candidatesOf judges the pairs of one group of persons sharing the blind
// index of key, each person opened once. A name's group is compared
// within each birth date only (the name-and-birth rule); a phone's group
// pair by pair (a similar name, or a lead marked name_mismatch).
func candidatesOf(tx epiloop.Tx, key string, ids []int64) ([]epiloop.MergeCandidate, error) {
	type member struct {
		p        epiloop.Person
		mismatch bool
	}
	buckets := map[string][]member{}
	for _, id := range ids {
		p, _, err := tx.FindPersonByID(id)
		if err != nil {
			return nil, err
		}
		m := member{p: *p}
		bucket := ""
		if key == "name" {
			b, ok := epiloop.BirthKey(p.IDNumber)
			if !ok {
				continue
			}
			bucket = b
		} else {
			l, err := tx.FindOpenLeadByPerson(id, false)
			switch {
			case err == nil:
				m.mismatch = slices.Contains(l.Marks, epiloop.MarkNameMismatch)
			case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
				return nil, err
			}
		}
		buckets[bucket] = append(buckets[bucket], m)
	}
	var out []epiloop.MergeCandidate
	for _, ms := range buckets {
		for i := range ms {
			for j := i + 1; j < len(ms); j++ {
				a, b := ms[i], ms[j]
				c := epiloop.MergeCandidate{PersonA: a.p.ID, PersonB: b.p.ID, State: epiloop.CandidateOpen}
				if c.PersonA > c.PersonB {
					c.PersonA, c.PersonB = c.PersonB, c.PersonA
				}
				if r, ok := epiloop.CandidateReasonOf(a.p, b.p); ok {
					c.Reason = r
				} else if key == "phone" && a.p.Phone != "" && a.p.Phone == b.p.Phone && (a.mismatch || b.mismatch) {
					c.Reason = epiloop.CandidateNameMismatch
				} else {
					continue
				}
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// MergeSide is one person of a comparison, masked.
type MergeSide struct {
	Person     epiloop.Person `json:"person"`
	MergedInto int64          `json:"merged_into,omitempty"`
	// OpenLead is the person's open lead (0 when none).
	OpenLead   int64              `json:"open_lead,omitempty"`
	LeadStatus epiloop.LeadStatus `json:"lead_status,omitempty"`
}

// maskedSide reads one person of a comparison, masked.
func maskedSide(tx epiloop.Tx, id int64) (*MergeSide, error) {
	p, into, err := tx.FindPersonByID(id)
	if err != nil {
		return nil, err
	}
	side := &MergeSide{MergedInto: into, Person: epiloop.Person{ID: p.ID, Name: epiloop.MaskName(p.Name),
		IDNumber: epiloop.MaskIDNumber(p.IDNumber), Phone: epiloop.MaskPhone(p.Phone)}}
	l, err := tx.FindOpenLeadByPerson(id, false)
	switch {
	case err == nil:
		side.OpenLead, side.LeadStatus = l.ID, l.Status
	case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
		return nil, err
	}
	return side, nil
}

// CandidateView is a candidate pair with both sides masked.
type CandidateView struct {
	epiloop.MergeCandidate
	SideA *MergeSide `json:"side_a"`
	SideB *MergeSide `json:"side_b"`
}

// FindMergeCandidates returns one page of the queue in state, both sides
// masked, and its total.
func (s *Service) FindMergeCandidates(ctx context.Context, state epiloop.CandidateState, limit, offset int) ([]CandidateView, int, error) {
	_, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return nil, 0, err
	}
	if state == "" {
		state = epiloop.CandidateOpen
	}
	var (
		out   []CandidateView
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		cs, n, err := tx.FindMergeCandidates(state, limit, offset)
		if err != nil {
			return err
		}
		total = n
		for _, c := range cs {
			v := CandidateView{MergeCandidate: c}
			if v.SideA, err = maskedSide(tx, c.PersonA); err != nil {
				return err
			}
			if v.SideB, err = maskedSide(tx, c.PersonB); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, total, err
}

// ComparePersons returns two persons side by side, masked.
func (s *Service) ComparePersons(ctx context.Context, a, b int64) (*MergeSide, *MergeSide, error) {
	_, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return nil, nil, err
	}
	var sa, sb *MergeSide
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		if sa, err = maskedSide(tx, a); err != nil {
			return err
		}
		sb, err = maskedSide(tx, b)
		return err
	})
	return sa, sb, err
}

// DismissCandidate takes a pair out of the queue: not one person.
func (s *Service) DismissCandidate(ctx context.Context, id int64) error {
	u, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, err := tx.FindMergeCandidateByID(id)
		if err != nil {
			return err
		}
		if err := tx.SetCandidateState(c.PersonA, c.PersonB, epiloop.CandidateDismissed); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, personObject(c.PersonA), "merge candidate dismissed "+personObject(c.PersonB))
	})
}

// MergePersons merges person merged into survivor: the survivor takes the
// chosen values, every row that refers to the merged person moves to the
// survivor (epiloop.PersonLinks), an open lead of the merged person is
// folded into the survivor's by the one merge rule, and the merged person
// stays as a tombstone. Undo within 30 days with UndoMerge.
func (s *Service) MergePersons(ctx context.Context, survivor, merged int64, choice epiloop.MergeChoice) (*epiloop.PersonMerge, error) {
	u, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return nil, err
	}
	if err := epiloop.MayMerge(survivor, merged); err != nil {
		return nil, err
	}
	if err := choice.Validate(); err != nil {
		return nil, err
	}
	var m *epiloop.PersonMerge
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		var err error
		m, err = s.mergePersonsTx(tx, u, survivor, merged, choice)
		return err
	})
	return m, err
}

func (s *Service) mergePersonsTx(tx epiloop.Tx, u *epiloop.User, survivor, merged int64, choice epiloop.MergeChoice) (*epiloop.PersonMerge, error) {
	now := s.now()
	sp, sInto, err := tx.FindPersonByID(survivor)
	if err != nil {
		return nil, prefixNotFound(err, "survivor")
	}
	mp, mInto, err := tx.FindPersonByID(merged)
	if err != nil {
		return nil, prefixNotFound(err, "merged")
	}
	if sInto != 0 {
		return nil, epiloop.FieldError("survivor", "err.merge_person_merged")
	}
	if mInto != 0 {
		return nil, epiloop.FieldError("merged", "err.merge_person_merged")
	}
	m := &epiloop.PersonMerge{SurvivorID: survivor, MergedID: merged, Choice: choice, By: u.ID, At: now,
		Journal: epiloop.MergeJournal{Survivor: *sp, Merged: *mp, Moved: epiloop.MovedRows{}}}
	sLead, err := openLeadOf(tx, survivor)
	if err != nil {
		return nil, err
	}
	mLead, err := openLeadOf(tx, merged)
	if err != nil {
		return nil, err
	}
	if sLead != nil && mLead != nil {
		if m.Journal.Fold, err = s.fold(tx, u, now, mLead, sLead); err != nil {
			return nil, err
		}
	}
	for _, l := range epiloop.MovedLinks() {
		moved, kept, err := tx.MovePersonRows(l, merged, survivor)
		if err != nil {
			return nil, err
		}
		if len(moved) > 0 {
			m.Journal.Moved[l.Key()] = moved
		}
		if len(kept) > 0 {
			if m.Journal.Kept == nil {
				m.Journal.Kept = epiloop.MovedRows{}
			}
			m.Journal.Kept[l.Key()] = kept
		}
	}
	// The tombstone first: the survivor may take the merged person's ID
	// number, which is unique.
	if err := tx.TombstonePerson(mp, survivor); err != nil {
		return nil, err
	}
	if next := choice.Merged(*sp, *mp); next != *sp {
		if err := tx.UpdatePerson(&next); err != nil {
			return nil, err
		}
	}
	if err := tx.CreatePersonMerge(m); err != nil {
		return nil, err
	}
	if err := tx.SetCandidateState(survivor, merged, epiloop.CandidateMerged); err != nil {
		return nil, err
	}
	if err := s.personEvent(tx, u, now, survivor, epiloop.EventPersonMerged, m); err != nil {
		return nil, err
	}
	return m, s.audit(tx, u, epiloop.AuditChange, mergeObject(m.ID),
		fmt.Sprintf("merge %s into %s", personObject(merged), personObject(survivor)))
}

// prefixNotFound names the side of a missing person.
func prefixNotFound(err error, field string) error {
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return epiloop.FieldError(field, "err.merge_person_missing")
	}
	return err
}

// openLeadOf returns the person's open lead, locked, or nil.
func openLeadOf(tx epiloop.Tx, person int64) (*epiloop.Lead, error) {
	l, err := tx.FindOpenLeadByPerson(person, true)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil, nil
	}
	return l, err
}

// fold merges the open lead from into the open lead into by the one merge
// rule — each of its sources as a report for into — and closes from, its
// open tasks cancelled; it returns what an undo needs.
func (s *Service) fold(tx epiloop.Tx, u *epiloop.User, now time.Time, from, into *epiloop.Lead) (*epiloop.LeadFold, error) {
	f := &epiloop.LeadFold{LeadID: from.ID, IntoLeadID: into.ID, Status: from.Status, Tasks: map[int64]epiloop.TaskStatus{}}
	for _, t := range from.Tasks {
		f.Tasks[t.ID] = t.Status
	}
	c := changeOf(tx, from, now, u)
	if err := cancelOpen(c, "person_merged"); err != nil {
		return nil, err
	}
	if err := from.Move(epiloop.LeadClosed); err != nil {
		return nil, err
	}
	from.ClosedAt = &now
	from.Mark(epiloop.MarkPersonMerged)
	c.emit(epiloop.EventLeadClosed, nil, map[string]any{"by": "person_merge", "into": into.ID})
	if err := c.save(); err != nil {
		return nil, err
	}
	ci := changeOf(tx, into, now, u)
	// The one merge rule, with the folded lead as the report: its
	// priority, fever and close contact (its sources' together).
	s.merge(into, &epiloop.Source{Reason: from.Reason}, from.Priority)
	for _, mk := range from.Marks {
		if mk != epiloop.MarkPersonMerged {
			into.Mark(mk)
		}
	}
	ci.emit(epiloop.EventLeadMerged, nil, map[string]any{"source": "person_merge", "priority": into.Priority, "lead": from.ID})
	if err := ci.save(); err != nil {
		return nil, err
	}
	var err error
	f.Sources, err = tx.MoveSources(from.ID, into.ID)
	return f, err
}

// personEvent writes a merge's event on the survivor's leads' timeline:
// the open lead's, or the newest one's; none when the person has no lead.
func (s *Service) personEvent(tx epiloop.Tx, u *epiloop.User, now time.Time, person int64, kind string, m *epiloop.PersonMerge) error {
	l, err := tx.FindOpenLeadByPerson(person, false)
	switch {
	case epiloop.ErrorCode(err) == epiloop.ENOTFOUND:
		e := epiloop.NewEvent(kind, nil, now, u.ID, map[string]any{"merge": m.ID})
		return tx.CreateEvent(e)
	case err != nil:
		return err
	}
	return tx.CreateEvent(epiloop.NewEvent(kind, l, now, u.ID, map[string]any{"merge": m.ID}))
}

// UndoMerge undoes a merge within 30 days: both identities as they were,
// every moved row back to the merged person, the folded lead reopened
// with its tasks as they were and its sources back. What the survivor's
// lead took from the fold (a raised priority, fever) stays: its units may
// have acted on it.
func (s *Service) UndoMerge(ctx context.Context, id int64) (*epiloop.PersonMerge, error) {
	u, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return nil, err
	}
	var m *epiloop.PersonMerge
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		now := s.now()
		var err error
		if m, err = tx.FindPersonMerge(id, true); err != nil {
			return err
		}
		if err := m.Undoable(now); err != nil {
			return err
		}
		if _, into, err := tx.FindPersonByID(m.SurvivorID); err != nil {
			return err
		} else if into != 0 {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.merge_survivor_merged")
		}
		j := m.Journal
		j.Survivor.ID, j.Merged.ID = m.SurvivorID, m.MergedID // not in the journal's JSON
		if err := tx.UpdatePerson(&j.Survivor); err != nil {
			return err
		}
		if err := tx.SetPersonMergedInto(m.MergedID, 0); err != nil {
			return err
		}
		if err := tx.UpdatePerson(&j.Merged); err != nil {
			return err
		}
		for _, l := range epiloop.MovedLinks() {
			if ids := j.Moved[l.Key()]; len(ids) > 0 {
				if err := tx.RestorePersonRows(l, ids, m.MergedID); err != nil {
					return err
				}
			}
		}
		if j.Fold != nil {
			if err := s.unfold(tx, u, now, j.Fold); err != nil {
				return err
			}
		}
		if err := tx.SetMergeUndone(m.ID, u.ID, now); err != nil {
			return err
		}
		m.UndoneBy, m.UndoneAt = u.ID, &now
		if err := tx.SetCandidateState(m.SurvivorID, m.MergedID, epiloop.CandidateDismissed); err != nil {
			return err
		}
		for _, p := range []int64{m.SurvivorID, m.MergedID} {
			if err := s.personEvent(tx, u, now, p, epiloop.EventPersonMergeUndone, m); err != nil {
				return err
			}
		}
		return s.audit(tx, u, epiloop.AuditChange, mergeObject(m.ID), "merge undone")
	})
	return m, err
}

// unfold reopens a folded lead: its status and tasks as they were, its
// sources back.
func (s *Service) unfold(tx epiloop.Tx, u *epiloop.User, now time.Time, f *epiloop.LeadFold) error {
	if err := tx.RestoreSources(f.Sources, f.LeadID); err != nil {
		return err
	}
	c, err := loadChange(tx, f.LeadID, now, u)
	if err != nil {
		return err
	}
	l := c.lead
	// An undo restores the state the merge left, which no transition
	// reaches (a closed lead does not reopen otherwise).
	l.Status, l.ClosedAt = f.Status, nil
	l.Marks = slices.DeleteFunc(l.Marks, func(m string) bool { return m == epiloop.MarkPersonMerged })
	for _, t := range l.Tasks {
		if was, ok := f.Tasks[t.ID]; ok && was != t.Status {
			t.Status = was
			s.schedule(t)
		}
	}
	c.emit(epiloop.EventPersonMergeUndone, nil, map[string]any{"into": f.IntoLeadID})
	return c.save()
}

// FindMerges returns one page of merges, newest first, and the total.
func (s *Service) FindMerges(ctx context.Context, limit, offset int) ([]epiloop.PersonMerge, int, error) {
	_, err := allowed(ctx, epiloop.ActMergePersons)
	if err != nil {
		return nil, 0, err
	}
	var (
		out   []epiloop.PersonMerge
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		out, total, err = tx.FindPersonMerges(limit, offset)
		return err
	})
	return out, total, err
}
