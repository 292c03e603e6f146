package loop_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
)

// heldOutCSV is a manifest like the held-out one whose Hong Kong
// traveller was rejected: every row identifies a person and gives an
// address; the origins are Hong Kong, Japan and a place no index knows,
// and one arrival date is a day that never was.
const heldOutCSV = "姓名,身份证号,手机号,现住址,出发地,到达日期,车次\r\n" +
	"陈大文,11010519491231002X,13800138000,沈阳市和平区水源地社区12号楼3单元,香港,2020-01-22,G1234\r\n" +
	"佐藤,,13900139000,沈阳市和平区水源地社区5号楼,日本,2020-01-23,CA157\r\n" +
	"李四,210102199001011237,13900139001,沈阳市和平区水源地社区7号楼,4201火星基地,2月30日,D25\r\n"

// importCSV imports a CSV file's content through intake, as the CLI and
// the server do.
func importCSV(t *testing.T, f *fixture, content, fp string) *epiloop.Import {
	t.Helper()
	regions, err := f.svc.RegionIndex()
	if err != nil {
		t.Fatal(err)
	}
	r, err := intake.Open(strings.NewReader(content), int64(len(content)), intake.Options{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	im, _, err := f.svc.Import(commander, intake.Rows{R: r}, loop.ImportOptions{Name: "manifest.csv", Fingerprint: fp,
		Source: epiloop.SourceRail, Format: string(info.Format), Headers: info.Headers(), BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// warningsOf returns an import's stored warnings.
func warningsOf(t *testing.T, f *fixture, id int64) []epiloop.ImportWarning {
	t.Helper()
	var out []epiloop.ImportWarning
	err := f.svc.EachImportWarning(commander, id, func(w epiloop.ImportWarning) error {
		out = append(out, w)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leadByRow returns the lead whose first source is row of the import.
func leadByRow(t *testing.T, f *fixture, row int) *epiloop.Lead {
	t.Helper()
	leads, _, err := f.svc.FindLeads(commander, epiloop.LeadFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		if l := f.find(l.ID); len(l.Sources) > 0 && l.Sources[0].File == "manifest.csv" && l.Sources[0].Row == row {
			return l
		}
	}
	t.Fatalf("no lead of row %d", row)
	return nil
}

// TestImportHeldOutManifest: no row of the manifest is lost. Hong Kong and
// Japan resolve (81, F:JP); the unknown origin is kept as written and
// raises no priority although it starts like a risk area's code; the day
// that never was is kept in the note; each is one warning with its row,
// column and cells.
func TestImportHeldOutManifest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.svc.Risk = loop.NewRiskAreas(f.store)
		f.riskArea("湖北", epiloop.RiskHigh, "2020-01-01", "2020-03-31")
		im := importCSV(t, f, heldOutCSV, "held-out")
		want := epiloop.ImportCounts{Rows: 3, Accepted: 3, LeadsCreated: 3, TasksCreated: 6, Warnings: 2}
		if im.Counts != want {
			t.Errorf("counts %+v\nwant   %+v", im.Counts, want)
		}
		hk, jp, mars := leadByRow(t, f, 2), leadByRow(t, f, 3), leadByRow(t, f, 4)
		if hk.Reason.Origin != "81" || jp.Reason.Origin != "F:JP" {
			t.Errorf("origins %q, %q; want 81, F:JP", hk.Reason.Origin, jp.Reason.Origin)
		}
		if mars.Reason.Origin != "4201火星基地" || mars.Reason.ArrivalDate != "" || mars.Reason.Note != "到达日期：2月30日" {
			t.Errorf("kept as written: %+v", mars.Reason)
		}
		for _, l := range []*epiloop.Lead{hk, jp, mars} {
			if l.Priority != epiloop.PriorityNormal {
				t.Errorf("lead from %q: priority %s, want normal", l.Reason.Origin, l.Priority)
			}
		}
		ws := warningsOf(t, f, im.ID)
		if len(ws) != 2 {
			t.Fatalf("warnings %+v, want 2", ws)
		}
		for i, w := range ws {
			wantCode, wantCol := []string{epiloop.WarningOriginUnknown, epiloop.WarningArrivalDate}[i], 4+i
			if w.Row != 4 || w.Seq != i || w.Code != wantCode || w.Column != wantCol {
				t.Errorf("warning %d: %+v, want row 4 seq %d %s column %d", i, w, i, wantCode, wantCol)
			}
			if !strings.HasPrefix(w.Message, im.Headers[wantCol]+"：") || len(w.Cells) != 7 || w.Cells[0] != "李四" {
				t.Errorf("warning %d: message %q cells %q", i, w.Message, w.Cells)
			}
		}
		// A country is a risk area only when it is listed itself.
		f.riskArea("日本", epiloop.RiskHigh, "2020-01-01", "2020-03-31")
		again := importCSV(t, f, strings.Replace(heldOutCSV, "佐藤,,13900139000", "佐藤,,13900139002", 1), "held-out-2")
		if again.Counts.LeadsCreated != 1 {
			t.Fatalf("second import %+v", again.Counts)
		}
		var fromJapan *epiloop.Lead
		leads, _, _ := f.svc.FindLeads(commander, epiloop.LeadFilter{Limit: 100})
		for _, l := range leads {
			if l.Reason.Origin == "F:JP" && l.ID != jp.ID {
				fromJapan = l
			}
		}
		if fromJapan == nil || fromJapan.Priority != epiloop.PriorityHigh {
			t.Errorf("from Japan, listed: %+v", fromJapan)
		}
	})
}

// TestImportNameMismatch: the same ID number under another name is merged
// into the person's open lead, as before, and flagged: a mark on the lead
// and a warning of the import — for a lead of the database, a lead of the
// same batch, and a person with no open lead. The recorded name stays.
func TestImportNameMismatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		open := f.lead(id1, addrHome, epiloop.Reason{}) // 张三
		closed := f.closeWith(id3, epiloop.Reason{}, home)
		row := func(line int, id, name string) epiloop.ImportRow {
			return epiloop.ImportRow{Line: line, Cells: []string{name, id}, NameColumn: 0,
				Person: epiloop.Person{IDNumber: id, Name: name}, Address: addrHome, Reason: epiloop.Reason{Origin: "4201"}}
		}
		rows := []epiloop.ImportRow{
			row(1, id1, "李四"),   // another name than the open lead's person
			row(2, id1, "张 三"),  // the same name, spaced
			row(3, id2, "王五"),   // new
			row(4, id2, "王六"),   // the same batch, another name
			row(5, id3, "赵七"),   // a person recorded under 张三, lead closed
			row(6, id4, "钱八"),   // new, no mismatch
			row(7, id4, "ＱＩＡＮ"), // the same batch, another name (in full width)
		}
		im, _, err := f.svc.Import(commander, &rowSlice{rows: rows}, loop.ImportOptions{Name: "manifest.csv", Fingerprint: "names",
			Source: epiloop.SourceRail, Headers: []string{"姓名", "身份证号"}, BatchSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if im.Counts.Warnings != 4 || im.Counts.Merged != 4 || im.Counts.LeadsCreated != 3 {
			t.Errorf("counts %+v, want 4 warnings, 4 merged, 3 leads", im.Counts)
		}
		var rowsWarned []int
		for _, w := range warningsOf(t, f, im.ID) {
			rowsWarned = append(rowsWarned, w.Row)
			if w.Code != epiloop.WarningNameMismatch || w.Column != 0 || !strings.HasPrefix(w.Message, "姓名：") || w.Cells[1] == "" {
				t.Errorf("warning %+v", w)
			}
		}
		if want := []int{1, 4, 5, 7}; !slices.Equal(rowsWarned, want) {
			t.Errorf("rows warned %v, want %v", rowsWarned, want)
		}
		got := f.find(open.ID)
		if !slices.Equal(got.Marks, []string{epiloop.MarkNameMismatch}) || len(got.Sources) != 3 || got.Person.Name != "张三" {
			t.Errorf("open lead: marks %v, %d sources, name %q", got.Marks, len(got.Sources), got.Person.Name)
		}
		if l := leadByRow(t, f, 3); !slices.Equal(l.Marks, []string{epiloop.MarkNameMismatch}) || len(l.Sources) != 2 {
			t.Errorf("lead of the batch: marks %v, %d sources", l.Marks, len(l.Sources))
		}
		if l := leadByRow(t, f, 5); !slices.Equal(l.Marks, []string{epiloop.MarkNameMismatch}) || l.ID == closed.ID || l.Person.Name != "张三" {
			t.Errorf("new lead of a known person: %+v", l)
		}
		if l := leadByRow(t, f, 6); len(l.Marks) != 1 {
			t.Errorf("lead of row 6: marks %v", l.Marks)
		}
		f.checkCounters()
	})
}

// TestCreateLeadNameMismatch: a report by form or API for a known ID
// number under another name is merged and marked; a name that fills in a
// person recorded without one, or the same name written otherwise, is not.
func TestCreateLeadNameMismatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		report := func(id, name string) *epiloop.Lead {
			t.Helper()
			l, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{Person: epiloop.Person{IDNumber: id, Name: name},
				Address: addrHome, Source: epiloop.Source{Kind: epiloop.SourceHotline}}))
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		first := report(id1, "")
		if l := report(id1, "张三"); l.ID != first.ID || len(l.Marks) != 0 {
			t.Errorf("name filled in: lead %d marks %v", l.ID, l.Marks)
		}
		if l := report(id1, "张 三"); len(l.Marks) != 0 {
			t.Errorf("same name: marks %v", l.Marks)
		}
		l := report(id1, "张山")
		if l.ID != first.ID || !slices.Equal(l.Marks, []string{epiloop.MarkNameMismatch}) {
			t.Errorf("another name: lead %d (want %d) marks %v", l.ID, first.ID, l.Marks)
		}
		if l := report(id1, "李四"); !slices.Equal(l.Marks, []string{epiloop.MarkNameMismatch}) {
			t.Errorf("marked twice: %v", l.Marks)
		}
		if got := f.find(first.ID); got.Person.Name != "张三" || len(got.Sources) != 5 {
			t.Errorf("recorded name %q, %d sources", got.Person.Name, len(got.Sources))
		}
	})
}

