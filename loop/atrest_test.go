package loop_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
)

// atRest drives every path that stores a name, an address, free text or
// a health note — a lead by hand and by import (with rejected rows), a
// returned task, agreeing feedback, an adjudication, a screening, an
// observation's check and early release, a reveal's purpose — each with a
// value found nowhere else, and returns those values.
func atRest(t *testing.T, f *fixture) []string {
	t.Helper()
	var secrets []string
	mark := func(s string) string { secrets = append(secrets, s); return s }

	rc, err := f.svc.CreateLead(commander, loop.LeadInput{
		Person:  epiloop.Person{IDNumber: id1, Name: mark("欧阳锋锐"), Phone: "13800138000"},
		Address: "沈阳市和平区水源地社区" + mark("秘密胡同77号"),
		Source:  epiloop.Source{Kind: epiloop.SourceHotline, Ref: mark("热线工单XK77")},
		Reason:  epiloop.Reason{Note: mark("邻居举报咳嗽不止")},
	})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, id1, "13800138000")
	l := rc.Lead
	if _, err := f.svc.ReturnTask(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, mark("户籍不在本辖区请退回")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reveal(commander, l.ID, mark("核查密接去向的目的")); err != nil {
		t.Fatal(err)
	}

	// Two sides disagree (a fever), the commander adjudicates with a note.
	c := f.lead(id2, addrHome, epiloop.Reason{})
	fever := home
	fever.Temperature = temp(38.4)
	fever.Note = mark("自述咽痛两天")
	fever.Address = "沈阳市和平区水源地社区" + mark("暂住幸福里9号")
	f.submit(station, taskOf(t, c, epiloop.UnitPoliceStation).ID, fever)
	f.submit(committee, taskOf(t, c, epiloop.UnitCommittee).ID, home)
	fever.Measure = epiloop.MeasureHospital
	fever.Site = mark("第四人民医院发热门诊")
	if _, err := f.svc.Adjudicate(commander, c.ID, loop.Adjudication{Outcome: &fever, Note: mark("发热转诊由区里负责")}); err != nil {
		t.Fatal(err)
	}

	// A closed lead under home observation: a check with a note, then an
	// early release with its reason.
	closed := f.closeWith(id3, epiloop.Reason{}, home)
	o := f.planOf(closed.ID)
	present := true
	if _, err := f.svc.SubmitCheck(committee, o.ID, loop.CheckInput{Temperature: temp(36.6), Present: &present,
		Note: mark("家属代为测温")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReleaseObservation(committee, o.ID, mark("返岗证明已核验提前解除")); err != nil {
		t.Fatal(err)
	}

	// A crossing at a checkpoint.
	f.withCheckpoints()
	traveller := traveller(id4, "武汉", 36.5)
	traveller.Person.Name = mark("司徒雷登")
	traveller.Destination = "沈阳市和平区水源地社区" + mark("临时住所88号")
	f.screen(gate, ckStation, loop.ScreeningInput{Direction: "in", Plate: mark("辽A9Z77Q"),
		Occupants: []loop.OccupantInput{traveller}})

	// An import whose rejected row keeps its cells.
	rows := manifest(20)
	rows[9].Cells = []string{mark("拒收行上的姓名甲"), mark("420102198501019999")}
	rows[0].Person.Name = mark("导入旅客乙")
	rows[0].Address = "沈阳市和平区水源地社区" + mark("导入地址丙5号")
	if _, _, err := importAs(commander, f, &rowSlice{rows: rows}, "at-rest"); err != nil {
		t.Fatal(err)
	}
	f.svc.WaitImports(context.Background())

	// A patrol's officers and route, a sortie's pilot and area (patrol.go).
	if err := atRestPatrols(f, mark); err != nil {
		t.Fatal(err)
	}
	// A desk request's contact, phone, text and a step's note (desk.go).
	if err := atRestDesk(f, mark); err != nil {
		t.Fatal(err)
	}
	// A case's title, summary, address, suspect, notes and custody row
	// (case.go).
	if err := atRestCases(f, mark); err != nil {
		t.Fatal(err)
	}
	// A detainee, a cohort, a closure's exemptions (detention.go).
	atRestDetention(t, f, mark)
	return secrets
}

// TestNothingPersonalInClearAtRest: after every path that stores personal
// data has run, no byte of the database files (SQLite's file, WAL and
// shared memory) holds a name, an address, a note, an ID number or a phone
// in clear.
func TestNothingPersonalInClearAtRest(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "epiloop.db"), testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, store)
	secrets := atRest(t, f)
	var files [][]byte
	read := func() {
		files = files[:0]
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, b)
		}
	}
	read() // while open: the WAL holds the latest pages
	check := func(when string) {
		n := 0
		for _, b := range files {
			n += len(b)
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s: a database file holds %q in clear", when, s)
				}
			}
		}
		if n < 100_000 {
			t.Fatalf("%s: only %d bytes read: the test would prove nothing", when, n)
		}
	}
	check("open")
	store.Close()
	read()
	check("closed")
}

// TestNothingPersonalInClearInPostgres: the same paths on PostgreSQL, and
// no row of any table, as text, holds a value in clear.
func TestNothingPersonalInClearInPostgres(t *testing.T) {
	url := pgtest.URL(t)
	db, err := postgres.Open(context.Background(), url, testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secrets := atRest(t, newFixtureOn(t, db))
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(),
		`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	for _, table := range tables {
		rows, err := conn.Query(context.Background(), `SELECT row_to_json(t)::text FROM `+pgx.Identifier{table}.Sanitize()+` t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			dump.WriteString(s)
		}
	}
	for _, s := range secrets {
		if strings.Contains(dump.String(), s) {
			t.Errorf("a row holds %q in clear", s)
		}
	}
	if dump.Len() < 100_000 {
		t.Fatalf("only %d bytes of rows: the test would prove nothing", dump.Len())
	}
}
