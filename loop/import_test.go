package loop_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// rowSlice is a RowSource over rows; failAt > 0 makes it fail at that row
// (a crash mid-file).
type rowSlice struct {
	rows   []epiloop.ImportRow
	i      int
	failAt int
}

func (s *rowSlice) Next() (epiloop.ImportRow, error) {
	if s.i >= len(s.rows) {
		return epiloop.ImportRow{}, io.EOF
	}
	if s.failAt > 0 && s.i+1 == s.failAt {
		return epiloop.ImportRow{}, errors.New("disk read error")
	}
	s.i++
	return s.rows[s.i-1], nil
}

// manifest builds n rows: every 10th rejected, every 7th a repeat of an
// earlier person, every 13th unroutable.
func manifest(n int) []epiloop.ImportRow {
	var rows []epiloop.ImportRow
	for i := 1; i <= n; i++ {
		person := i
		if i%7 == 0 {
			person = i - 3
		}
		r := epiloop.ImportRow{
			Line:    i,
			Cells:   []string{fmt.Sprint(i)},
			Person:  epiloop.Person{IDNumber: epiloop.CompleteIDNumber(fmt.Sprintf("42010219850101%03d", person%1000)), Name: "旅客"},
			Address: addrHome,
			Reason:  epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-22"},
			Ref:     "G1234",
		}
		if i%13 == 0 {
			r.Address = "沈阳市某某小区"
		}
		if i%10 == 0 {
			r.Reject = &epiloop.ImportReject{Code: "id_checksum", Message: "身份证号校验位错误"}
		}
		rows = append(rows, r)
	}
	return rows
}

func importAs(ctx context.Context, f *fixture, rows loop.RowSource, fp string) (*epiloop.Import, bool, error) {
	return f.svc.Import(ctx, rows, loop.ImportOptions{Name: "manifest.csv", Fingerprint: fp, Source: epiloop.SourceRail, BatchSize: 16})
}