// TestImportWarningsResume: an import cut short and resumed records each
// warning once, and ends with the counts of an uninterrupted run.
func TestImportWarningsResume(t *testing.T) {
	rows := func() []epiloop.ImportRow {
		rs := manifest(40)
		for i := range rs {
			if rs[i].Reject == nil && i%3 == 0 {
				rs[i].Warnings = []epiloop.ImportWarning{{Code: epiloop.WarningOriginUnknown, Column: 0, Message: "出发地：…"}}
				rs[i].Reason.Origin = "火星"
			}
		}
		return rs
	}
	forEachEngine(t, func(t *testing.T, f *fixture) {
		whole := newFixtureOn(t, openSQLite(t))
		want, _, err := importAs(commander, whole, &rowSlice{rows: rows()}, "fp")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := importAs(commander, f, &rowSlice{rows: rows(), failAt: 23}, "fp"); err == nil {
			t.Fatal("interrupted import reported success")
		}
		got, _, err := importAs(commander, f, &rowSlice{rows: rows()}, "fp")
		if err != nil {
			t.Fatal(err)
		}
		if got.Counts != want.Counts || got.Counts.Warnings == 0 {
			t.Errorf("resumed counts %+v\nuninterrupted  %+v", got.Counts, want.Counts)
		}
		if ws := warningsOf(t, f, got.ID); len(ws) != got.Counts.Warnings {
			t.Errorf("%d warnings stored, counted %d", len(ws), got.Counts.Warnings)
		}
	})
}

