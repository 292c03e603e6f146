package loop

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// RetentionReport says what a retention run purged (or would purge).
type RetentionReport struct {
	Cutoff  time.Time `json:"cutoff"`
	Leads   int       `json:"leads"`
	Persons int       `json:"persons"`
	// Travellers counts screened occupants released at the gate whose
	// identities were purged.
	Travellers int `json:"travellers"`
	// Rejects counts rejected import rows deleted (imports that ended
	// before the cutoff), Warnings the warnings of their accepted rows.
	Rejects  int  `json:"rejects"`
	Warnings int  `json:"warnings"`
	DryRun   bool `json:"dry_run"`
}

// Purge replaces the personal data of leads that ended more than keep ago:
// the person's identity (ID number, phone, name), the address and every
// free-text note, in the lead, its tasks' feedback, its sources and its
// events. Statuses, outcomes' measures, dates and counters stay, so purged
// persons stay countable. A person with an open lead keeps their identity.
// With dryRun nothing is written. It is safe to run on several replicas at
// once and to interrupt: each lead is purged in its own transaction.
func (s *Service) Purge(ctx context.Context, keep time.Duration, dryRun bool) (RetentionReport, error) {
	rep := RetentionReport{Cutoff: s.now().Add(-keep), DryRun: dryRun}
	var after int64
	for {
		var ids []int64
		err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			ids, err = tx.FindPurgeableLeads(rep.Cutoff, after, 500)
			return err
		})
		if err != nil || len(ids) == 0 {
			if err == nil {
				err = s.purgeTx(ctx, dryRun, func(tx epiloop.Tx) (err error) {
					if rep.Travellers, err = tx.PurgeScreenings(rep.Cutoff); err != nil {
						return err
					}
					if rep.Rejects, err = tx.PurgeImportRejects(rep.Cutoff); err != nil {
						return err
					}
					if rep.Warnings, err = tx.PurgeImportWarnings(rep.Cutoff); err != nil {
						return err
					}
					_, err = tx.PurgeXCity(rep.Cutoff)
					return err
				})
			}
			if err == nil && !dryRun {
				if c, ok := s.Store.(epiloop.WALCheckpointer); ok {
					err = c.CheckpointWAL(ctx)
				}
			}
			if err == nil && !dryRun && (rep.Leads > 0 || rep.Travellers > 0 || rep.Rejects > 0 || rep.Warnings > 0) {
				err = s.Audit(ctx, epiloop.AuditRetention, "", fmt.Sprintf("purged %d leads, %d persons, %d travellers, %d rejected rows, %d warnings",
					rep.Leads, rep.Persons, rep.Travellers, rep.Rejects, rep.Warnings))
			}
			return rep, err
		}
		for _, id := range ids {
			after = id
			purged, person, err := s.purgeLead(ctx, id, rep.Cutoff, dryRun)
			if err != nil {
				return rep, err
			}
			if purged {
				rep.Leads++
			}
			if person {
				rep.Persons++
			}
		}
	}
}

// errDryRun rolls a dry run's purge back.
var errDryRun = errors.New("dry run")

// purgeTx runs a purge in a transaction; a dry run rolls it back, so it
// counts exactly what the real run then purges.
func (s *Service) purgeTx(ctx context.Context, dryRun bool, fn func(tx epiloop.Tx) error) error {
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// purgeLead purges one lead (a dry run only counts it); it reports
// whether the lead was purged and whether its person was too.
func (s *Service) purgeLead(ctx context.Context, id int64, cutoff time.Time, dryRun bool) (bool, bool, error) {
	purged, person := false, false
	err := s.purgeTx(ctx, dryRun, func(tx epiloop.Tx) error {
		purged, person = false, false
		l, err := tx.FindLeadByID(id, true)
		if err != nil {
			return err
		}
		if l.Status.Open() || l.ClosedAt == nil || !l.ClosedAt.Before(cutoff) {
			return nil // reopened or changed since it was found
		}
		purged = true
		l.Address = ""
		l.Reason.BlankFreeText()
		if l.Outcome != nil {
			l.Outcome.BlankFreeText()
		}
		if err := tx.UpdateLead(l); err != nil {
			return err
		}
		for _, t := range l.Tasks {
			t.ReturnReason = ""
			if t.Feedback != nil {
				fb := *t.Feedback
				fb.BlankFreeText()
				t.Feedback = &fb
			}
			if err := tx.UpdateTask(t); err != nil {
				return err
			}
		}
		if _, err := tx.FindOpenLeadByPerson(l.Person.ID, false); epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			p := l.Person
			p.IDNumber, p.Phone, p.Name = "", "", epiloop.PurgedName
			if err := tx.UpdatePerson(&p); err != nil {
				return err
			}
			person = true
		} else if err != nil {
			return err
		}
		return tx.PurgeLeadRecords(id, s.now())
	})
	return purged, person, err
}

// Resealer opens values sealed under any key and seals under the current
// one.
type Resealer interface {
	Open(sealed []byte) (string, error)
	Seal(plaintext string) ([]byte, error)
	// SealedWithCurrent reports whether a value is sealed under the
	// current key.
	SealedWithCurrent(sealed []byte) bool
	// Index is the blind index (a re-sealed name's is written again).
	Index(kind, value string) []byte
}

