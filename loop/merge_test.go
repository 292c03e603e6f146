package loop_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Person merge on both engines: the sweep finds the pair, the merge moves
// every link and folds the open leads by the one merge rule, the undo puts
// everything back; and every column of the schema that refers to a person
// has a rule in epiloop.PersonLinks.

func TestPersonLinksCoverTheSchema(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		var refs []epiloop.PersonLink
		if err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
			var err error
			refs, err = tx.PersonReferences()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(refs) < 5 {
			t.Fatalf("the schema walk found %d columns: %v", len(refs), refs)
		}
		known := map[string]bool{}
		for _, l := range epiloop.PersonLinks {
			known[l.Key()] = true
		}
		found := map[string]bool{}
		for _, r := range refs {
			found[r.Key()] = true
			if !known[r.Key()] {
				t.Errorf("%s refers to a person but merge has no rule for it: add it to epiloop.PersonLinks and handle it in merge and undo", r.Key())
			}
		}
		for _, l := range epiloop.PersonLinks {
			if !found[l.Key()] && !(f.store.Engine() == "postgres" && l.Rule == epiloop.LinkIdentityKey) {
				t.Errorf("epiloop.PersonLinks names %s, which the %s schema does not have as a person reference", l.Key(), f.store.Engine())
			}
		}
	})
}

