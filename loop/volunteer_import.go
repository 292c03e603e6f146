package loop

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
)

// The volunteer lists' import: the lead import's pipeline (intake's
// reader and rejects, the import record keyed by content, batches that
// commit with the import's progress, resumption, the background job) with
// a batch of its own — persons matched by blind index and created in bulk
// as the lead import does, and volunteers added to the importer's pool
// unless the person is in it already (by ID number and unit), so the same
// list imported again changes nothing.

// VolunteerRowSource yields a volunteer list's rows until io.EOF.
type VolunteerRowSource interface {
	Next() (epiloop.VolunteerRow, error)
}

// VolunteerFingerprintPrefix marks the imports of volunteer lists: their
// fingerprint is the prefix, the pool's unit and the content's.
const VolunteerFingerprintPrefix = "volunteers:"

// VolunteerFingerprint is the fingerprint of a volunteer list of content
// sha imported into unit's pool.
func VolunteerFingerprint(unit, sha string) string {
	return VolunteerFingerprintPrefix + unit + ":" + sha
}

// IsVolunteerImport reports whether im imported a volunteer list.
func IsVolunteerImport(im *epiloop.Import) bool {
	return strings.HasPrefix(im.Fingerprint, VolunteerFingerprintPrefix)
}

// ImportVolunteers takes a volunteer list into the caller's pool: started
// (or found done) and run in the caller's goroutine.
func (s *Service) ImportVolunteers(ctx context.Context, rows VolunteerRowSource, opt ImportOptions) (*epiloop.Import, bool, error) {
	im, done, err := s.StartVolunteerImport(ctx, opt)
	if err != nil || done {
		return im, done, err
	}
	return im, false, s.RunVolunteerImport(ctx, im, rows, opt)
}

// StartVolunteerImport checks the caller (a unit that registers
// volunteers) and records the import of opt's content into its pool, or
// finds it (done: nothing to do; interrupted: resumed).
func (s *Service) StartVolunteerImport(ctx context.Context, opt ImportOptions) (*epiloop.Import, bool, error) {
	u, err := allowed(ctx, epiloop.ActRegisterVolunteers)
	if err != nil {
		return nil, false, err
	}
	if u.UnitCode == "" {
		return nil, false, forbidden()
	}
	if opt.Fingerprint == "" {
		return nil, false, epiloop.FieldError("file", "err.file_has_no_fingerprint")
	}
	opt.Fingerprint = VolunteerFingerprint(u.UnitCode, opt.Fingerprint)
	opt.Source = epiloop.SourceOther
	return s.startImport(ctx, u, opt)
}

// FindVolunteerImport returns a volunteer list's import, for its importer
// (as FindImport); a lead import reads as missing.
func (s *Service) FindVolunteerImport(ctx context.Context, id int64) (*epiloop.Import, error) {
	if _, err := allowed(ctx, epiloop.ActRegisterVolunteers); err != nil {
		return nil, err
	}
	im, err := s.FindImport(ctx, id)
	if err == nil && !IsVolunteerImport(im) {
		err = epiloop.Errorf(epiloop.ENOTFOUND, "err.import_not_found")
	}
	return im, err
}

// RunVolunteerImport takes the rows of a started volunteer import in,
// batch by batch; a failure leaves it to be resumed.
func (s *Service) RunVolunteerImport(ctx context.Context, im *epiloop.Import, rows VolunteerRowSource, opt ImportOptions) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 20000
	}
	served := s.servedCommunities(u.UnitCode)
	batch := make([]epiloop.VolunteerRow, 0, opt.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.volunteerBatch(ctx, u, im, served, batch); err != nil {
			return err
		}
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(im)
		}
		return nil
	}
	for {
		r, err := rows.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return s.failImport(ctx, im, err)
		}
		if r.Line < im.NextRow {
			continue
		}
		batch = append(batch, r)
		if len(batch) == opt.BatchSize {
			if err := flush(); err != nil {
				return s.failImport(ctx, im, err)
			}
		}
	}
	if err := flush(); err != nil {
		return s.failImport(ctx, im, err)
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := claimImport(tx, im); err != nil {
			return err
		}
		im.Status, im.UpdatedAt = epiloop.ImportDone, s.now()
		if err := tx.UpdateImport(im); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("import:%d", im.ID),
			fmt.Sprintf("volunteer import done: %d rows, %d volunteers", im.Counts.Rows, im.Counts.VolunteersCreated))
	})
	s.volunteerTiles.forget()
	s.notify()
	return err
}

// servedIndex finds the communities a unit serves by code or by name.
type servedIndex struct {
	byCode, byName map[string]epiloop.Community
	// only is the one community of a committee (the default of a row
	// that names none).
	only *epiloop.Community
}

func (s *Service) servedCommunities(unit string) servedIndex {
	ix := servedIndex{byCode: map[string]epiloop.Community{}, byName: map[string]epiloop.Community{}}
	s.mu.RLock()
	for _, c := range s.communities {
		if epiloop.UnitServes(unit, &c) {
			ix.byCode[c.Code] = c
			ix.byName[c.Name] = c
		}
	}
	s.mu.RUnlock()
	if len(ix.byCode) == 1 && strings.HasPrefix(unit, epiloop.CommitteeCode("")) {
		for _, c := range ix.byCode {
			ix.only = &c
		}
	}
	return ix
}

