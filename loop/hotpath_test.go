package loop_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/scenario"
	"github.com/epiloop/epiloop/sqlite"
)

// bigTables are the tables that grow with the city's leads: a statement
// of the field's hot path that scans one of them costs more as the
// database grows (#22).
var bigTables = []string{"leads", "tasks", "persons", "sources", "events", "audit", "escalations", "hour_counters", "day_counters"}

// TestFeedbackUsesBoundedLookups holds every statement a field unit's
// feedback runs — its open-task list, accept and report — to its query
// plan: each reads the tables that grow with the city by an index search,
// never by a scan, and none counts rows (the list's total is the unit's
// counter), so the cost of a feedback does not grow with the database or
// the unit's backlog.
func TestFeedbackUsesBoundedLookups(t *testing.T) {
	db, path, f, leads := heping30(t)
	var total int
	stmts := traceStatements(db, func() {
		var err error
		if _, total, err = f.svc.FindTasks(station, epiloop.TaskFilter{Open: true, Limit: 20}); err != nil {
			t.Fatal(err)
		}
		st := taskOf(t, leads[0], epiloop.UnitPoliceStation)
		if _, err := f.svc.AcceptTask(station, st.ID); err != nil {
			t.Fatal(err)
		}
		f.submit(station, st.ID, home)
	})
	// The inbox's total is the unit's counter, which agrees with the rows.
	if want := countTasks(t, f, epiloop.TaskPushed) + countTasks(t, f, epiloop.TaskAccepted) + 1; total != want {
		t.Errorf("open tasks total %d, the rows say %d", total, want)
	}
	for _, s := range stmts {
		if strings.Contains(s.query, "COUNT(") {
			t.Errorf("a feedback counts rows: %s", oneLine(s.query))
		}
	}

	checkBoundedPlans(t, path, stmts)
	t.Logf("%d statements in a list, an accept and a report", len(stmts))
}

// checkBoundedPlans holds each statement traced on the SQLite file at path
// to its query plan: the tables that grow with the city are read by an
// index search, never scanned.
func checkBoundedPlans(t *testing.T, path string, stmts []traced) {
	t.Helper()
	plans, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer plans.Close()
	scan := regexp.MustCompile(`\bSCAN (\w+)`)
	// A read of a log's last row walks its id from the end and stops at
	// once: bounded, though the plan names it a scan.
	tail := regexp.MustCompile(`^SELECT [\w, ]+ FROM \w+ ORDER BY id DESC LIMIT 1$`)
	for _, s := range stmts {
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s.query)), "SELECT") && !strings.Contains(strings.ToUpper(s.query), "WHERE") {
			continue // an insert of values reads nothing
		}
		rows, err := plans.Query("EXPLAIN QUERY PLAN "+s.query, s.args...)
		if err != nil {
			t.Errorf("explain %s: %v", s.query, err)
			continue
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if testing.Verbose() {
			t.Logf("%s\n  %s", oneLine(s.query), strings.Join(plan, " / "))
		}
		for _, p := range plan {
			if m := scan.FindStringSubmatch(p); m != nil && contains(bigTables, m[1]) && !tail.MatchString(oneLine(s.query)) {
				t.Errorf("%s\n  scans %s: %s", oneLine(s.query), m[1], strings.Join(plan, " / "))
			}
		}
	}
}

// TestDistrictListsReadTotalsFromCounters holds a district's lead lists as
// its dashboard opens them — whole, overdue, not overdue, in conflict —
// and the city's by district to their statements: the totals come from
// the funnel counters (LeadFilter.CountedTotal), no statement counts rows
// or scans a growing table, so the lists cost the same at a million leads
// (#22: the not-overdue list's COUNT over a district's rows was what
// collapsed the 1 M-lead run).
func TestDistrictListsReadTotalsFromCounters(t *testing.T) {
	db, path, f, _ := heping30(t)
	district := as(epiloop.RoleDistrict, epiloop.SubCommandCode(heping))
	yes, no := true, false
	conflict := epiloop.LeadConflict
	d := heping
	lists := []struct {
		name string
		ctx  context.Context
		f    epiloop.LeadFilter
		want int
	}{
		{"whole", district, epiloop.LeadFilter{}, 30},
		{"overdue", district, epiloop.LeadFilter{Overdue: &yes}, 0},
		{"not overdue", district, epiloop.LeadFilter{Overdue: &no, District: &d}, 30},
		{"conflict", district, epiloop.LeadFilter{Status: &conflict}, 0},
		{"city by district", commander, epiloop.LeadFilter{District: &d, Overdue: &no}, 30},
	}
	for _, l := range lists {
		l.f.Limit = 20
		var total int
		stmts := traceStatements(db, func() {
			var err error
			if _, total, err = f.svc.FindLeads(l.ctx, l.f); err != nil {
				t.Fatal(err)
			}
		})
		if total != l.want {
			t.Errorf("%s: total %d, want %d", l.name, total, l.want)
		}
		for _, s := range stmts {
			if strings.Contains(s.query, "COUNT(") {
				t.Errorf("%s counts rows: %s", l.name, oneLine(s.query))
			}
		}
		checkBoundedPlans(t, path, stmts)
	}
}