func TestPersonMergeMovesEveryLinkAndUndoes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// The same person twice: first by phone and a similar name, later
		// by ID number.
		first, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person:  epiloop.Person{Name: "李思", Phone: "13900139001"},
			Address: addrHome, Source: epiloop.Source{Kind: epiloop.SourceHotline, Ref: "t1"},
			Reason: epiloop.Reason{Fever: true},
		}))
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person:  epiloop.Person{IDNumber: id2, Name: "李四", Phone: "13900139001"},
			Address: addrHome, Source: epiloop.Source{Kind: epiloop.SourceRail, Ref: "K27"},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if first.Person.ID == second.Person.ID {
			t.Fatal("the fixture needs two persons")
		}
		vol, err := f.svc.RegisterVolunteer(station, &epiloop.Volunteer{Person: epiloop.Person{Name: "李思", Phone: "13900139001"},
			CommunityCode: shuiyuandi, Team: "一分队", Availability: "晚上"})
		if err != nil {
			t.Fatal(err)
		}
		f.store.View(ctx, func(tx epiloop.Tx) error {
			if vs, err := tx.FindVolunteerByID(vol.ID, false); err != nil || vs.Person.ID != first.Person.ID {
				t.Fatalf("volunteer %+v (%v), want person %d", vs, err, first.Person.ID)
			}
			return nil
		})

		// Only a commander sees the queue and merges.
		if _, err := f.svc.RefreshMergeCandidates(station); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Fatalf("station refresh: %v", err)
		}
		if _, err := f.svc.MergePersons(station, second.Person.ID, first.Person.ID, epiloop.MergeChoice{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Fatalf("station merge: %v", err)
		}
		if n, err := f.svc.RefreshMergeCandidates(commander); err != nil || n != 1 {
			t.Fatalf("refresh: %d, %v", n, err)
		}
		if n, err := f.svc.RefreshMergeCandidates(commander); err != nil || n != 0 {
			t.Fatalf("second refresh adds %d, %v", n, err)
		}
		cands, total, err := f.svc.FindMergeCandidates(commander, "", 10, 0)
		if err != nil || total != 1 || cands[0].Reason != epiloop.CandidatePhoneName {
			t.Fatalf("candidates %+v %d %v", cands, total, err)
		}
		if got := cands[0].SideA.Person.Phone; got == "13900139001" || got == "" {
			t.Errorf("queue shows the phone as %q, want it masked", got)
		}

		// Merge the phone-and-name record into the one with the number,
		// keeping the number's name.
		m, err := f.svc.MergePersons(commander, second.Person.ID, first.Person.ID, epiloop.MergeChoice{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MergePersons(commander, second.Person.ID, first.Person.ID, epiloop.MergeChoice{}); epiloop.ErrorCode(err) != epiloop.EINVALID {
			t.Fatalf("merging a merged person again: %v", err)
		}
		folded, kept := f.find(first.ID), f.find(second.ID)
		if folded.Status != epiloop.LeadClosed || !slices.Contains(folded.Marks, epiloop.MarkPersonMerged) {
			t.Errorf("folded lead %s %v", folded.Status, folded.Marks)
		}
		for _, tk := range folded.LiveTasks() {
			if tk.Status.Open() {
				t.Errorf("folded lead's task %d still %s", tk.ID, tk.Status)
			}
		}
		if len(kept.Sources) != 2 || !kept.Reason.Fever || kept.Person.ID != second.Person.ID {
			t.Errorf("survivor's lead: %d sources, fever %v, person %d", len(kept.Sources), kept.Reason.Fever, kept.Person.ID)
		}
		if folded.Person.ID != second.Person.ID {
			t.Errorf("folded lead still on person %d", folded.Person.ID)
		}
		f.checkCounters()
		f.store.View(ctx, func(tx epiloop.Tx) error {
			p, into, err := tx.FindPersonByID(first.Person.ID)
			if err != nil || into != second.Person.ID || p.Phone != "13900139001" {
				t.Errorf("tombstone %+v into %d %v", p, into, err)
			}
			found, err := tx.FindPerson(&epiloop.Person{Name: "李思", Phone: "13900139001"})
			if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("the merged record is still found by phone and name: %+v %v", found, err)
			}
			vs, err := tx.FindVolunteerByID(vol.ID, false)
			if err != nil || vs.Person.ID != second.Person.ID {
				t.Errorf("volunteer on person %v, %v", vs, err)
			}
			return nil
		})
		f.store.View(ctx, func(tx epiloop.Tx) error {
			events, err := tx.FindLeadEvents(second.ID)
			if err != nil || !slices.ContainsFunc(events, func(e *epiloop.Event) bool { return e.Kind == epiloop.EventPersonMerged }) {
				t.Errorf("the survivor's lead has no person.merged event (%v)", err)
			}
			return nil
		})

		// Undo: everything as it was.
		if _, err := f.svc.UndoMerge(commander, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UndoMerge(commander, m.ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Fatalf("second undo: %v", err)
		}
		back, kept := f.find(first.ID), f.find(second.ID)
		if back.Status != first.Status || back.Person.ID != first.Person.ID || len(back.Sources) != 1 ||
			slices.Contains(back.Marks, epiloop.MarkPersonMerged) || back.ClosedAt != nil {
			t.Errorf("reopened lead: %s person %d sources %d marks %v", back.Status, back.Person.ID, len(back.Sources), back.Marks)
		}
		for _, tk := range back.LiveTasks() {
			if !tk.Status.Open() {
				t.Errorf("reopened lead's task %d is %s", tk.ID, tk.Status)
			}
		}
		if len(kept.Sources) != 1 {
			t.Errorf("survivor keeps %d sources", len(kept.Sources))
		}
		f.checkCounters()
		f.store.View(ctx, func(tx epiloop.Tx) error {
			p, into, err := tx.FindPersonByID(first.Person.ID)
			if err != nil || into != 0 || p.Phone != "13900139001" || p.Name != "李思" {
				t.Errorf("restored %+v into %d %v", p, into, err)
			}
			vs, err := tx.FindVolunteerByID(vol.ID, false)
			if err != nil || vs.Person.ID != first.Person.ID {
				t.Errorf("volunteer back on %v, %v", vs, err)
			}
			return nil
		})

		// A merge is undone within 30 days only.
		m2, err := f.svc.MergePersons(commander, second.Person.ID, first.Person.ID, epiloop.MergeChoice{Name: epiloop.SideMerged})
		if err != nil {
			t.Fatal(err)
		}
		f.store.View(ctx, func(tx epiloop.Tx) error {
			if p, _, err := tx.FindPersonByID(second.Person.ID); err != nil || p.Name != "李思" || p.IDNumber != id2 {
				t.Errorf("survivor %+v (%v), want the chosen name 李思 and the number", p, err)
			}
			return nil
		})
		f.clock.Add(epiloop.MergeUndoWindow + time.Hour)
		if _, err := f.svc.UndoMerge(commander, m2.ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Fatalf("undo after 30 days: %v", err)
		}
		f.checkCounters()
	})
}