func TestImport(t *testing.T) {
	f := newFixture(t)
	existing := f.lead(epiloop.CompleteIDNumber("42010219850101001"), addrHome, epiloop.Reason{})
	rows := manifest(100)
	im, done, err := importAs(commander, f, &rowSlice{rows: rows}, "fp1")
	if err != nil || done {
		t.Fatalf("import: %v (done before: %v)", err, done)
	}
	// The existing lead's person is 张三, the manifest's 旅客: the row
	// merged into it is flagged (TestImportNameMismatch).
	want := epiloop.ImportCounts{Rows: 100, Accepted: 90, Rejected: 10, Warnings: 1}
	seen := map[string]bool{identity(existing.ID, f): true}
	for _, r := range rows {
		if r.Reject != nil {
			continue
		}
		if seen[r.Person.IDNumber] {
			want.Merged++
			continue
		}
		seen[r.Person.IDNumber] = true
		want.LeadsCreated++
		if r.Address == addrHome {
			want.TasksCreated += 2
		} else {
			want.Unroutable++
		}
	}
	if im.Counts != want || im.Status != epiloop.ImportDone {
		t.Errorf("counts = %+v (%s)\nwant     %+v", im.Counts, im.Status, want)
	}
	got := f.find(existing.ID)
	if len(got.Sources) != 2 {
		t.Errorf("existing lead has %d sources, want the imported row merged in", len(got.Sources))
	}
	// The merge's event reaches the lead's district and both its units.
	var events []*epiloop.Event
	if err := f.svc.Store.View(context.Background(), func(tx epiloop.Tx) (err error) {
		events, err = tx.FindLeadEvents(existing.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	merged := 0
	for _, e := range events {
		if e.Kind != epiloop.EventLeadMerged {
			continue
		}
		merged++
		for _, tk := range got.Tasks {
			if e.District != got.DistrictCode || !slices.Contains(e.Units, tk.UnitCode) {
				t.Errorf("merge event: district %q units %v, want %q and %s among them", e.District, e.Units, got.DistrictCode, tk.UnitCode)
			}
		}
	}
	if merged != 1 || len(got.Tasks) != 2 {
		t.Errorf("%d merge events, %d tasks; want 1 and 2", merged, len(got.Tasks))
	}
	m, _ := f.svc.Overview(commander)
	if m[epiloop.MetricReceived] != int64(want.LeadsCreated+1) || m[epiloop.MetricUnroutable] != int64(want.Unroutable) {
		t.Errorf("overview = %v", m)
	}
	f.checkCounters()
	tasks, total, _ := f.svc.FindTasks(station, epiloop.TaskFilter{Open: true})
	if total != want.TasksCreated/2+1 || len(tasks) == 0 {
		t.Errorf("station sees %d open tasks, want %d", total, want.TasksCreated/2+1)
	}

	again, done, err := importAs(commander, f, &rowSlice{rows: rows}, "fp1")
	if err != nil || !done || again.ID != im.ID {
		t.Fatalf("re-import: done=%v id %d (%v)", done, again.ID, err)
	}
	if m2, _ := f.svc.Overview(commander); m2[epiloop.MetricReceived] != m[epiloop.MetricReceived] {
		t.Errorf("re-import created leads")
	}
	if _, _, err := f.svc.Import(station, &rowSlice{rows: rows}, loop.ImportOptions{Fingerprint: "x", Source: "rail"}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("station importing: %v", err)
	}
}

// identity returns the ID number of a lead (revealed).
func identity(id int64, f *fixture) string {
	p, _ := f.svc.Reveal(commander, id, "测试")
	return p.IDNumber
}

// TestImportResumesAfterACrash: a failure mid-file leaves the committed
// batches; running again finishes with the counts of an uninterrupted run.
func TestImportResumesAfterACrash(t *testing.T) {
	whole := newFixture(t)
	want, _, err := importAs(commander, whole, &rowSlice{rows: manifest(100)}, "fp")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	_, _, err = importAs(commander, f, &rowSlice{rows: manifest(100), failAt: 57}, "fp")
	if err == nil {
		t.Fatal("interrupted import reported success")
	}
	got, done, err := importAs(commander, f, &rowSlice{rows: manifest(100)}, "fp")
	if err != nil || done {
		t.Fatalf("resume: %v done=%v", err, done)
	}
	if got.Counts != want.Counts {
		t.Errorf("resumed counts = %+v\nuninterrupted  = %+v", got.Counts, want.Counts)
	}
	a, _ := whole.svc.Overview(commander)
	b, _ := f.svc.Overview(commander)
	for _, k := range epiloop.Metrics {
		if a[k] != b[k] {
			t.Errorf("%s: resumed %d, uninterrupted %d", k, b[k], a[k])
		}
	}
	f.checkCounters()
}

// TestImportOrdersABatchByCommunity: a batch's new leads take their ids
// community by community (in file order within each), so that the
// indexes that begin with a community or a unit are written run by run.
func TestImportOrdersABatchByCommunity(t *testing.T) {
	f := newFixture(t)
	addrs := []string{addrYongshun, addrHome, addrNowhere}
	var rows []epiloop.ImportRow
	for i := 1; i <= 30; i++ {
		rows = append(rows, epiloop.ImportRow{
			Line:    i,
			Cells:   []string{fmt.Sprint(i)},
			Person:  epiloop.Person{IDNumber: epiloop.CompleteIDNumber(fmt.Sprintf("42010219850101%03d", i)), Name: "旅客"},
			Address: addrs[i%3],
			Reason:  epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-22"},
		})
	}
	im, _, err := f.svc.Import(commander, &rowSlice{rows: rows}, loop.ImportOptions{Name: "m.csv", Fingerprint: "order",
		Source: epiloop.SourceRail, BatchSize: 15})
	if err != nil || im.Counts.LeadsCreated != 30 {
		t.Fatalf("import: %v %+v", err, im.Counts)
	}
	leads, _, err := f.svc.FindLeads(commander, epiloop.LeadFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(leads, func(x, y *epiloop.Lead) int { return cmp.Compare(x.ID, y.ID) })
	for i, l := range leads {
		leads[i] = f.find(l.ID) // with its sources
	}
	for i := 1; i < len(leads); i++ {
		prev, l := leads[i-1], leads[i]
		row, prevRow := l.Sources[0].Row, prev.Sources[0].Row
		sameBatch := (row-1)/15 == (prevRow-1)/15
		switch {
		case !sameBatch && row < prevRow:
			t.Errorf("lead %d (row %d) after lead %d (row %d) of a later batch", l.ID, row, prev.ID, prevRow)
		case sameBatch && l.CommunityCode < prev.CommunityCode:
			t.Errorf("lead %d (%q) after lead %d (%q): not in community order", l.ID, l.CommunityCode, prev.ID, prev.CommunityCode)
		case sameBatch && l.CommunityCode == prev.CommunityCode && row < prevRow:
			t.Errorf("lead %d (row %d) after lead %d (row %d) of the same community: not in file order", l.ID, row, prev.ID, prevRow)
		}
	}
}

// TestVerifyCountersReadsEveryPage: the consistency check walks the leads
// page by page down the ID index (1,000 a page); with 2,300 leads it
// finds no drift, and one counter moved by hand is reported with the
// value the rows give.
func TestVerifyCountersReadsEveryPage(t *testing.T) {
	f := newFixture(t)
	const n = 2300
	rows := make([]epiloop.ImportRow, n)
	for i := range rows {
		rows[i] = epiloop.ImportRow{
			Line:    i + 1,
			Cells:   []string{fmt.Sprint(i)},
			Person:  epiloop.Person{IDNumber: idNumberN(i + 1), Name: "旅客"},
			Address: addrHome,
			Reason:  epiloop.Reason{Origin: "4201"},
		}
	}
	im, _, err := f.svc.Import(commander, &rowSlice{rows: rows}, loop.ImportOptions{Name: "m.csv", Fingerprint: "pages", Source: epiloop.SourceRail, BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	if im.Counts.LeadsCreated != n {
		t.Fatalf("%d leads created, want %d", im.Counts.LeadsCreated, n)
	}
	f.checkCounters()

	received := epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}
	err = f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: received, N: 1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	drift, err := f.svc.VerifyCounters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) != 1 || drift[received] != [2]int64{n + 1, n} {
		t.Errorf("drift %v, want only %v: [%d %d]", drift, received, n+1, n)
	}
}