// TestImportReportHasWarnings: the downloadable report (CSV and XLSX)
// has the rejects as before and the warnings apart — a section, a sheet
// (警告) — with the same row numbers and columns; the CSV report read back
// imports only its rejects.
func TestImportReportHasWarnings(t *testing.T) {
	f := newFixture(t)
	content := heldOutCSV + "王五,110105194912310021,,沈阳市沈河区,武汉,2020-01-22,G1\r\n"
	im := importCSV(t, f, content, "report")
	if im.Counts.Rejected != 1 || im.Counts.Warnings != 2 {
		t.Fatalf("counts %+v", im.Counts)
	}
	for _, format := range []intake.Format{intake.FormatCSV, intake.FormatXLSX} {
		var buf bytes.Buffer
		rw, err := intake.NewRejectWriter(&buf, format, im.Headers, "zh")
		if err != nil {
			t.Fatal(err)
		}
		err = f.svc.EachImportReject(commander, im.ID, func(r epiloop.ImportReject) error { return rw.Write(intake.RejectRow(r)) })
		if err == nil {
			err = f.svc.EachImportWarning(commander, im.ID, rw.WriteWarning)
		}
		if err == nil {
			err = rw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if rw.Count() != 1 || rw.WarningCount() != 2 {
			t.Errorf("%s: %d rejects, %d warnings written", format, rw.Count(), rw.WarningCount())
		}
		if format == intake.FormatCSV {
			recs, err := csvRecords(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			// heading, the reject, (a blank line, which a CSV reader
			// skips,) the warnings' heading, two warnings
			if len(recs) != 5 || recs[2][1] != "警告说明" || recs[3][0] != "4" || recs[3][3] != "出发地" || recs[4][3] != "到达日期" {
				t.Errorf("CSV report %q", recs)
			}
		}
		back, err := intake.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), intake.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			row, err := back.Next()
			if err != nil {
				break
			}
			n++
			if row.Cells[0] != "5" {
				t.Errorf("%s read back row %q", format, row.Cells)
			}
		}
		back.Close()
		if n != 1 {
			t.Errorf("%s: report read back has %d rows, want the reject only", format, n)
		}
	}
}