// resolve returns the community a row names, or the reason it cannot.
func (ix servedIndex) resolve(s string) (*epiloop.Community, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		if ix.only != nil {
			return ix.only, ""
		}
		return nil, epiloop.ReasonVolunteerCommunity
	}
	if c, ok := ix.byCode[s]; ok {
		return &c, ""
	}
	if c, ok := ix.byName[s]; ok {
		return &c, ""
	}
	return nil, epiloop.ReasonVolunteerNotServed
}

// volunteerBatch writes one batch and the import's progress in one
// transaction.
func (s *Service) volunteerBatch(ctx context.Context, u *epiloop.User, im *epiloop.Import, served servedIndex, rows []epiloop.VolunteerRow) error {
	next := rows[len(rows)-1].Line + 1
	var counts epiloop.ImportCounts
	now := s.now()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		counts = epiloop.ImportCounts{}
		err = s.Store.Update(epiloop.WithBulk(ctx), func(tx epiloop.Tx) error {
			if err := claimImport(tx, im); err != nil {
				return err
			}
			c, err := s.buildVolunteers(tx, u, im, served, rows, now)
			if err != nil {
				return err
			}
			counts = c
			up := *im
			up.NextRow = next
			up.Counts.Add(c)
			up.UpdatedAt = now
			return tx.UpdateImport(&up)
		})
		// A person created meanwhile by another path: matching again
		// finds them.
		if epiloop.ErrorCode(err) != epiloop.ECONFLICT || epiloop.ErrorReason(err) == reasonImportTaken {
			break
		}
	}
	if err != nil {
		return err
	}
	im.NextRow = next
	im.Counts.Add(counts)
	im.UpdatedAt = now
	s.notify()
	return nil
}

// buildVolunteers turns a batch into rejects, new persons (in bulk, by
// blind index) and the volunteers not yet in the pool.
func (s *Service) buildVolunteers(tx epiloop.Tx, u *epiloop.User, im *epiloop.Import, served servedIndex,
	rows []epiloop.VolunteerRow, now time.Time) (epiloop.ImportCounts, error) {
	var (
		c       epiloop.ImportCounts
		rejects []epiloop.ImportReject
		vs      []*epiloop.Volunteer
		persons []epiloop.Person
	)
	for i := range rows {
		r := &rows[i]
		c.Rows++
		if r.Reject == nil {
			cm, reason := served.resolve(r.Community)
			if reason != "" {
				header := ""
				if r.CommunityColumn >= 0 && r.CommunityColumn < len(im.Headers) {
					header = im.Headers[r.CommunityColumn]
				}
				r.Reject = intake.VolunteerReject(reason, r.CommunityColumn, header)
			} else {
				v := &epiloop.Volunteer{Person: r.Person, Team: r.Team, Skills: r.Skills, Availability: r.Availability, ImportID: im.ID}
				placeVolunteer(v, u, cm, now)
				vs = append(vs, v)
				persons = append(persons, r.Person)
			}
		}
		if r.Reject != nil {
			rej := *r.Reject
			rej.Row, rej.Cells = r.Line, r.Cells
			rejects = append(rejects, rej)
			c.Rejected++
		}
	}
	c.Accepted = len(vs)
	if err := tx.AddImportRejects(im.ID, rejects); err != nil {
		return c, err
	}
	if err := matchVolunteerPersons(tx, vs, persons); err != nil {
		return c, err
	}
	n, err := tx.CreateVolunteers(vs)
	if err != nil {
		return c, err
	}
	c.VolunteersCreated, c.Merged = n, len(vs)-n
	if n > 0 {
		e := epiloop.NewEvent(epiloop.EventVolunteerImported, nil, now, u.ID,
			map[string]any{"import": im.ID, "created": n, "unit": u.UnitCode})
		e.District, e.Units = u.DistrictCode, []string{u.UnitCode}
		if len(vs) > 0 {
			e.District = vs[0].DistrictCode
		}
		if err := tx.CreateEvent(e); err != nil {
			return c, err
		}
	}
	return c, s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("import:%d", im.ID),
		fmt.Sprintf("volunteer rows %d–%d: %d volunteers, %d in the pool already", rows[0].Line, rows[len(rows)-1].Line, n, len(vs)-n))
}

// matchVolunteerPersons sets each volunteer's person: found by blind
// index (MatchPersons), else created in bulk once per identity of the
// batch.
func matchVolunteerPersons(tx epiloop.Tx, vs []*epiloop.Volunteer, persons []epiloop.Person) error {
	if len(vs) == 0 {
		return nil
	}
	matches, err := tx.MatchPersons(persons)
	if err != nil {
		return err
	}
	fresh := map[string][]*epiloop.Volunteer{}
	var order []string
	for i, v := range vs {
		if id := matches[i].PersonID; id != 0 {
			v.Person.ID = id
			continue
		}
		k := identityKey(&v.Person)
		if fresh[k] == nil {
			order = append(order, k)
		}
		fresh[k] = append(fresh[k], v)
	}
	if len(order) == 0 {
		return nil
	}
	next, err := tx.ReserveIDs("persons", len(order))
	if err != nil {
		return err
	}
	var b epiloop.BulkBatch
	for _, k := range order {
		p := fresh[k][0].Person
		p.ID, next = next, next+1
		b.Persons = append(b.Persons, &p)
		for _, v := range fresh[k] {
			v.Person.ID = p.ID
		}
	}
	return tx.InsertBulk(&b)
}