// heping30 returns a fixture on an SQLite file (and its path) holding 30
// leads of 和平区 at the station's address.
func heping30(t *testing.T) (*sqlite.DB, string, *fixture, []*epiloop.Lead) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "epiloop.db")
	db, err := sqlite.Open(context.Background(), path, testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := newFixtureOn(t, db)
	var leads []*epiloop.Lead
	g := scenario.NewGen(22)
	for range 30 {
		leads = append(leads, f.lead(g.IDNumber("210102"), addrHome, epiloop.Reason{}))
	}
	return db, path, f, leads
}

// traceStatements returns the statements db runs during fn.
func traceStatements(db *sqlite.DB, fn func()) []traced {
	var (
		mu    sync.Mutex
		stmts []traced
	)
	stop := db.Trace(func(q string, args []any) {
		mu.Lock()
		stmts = append(stmts, traced{q, append([]any(nil), args...)})
		mu.Unlock()
	})
	fn()
	stop()
	mu.Lock()
	defer mu.Unlock()
	return stmts
}

type traced struct {
	query string
	args  []any
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }

// TestFeedbackStatementsOnPostgres counts the statements and round trips
// of a feedback as the field sees it — its open-task list, accept and
// report — on PostgreSQL, and holds them to today's figures (a ratchet:
// a write is four round trips: begin, the lead with its tasks, the writes
// with the logs, commit).
func TestFeedbackStatementsOnPostgres(t *testing.T) {
	db := pgtest.Open(t, testKeyring(t))
	f := newFixtureOn(t, db)
	g := scenario.NewGen(22)
	var leads []*epiloop.Lead
	for range 5 {
		leads = append(leads, f.lead(g.IDNumber("210102"), addrHome, epiloop.Reason{}))
	}
	var (
		mu    sync.Mutex
		stmts []postgres.Statement
	)
	step := func(name string, maxStmts, maxTrips int, fn func()) {
		mu.Lock()
		stmts = stmts[:0]
		mu.Unlock()
		stop := db.Trace(func(s postgres.Statement) {
			mu.Lock()
			stmts = append(stmts, s)
			mu.Unlock()
		})
		fn()
		stop()
		mu.Lock()
		defer mu.Unlock()
		trips := map[int64]bool{}
		for _, s := range stmts {
			trips[s.RoundTrip] = true
			if testing.Verbose() {
				t.Logf("%s  [%d] %.160s", name, s.RoundTrip, oneLine(s.SQL))
			}
		}
		t.Logf("%s: %d statements in %d round trips", name, len(stmts), len(trips))
		if len(stmts) > maxStmts || len(trips) > maxTrips {
			t.Errorf("%s: %d statements in %d round trips, more than %d in %d", name, len(stmts), len(trips), maxStmts, maxTrips)
		}
	}
	st := taskOf(t, leads[0], epiloop.UnitPoliceStation)
	step("list", 8, 6, func() {
		if _, _, err := f.svc.FindTasks(station, epiloop.TaskFilter{Open: true, Limit: 20}); err != nil {
			t.Fatal(err)
		}
	})
	step("accept", 11, 4, func() {
		if _, err := f.svc.AcceptTask(station, st.ID); err != nil {
			t.Fatal(err)
		}
	})
	step("report", 11, 4, func() { f.submit(station, st.ID, home) })
}

// countTasks counts the station's tasks in status by the rows.
func countTasks(t *testing.T, f *fixture, status epiloop.TaskStatus) int {
	t.Helper()
	_, n, err := f.svc.FindTasks(station, epiloop.TaskFilter{Status: &status, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