func csvRecords(b []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

// TestPurgeImportWarnings: an import's warnings (their cells hold names,
// ID numbers and phones) go with the retention period as its rejects do;
// a dry run counts what the run then deletes.
func TestPurgeImportWarnings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		im := importCSV(t, f, heldOutCSV, "purge")
		stored := func() int {
			var n int
			err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
				ws, err := tx.FindImportWarnings(im.ID, 0, 0, -1)
				n = len(ws)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := stored(); n != 2 {
			t.Fatalf("%d warnings stored, want 2", n)
		}
		ctx := context.Background()
		if rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, false); err != nil || rep.Warnings != 0 {
			t.Fatalf("within the period: %+v %v", rep, err)
		}
		f.clock.Add(epiloop.DefaultRetention + time.Hour)
		dry, err := f.svc.Purge(ctx, epiloop.DefaultRetention, true)
		if err != nil || dry.Warnings != 2 || stored() != 2 {
			t.Fatalf("dry run: %+v %v, %d left", dry, err, stored())
		}
		rep, err := f.svc.Purge(ctx, epiloop.DefaultRetention, false)
		if err != nil || rep.Warnings != 2 || stored() != 0 {
			t.Errorf("after the period: %+v %v, %d left", rep, err, stored())
		}
		if got, _ := f.svc.FindImport(commander, im.ID); got.Counts.Warnings != 2 {
			t.Errorf("the import's counts changed: %+v", got.Counts)
		}
	})
}

// TestImportWarningsSealedAtRest: a warning's cells (a name, an ID number,
// a phone, an address) are sealed at rest in both engines, as rejects'
// are.
func TestImportWarningsSealedAtRest(t *testing.T) {
	secrets := []string{"欧阳警告", "210102199001011237", "13900139001", "警告胡同9号"}
	content := "姓名,身份证号,手机号,现住址,出发地\r\n" +
		fmt.Sprintf("%s,%s,%s,沈阳市和平区水源地社区%s,火星\r\n", secrets[0], secrets[1], secrets[2], secrets[3])
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		store, err := sqlite.Open(context.Background(), filepath.Join(dir, "epiloop.db"), testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		f := newFixtureOn(t, store)
		if im := importCSV(t, f, content, "sealed"); im.Counts.Warnings != 1 {
			t.Fatalf("counts %+v", im.Counts)
		}
		store.Close()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q in clear", e.Name(), s)
				}
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		db, err := postgres.Open(context.Background(), url, testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		f := newFixtureOn(t, db)
		if im := importCSV(t, f, content, "sealed"); im.Counts.Warnings != 1 {
			t.Fatalf("counts %+v", im.Counts)
		}
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		rows, err := conn.Query(context.Background(), `SELECT row_to_json(w)::text FROM import_warnings w`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) != 1 {
			t.Fatalf("%d warning rows", len(texts))
		}
		for _, s := range secrets {
			if strings.Contains(texts[0], s) {
				t.Errorf("a warning row holds %q in clear", s)
			}
		}
	})
}