// TestPersonMergeTakesTheOtherNumber merges a typo'd ID number into the
// right one, the survivor taking the merged record's number: the numbers'
// blind indexes follow on both engines, and the undo gives each back.
func TestPersonMergeTakesTheOtherNumber(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		right := epiloop.CompleteIDNumber("42010219680312135")
		typo := epiloop.CompleteIDNumber("42010219680312153")
		a := &epiloop.Person{Name: "赵秀英", IDNumber: right}
		b := &epiloop.Person{Name: "赵秀英", IDNumber: typo, Phone: "13900139002"}
		if err := f.store.Update(ctx, func(tx epiloop.Tx) error {
			if err := tx.CreatePerson(a); err != nil {
				return err
			}
			return tx.CreatePerson(b)
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.SweepMergeCandidates(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		// b (with the phone) survives and takes a's number.
		m, err := f.svc.MergePersons(commander, b.ID, a.ID, epiloop.MergeChoice{IDNumber: epiloop.SideMerged})
		if err != nil {
			t.Fatal(err)
		}
		who := func(id string) int64 {
			var got int64
			f.store.View(ctx, func(tx epiloop.Tx) error {
				p, err := tx.FindPerson(&epiloop.Person{IDNumber: id})
				if err == nil {
					got = p.ID
				} else if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
					t.Fatal(err)
				}
				return nil
			})
			return got
		}
		if got := who(right); got != b.ID {
			t.Errorf("the right number finds person %d, want the survivor %d", got, b.ID)
		}
		if got := who(typo); got != 0 {
			t.Errorf("the typo still finds person %d", got)
		}
		if _, err := f.svc.UndoMerge(commander, m.ID); err != nil {
			t.Fatal(err)
		}
		if who(right) != a.ID || who(typo) != b.ID {
			t.Errorf("after the undo: right → %d (want %d), typo → %d (want %d)", who(right), a.ID, who(typo), b.ID)
		}
	})
}

// pausedRows is a RowSource that stops after its first part until resume
// is closed, telling paused when it gets there: an import read halfway.
type pausedRows struct {
	rows   []epiloop.ImportRow
	at     int
	i      int
	paused chan struct{}
	resume chan struct{}
}

func (p *pausedRows) Next() (epiloop.ImportRow, error) {
	if p.i == p.at {
		close(p.paused)
		<-p.resume
	}
	if p.i >= len(p.rows) {
		return epiloop.ImportRow{}, io.EOF
	}
	p.i++
	return p.rows[p.i-1], nil
}

// TestMergeNeverBlocksAnImport merges two persons, and sweeps for
// candidates, while an import is halfway through its file: the import
// holds no transaction while it reads, so both finish at once, and the
// import then takes the rest of its rows.
func TestMergeNeverBlocksAnImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		first, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person: epiloop.Person{Name: "李思", Phone: "13900139001"}, Address: addrHome,
			Source: epiloop.Source{Kind: epiloop.SourceHotline, Ref: "t1"}}))
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person: epiloop.Person{IDNumber: id2, Name: "李四", Phone: "13900139001"}, Address: addrHome,
			Source: epiloop.Source{Kind: epiloop.SourceRail, Ref: "K27"}}))
		if err != nil {
			t.Fatal(err)
		}
		src := &pausedRows{rows: manifest(120), at: 50, paused: make(chan struct{}), resume: make(chan struct{})}
		done := make(chan error, 1)
		var im *epiloop.Import
		go func() {
			var err error
			im, _, err = importAs(commander, f, src, "merge-while-importing")
			done <- err
		}()
		select {
		case <-src.paused:
		case err := <-done:
			t.Fatalf("the import ended before its pause: %v", err)
		case <-time.After(time.Minute):
			t.Fatal("the import never reached its pause")
		}
		// A deadlock guard, not a timing: a merge waiting on the import
		// would wait for ever, the import waiting on its file.
		ctx, cancel := context.WithTimeout(commander, 30*time.Second)
		defer cancel()
		if _, err := f.svc.RefreshMergeCandidates(ctx); err != nil {
			t.Fatalf("sweep during the import: %v", err)
		}
		if _, err := f.svc.MergePersons(ctx, second.Person.ID, first.Person.ID, epiloop.MergeChoice{}); err != nil {
			t.Fatalf("merge during the import: %v", err)
		}
		close(src.resume)
		if err := <-done; err != nil {
			t.Fatalf("import: %v", err)
		}
		if im.Counts.Rows != 120 || im.Status != "done" {
			t.Errorf("the import: %s, %d rows; want done, 120", im.Status, im.Counts.Rows)
		}
	})
}