// Reseal re-encrypts every person's identity still sealed under an older
// key, in batches of batch persons per transaction: online (other work
// goes on between batches) and resumable (a rerun skips what is done).
// progress, if set, is told the persons checked so far.
func (s *Service) Reseal(ctx context.Context, r Resealer, batch int, progress func(checked, resealed int)) (int, error) {
	var after int64
	persons, err := resealPages(ctx, s.Store, r, progress,
		func(tx epiloop.Tx) ([]epiloop.SealedPerson, error) { return tx.FindSealedPersons(after, batch) },
		func(p *epiloop.SealedPerson) (*[]byte, *[]byte) { return &p.IDSealed, &p.PhoneSealed },
		func(tx epiloop.Tx, p epiloop.SealedPerson) error { return tx.UpdateSealedPerson(p) },
		func(p epiloop.SealedPerson) { after = p.ID })
	if err != nil {
		return persons, err
	}
	var afterScreening int64
	var afterSeq int
	occupants, err := resealPages(ctx, s.Store, r, nil,
		func(tx epiloop.Tx) ([]epiloop.SealedOccupant, error) {
			return tx.FindSealedOccupants(afterScreening, afterSeq, batch)
		},
		func(o *epiloop.SealedOccupant) (*[]byte, *[]byte) { return &o.IDSealed, &o.PhoneSealed },
		func(tx epiloop.Tx, o epiloop.SealedOccupant) error { return tx.UpdateSealedOccupant(o) },
		func(o epiloop.SealedOccupant) { afterScreening, afterSeq = o.ScreeningID, o.Seq })
	resealed := persons + occupants
	if err != nil {
		return resealed, err
	}
	texts, err := s.resealTexts(ctx, r, batch)
	if err != nil {
		return resealed + texts, err
	}
	return resealed, s.Audit(ctx, epiloop.AuditKey, "", fmt.Sprintf("re-sealed %d identities and %d texts", resealed, texts))
}

// resealTexts re-seals every sealed text column (epiloop.SealedColumns)
// whose values are sealed under an older key or were written in clear
// before sealing, a page per transaction. The audit trail's purposes are
// append-only and stay under the key that sealed them.
func (s *Service) resealTexts(ctx context.Context, r Resealer, batch int) (int, error) {
	var cipher epiloop.Cipher = resealCipher{r}
	total := 0
	for _, c := range epiloop.SealedColumns {
		if c.AppendOnly {
			continue
		}
		var after []int64
		for {
			var page []epiloop.SealedTextRow
			err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
				var err error
				if page, err = tx.FindSealedTexts(c, after, batch); err != nil {
					return err
				}
				for _, row := range page {
					sealed := row.Text != "" && epiloop.TextSealed(row.Text)
					if row.Text == "" || sealed && r.SealedWithCurrent([]byte{epiloop.TextSealedWith(row.Text)}) {
						continue
					}
					plain, err := epiloop.OpenText(cipher, row.Text)
					if err != nil {
						return err
					}
					if row.Text, err = epiloop.SealText(cipher, plain); err != nil {
						return err
					}
					row.Index = c.Index(r.Index, plain)
					if err := tx.UpdateSealedText(c, row); err != nil {
						return err
					}
					total++
				}
				return nil
			})
			if err != nil {
				return total, err
			}
			if len(page) < batch || len(page) == 0 {
				break
			}
			after = page[len(page)-1].Key
		}
	}
	return total, nil
}

// resealCipher lets a Resealer seal and open text (it has no audit key
// and needs none here).
type resealCipher struct{ Resealer }

func (resealCipher) AuditMAC([]byte) []byte         { return nil }
func (resealCipher) CheckAuditMAC(_, _ []byte) bool { return false }

// resealPages re-seals one kind of sealed row a page per transaction:
// fetch reads the page after the cursor, fields gives a row's sealed
// values, update writes a re-sealed row back, advance moves the cursor to
// a row. It returns how many rows it re-sealed.
func resealPages[T any](ctx context.Context, store epiloop.Store, r Resealer, progress func(checked, resealed int),
	fetch func(epiloop.Tx) ([]T, error), fields func(*T) (*[]byte, *[]byte),
	update func(epiloop.Tx, T) error, advance func(T)) (int, error) {
	checked, resealed := 0, 0
	for {
		var page []T
		n := 0
		err := store.Update(ctx, func(tx epiloop.Tx) error {
			var err error
			n = 0
			if page, err = fetch(tx); err != nil {
				return err
			}
			for i := range page {
				id, phone := fields(&page[i])
				if r.SealedWithCurrent(*id) && r.SealedWithCurrent(*phone) {
					continue
				}
				if *id, err = reseal(r, *id); err != nil {
					return err
				}
				if *phone, err = reseal(r, *phone); err != nil {
					return err
				}
				if err := update(tx, page[i]); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return resealed, err
		}
		resealed += n
		if len(page) == 0 {
			return resealed, nil
		}
		advance(page[len(page)-1])
		checked += len(page)
		if progress != nil {
			progress(checked, resealed)
		}
	}
}

func reseal(r Resealer, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	v, err := r.Open(sealed)
	if err != nil {
		return nil, err
	}
	return r.Seal(v)
}
