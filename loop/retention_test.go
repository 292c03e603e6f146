package loop_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/sqlite"
)

func TestPurgeAfterRetention(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	closed := f.lead(id1, addrHome, epiloop.Reason{Note: "邻居举报"})
	fb := home
	fb.Measure = epiloop.MeasureNoneRequired
	fb.Note = "本人在家，无需措施"
	f.submit(station, taskOf(t, closed, epiloop.UnitPoliceStation).ID, fb)
	f.submit(committee, taskOf(t, closed, epiloop.UnitCommittee).ID, fb)
	open := f.lead(id2, addrHome, epiloop.Reason{})
	// A lead closed with home observation keeps its data while the
	// observation runs.
	observed := f.lead(id3, addrHome, epiloop.Reason{})
	f.submit(station, taskOf(t, observed, epiloop.UnitPoliceStation).ID, home)
	f.submit(committee, taskOf(t, observed, epiloop.UnitCommittee).ID, home)
	before, _ := f.svc.Overview(commander)

	f.clock.Add(29 * 24 * time.Hour)
	if rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, false); err != nil || rep.Leads != 0 {
		t.Fatalf("before the period: %+v, %v", rep, err)
	}
	f.clock.Add(2 * 24 * time.Hour)
	rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, true)
	if err != nil || rep.Leads != 1 {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	if p, err := f.svc.Reveal(commander, closed.ID, "核查"); err != nil || p.IDNumber != id1 {
		t.Fatalf("dry run purged: %q %v", p.IDNumber, err)
	}
	dry := rep
	rep, err = f.svc.Purge(ctx, epiloop.DefaultRetention, false)
	if err != nil || rep.Leads != 1 || rep.Persons != 1 {
		t.Fatalf("purge: %+v, %v", rep, err)
	}
	// The dry run counted what the run then purged, persons and
	// travellers too.
	if dry.Leads != rep.Leads || dry.Persons != rep.Persons || dry.Travellers != rep.Travellers {
		t.Errorf("dry run %+v, the run %+v", dry, rep)
	}
	got := f.find(closed.ID)
	if got.Person.Name != epiloop.PurgedName || got.Address != "" || got.Reason.Note != "" {
		t.Errorf("purged lead keeps %q / %q / %q", got.Person.Name, got.Address, got.Reason.Note)
	}
	for _, tk := range got.Tasks {
		if tk.Feedback != nil && tk.Feedback.Note != "" {
			t.Errorf("task %d keeps its note", tk.ID)
		}
	}
	if p, _ := f.svc.Reveal(commander, closed.ID, "核查"); p.IDNumber != "" || p.Phone != "" {
		t.Errorf("purged identity still revealed")
	}
	if got.Outcome == nil || got.Outcome.Measure != epiloop.MeasureNoneRequired {
		t.Errorf("outcome measure lost: %+v", got.Outcome)
	}
	if o := f.find(open.ID); o.Status != epiloop.LeadPushed || o.Address == "" {
		t.Errorf("open lead touched")
	}
	if o := f.find(observed.ID); o.Address == "" || o.Person.Name == epiloop.PurgedName {
		t.Errorf("lead under active observation purged")
	}
	after, _ := f.svc.Overview(commander)
	if after[epiloop.MetricClosed] != before[epiloop.MetricClosed] || after[epiloop.MetricReceived] != before[epiloop.MetricReceived] {
		t.Errorf("statistics changed: %v → %v", before, after)
	}
	f.checkCounters()
	if rep, _ := f.svc.Purge(ctx, epiloop.DefaultRetention, false); rep.Leads != 0 {
		t.Errorf("second run purged %d again", rep.Leads)
	}
	// A new report for a purged person starts a fresh person record.
	if l := f.lead(id1, addrHome, epiloop.Reason{}); l.ID == closed.ID {
		t.Errorf("merged into a purged lead")
	}
}

func TestResealAfterKeyRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "epiloop.key")
	k1, err := keyring.Create(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "epiloop.db"), k1)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f := newFixture(t)
	f.store, f.svc.Store = store, store
	if _, err := f.svc.SeedJurisdictions(ctx, tree); err != nil {
		t.Fatal(err)
	}
	ids := []string{id1, id2, id3, id4}
	for _, id := range ids {
		f.lead(id, addrHome, epiloop.Reason{})
	}
	// A person known by phone and name, whose name was written in clear
	// before sealing (schema 10) and has no blind index: the pass seals
	// it and writes the index, and the person is found again.
	noID, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
		Person: epiloop.Person{Name: "李四", Phone: "13900139000"}, Address: addrHome,
		Source: epiloop.Source{Kind: epiloop.SourceHotline},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpdateSealedText(epiloop.SealedColumns[0], epiloop.SealedTextRow{Key: []int64{noID.Person.ID}, Text: "李四"})
	}); err != nil {
		t.Fatal(err)
	}
	k2, err := keyring.Rotate(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.Reseal(ctx, k2, 3, nil)
	if err != nil || n != 5 {
		t.Fatalf("resealed %d (%v), want 5", n, err)
	}
	if n, _ := f.svc.Reseal(ctx, k2, 3, nil); n != 0 {
		t.Errorf("rerun resealed %d, want 0 (resumable)", n)
	}
	err = store.View(ctx, func(tx epiloop.Tx) error {
		ps, err := tx.FindSealedPersons(0, 10)
		for _, p := range ps {
			if len(p.IDSealed) > 0 && keyring.SealedWith(p.IDSealed) != 2 || keyring.SealedWith(p.PhoneSealed) != 2 {
				t.Errorf("person %d still under key %d", p.ID, keyring.SealedWith(p.IDSealed))
			}
		}
		if err != nil {
			return err
		}
		for _, c := range epiloop.SealedColumns {
			rows, err := tx.FindSealedTexts(c, nil, 1000)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
			}
			for _, r := range rows {
				if want := byte(2); r.Text != "" && epiloop.TextSealedWith(r.Text) != want && !c.AppendOnly {
					t.Errorf("%s.%s %v: sealed under %d, want %d", c.Table, c.Column, r.Key, epiloop.TextSealedWith(r.Text), want)
				}
			}
		}
		if p, err := tx.FindPerson(&epiloop.Person{Name: "李四", Phone: "13900139000"}); err != nil || p.ID != noID.Person.ID {
			t.Errorf("the person whose name was in clear, after re-sealing: %v, %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The server's ring (k1) reads what k2 sealed.
	if p, err := f.svc.Reveal(commander, 1, "核查"); err != nil || p.IDNumber != id1 {
		t.Errorf("after rotation: %q %v", p.IDNumber, err)
	}
	var _ loop.Resealer = k2
}

// TestPurgeImportRejects: the rejected rows of an import (their cells hold
// names, ID numbers and phones) go with the retention period; a dry run
// counts what the run then deletes.
func TestPurgeImportRejects(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		im, _, err := importAs(commander, f, &rowSlice{rows: manifest(30)}, "rejects")
		if err != nil {
			t.Fatal(err)
		}
		rejects := func() int {
			var n int
			err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
				rs, err := tx.FindImportRejects(im.ID, 0, -1)
				n = len(rs)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := rejects(); n != 3 {
			t.Fatalf("%d rejects stored, want 3", n)
		}
		ctx := context.Background()
		if rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, false); err != nil || rep.Rejects != 0 {
			t.Fatalf("within the period: %+v %v", rep, err)
		}
		f.clock.Add(epiloop.DefaultRetention + time.Hour)
		dry, err := f.svc.Purge(ctx, epiloop.DefaultRetention, true)
		if err != nil || dry.Rejects != 3 || rejects() != 3 {
			t.Fatalf("dry run: %+v %v, %d left", dry, err, rejects())
		}
		rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, false)
		if err != nil || rep.Rejects != 3 || rejects() != 0 {
			t.Errorf("after the period: %+v %v, %d left", rep, err, rejects())
		}
	})
}
