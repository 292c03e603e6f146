package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestImportSurvivesKill SIGKILLs `epiloop import` in the middle of a
// manifest, after some batches committed, resumes it and kills it again,
// and resumes it to the end: it must end with the counts and the rows of
// an uninterrupted import of the same file into another database — no row
// lost, no lead, task or source twice — with consistent counters; a third
// run creates nothing.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 60,000 rows three times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, err := runBinary(bin, nil, args...)
		if err != nil {
			t.Fatalf("epiloop %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	importArgs := func(db, manifest, rejects string) []string {
		return []string{"import", "--db", "sqlite:" + db, "--source", "rail", "--batch", "2000", "--rejects", rejects, manifest}
	}

	// Generate a manifest and kill its import part-way; should the import
	// finish before it could be killed, try again with a larger file.
	var (
		manifest, dbA string
		rows          int
	)
	rejectsA := filepath.Join(dir, "a.rejects.csv")
	for rows = 60000; ; rows *= 2 {
		manifest = filepath.Join(dir, fmt.Sprintf("manifest-%d.csv", rows))
		run("gen", "manifest", "--rows", fmt.Sprint(rows), "--seed", "5", "--noise", "0.1", "--out", manifest)
		dbA = filepath.Join(dir, fmt.Sprintf("a-%d.db", rows))
		at, killed := killImport(t, bin, importArgs(dbA, manifest, rejectsA), dbA, rows/4)
		if killed {
			t.Logf("killed the import at row %d of %d", at.nextRow, rows)
			break
		}
		if rows >= 240000 {
			t.Fatalf("the import of %d rows finished before it could be killed", rows)
		}
		t.Logf("the import of %d rows finished before it was killed; trying a larger file", rows)
	}

	// B imports the same file without interruption, while A's import is
	// resumed, killed once more, and resumed to the end.
	dbB := filepath.Join(dir, "b.db")
	var (
		wg   sync.WaitGroup
		outB string
		errB error
	)
	wg.Go(func() {
		outB, errB = runBinary(bin, nil, importArgs(dbB, manifest, filepath.Join(dir, "b.rejects.csv"))...)
	})
	if at, killed := killImport(t, bin, importArgs(dbA, manifest, rejectsA), dbA, rows/2); killed {
		t.Logf("killed the resumed import at row %d of %d", at.nextRow, rows)
	}
	outA, errA := runBinary(bin, nil, importArgs(dbA, manifest, rejectsA)...)
	wg.Wait()
	if err := errors.Join(errA, errB); err != nil {
		t.Fatalf("import: %v", err)
	}
	resumed, whole := parseImport(t, outA), parseImport(t, outB)
	resumed.Seconds, whole.Seconds, resumed.Rejects, whole.Rejects = 0, 0, "", ""
	if resumed != whole {
		t.Errorf("resumed import: %+v\nuninterrupted: %+v", resumed, whole)
	}
	if whole.LeadsCreated == 0 || whole.Merged == 0 || whole.Rejected == 0 || whole.Unroutable == 0 {
		t.Errorf("uninterrupted import %+v: want leads, merges, rejects and unroutable rows", whole)
	}
	a, b := readImportDB(t, dbA), readImportDB(t, dbB)
	for _, k := range mismatches(a.n, b.n) {
		t.Errorf("%s: %d after the resumed import, %d after the uninterrupted one", k, a.n[k], b.n[k])
	}
	for _, k := range mismatches(a.counters, b.counters) {
		t.Errorf("counter %s: %d after the resumed import, %d after the uninterrupted one", k, a.counters[k], b.counters[k])
	}
	want := map[string]int{
		"leads":                              whole.LeadsCreated,
		"leads unroutable":                   whole.Unroutable,
		"tasks":                              whole.TasksCreated,
		"sources":                            whole.Accepted,
		"import_rejects":                     whole.Rejected,
		"events lead.imported":               whole.LeadsCreated,
		"duplicate open leads":               0,
		"duplicate sources":                  0,
		"leads with a task count but 0 or 2": 0,
	}
	for k, n := range want {
		if a.n[k] != n {
			t.Errorf("resumed database: %s = %d, want %d", k, a.n[k], n)
		}
	}
	ra, _ := os.ReadFile(filepath.Join(dir, "a.rejects.csv"))
	rb, _ := os.ReadFile(filepath.Join(dir, "b.rejects.csv"))
	if len(ra) == 0 || !bytes.Equal(ra, rb) {
		t.Errorf("rejects report of the resumed import (%d bytes) differs from the uninterrupted one's (%d bytes)", len(ra), len(rb))
	}
	if out := run("stats", "verify", "--db", "sqlite:"+dbA); !strings.Contains(out, "counters consistent") {
		t.Errorf("stats verify after the resumed import: %s", out)
	}

	third := parseImport(t, run(importArgs(dbA, manifest, filepath.Join(dir, "a3.rejects.csv"))...))
	if third.LeadsCreated != 0 || third.TasksCreated != 0 || third.Merged != 0 {
		t.Errorf("third import of the same file: %+v, want nothing created", third)
	}
	if again := readImportDB(t, dbA); !maps.Equal(again.n, a.n) || !maps.Equal(again.counters, a.counters) {
		t.Errorf("third import changed the database: %v\nwas %v", again.n, a.n)
	}
}

// runBinary runs the binary and returns its standard output; an error
// carries its standard error.
func runBinary(bin string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return stdout.String(), nil
}

// parseImport reads the JSON line `epiloop import` ends its output with.
func parseImport(t testing.TB, out string) importResult {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res importResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Errorf("import output %q: %v", out, err)
	}
	return res
}

// importState is an import's progress as its row in the database says.
type importState struct {
	status  string
	nextRow int
}

// killImport runs an import and SIGKILLs it once the database shows at
// least minRow rows committed. It reports the import's state after the
// kill and whether it was killed before it finished.
func killImport(t *testing.T, bin string, args []string, db string, minRow int) (importState, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		st, err := readImportState(db)
		if err == nil && st.nextRow > minRow {
			break
		}
		select {
		case err := <-exited:
			t.Logf("import exited before it was killed (%v):\n%s", err, stderr.String())
			st, _ := readImportState(db)
			return st, false
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("the import did not commit %d rows within 2 minutes:\n%s", minRow, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	<-exited
	st, err := readImportState(db)
	for try := 0; err != nil && try < 10; try++ {
		time.Sleep(100 * time.Millisecond) // the dead writer's log, recovered by a reader
		st, err = readImportState(db)
	}
	if err != nil {
		t.Fatalf("reading the killed import's state: %v", err)
	}
	if st.status == "done" {
		return st, false
	}
	if st.nextRow <= 1 {
		t.Fatalf("killed import at row %d: nothing committed", st.nextRow)
	}
	return st, true
}

// openReadOnly opens an SQLite file read-only, beside any writer.
func openReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
}

func readImportState(path string) (importState, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return importState{}, err
	}
	defer db.Close()
	var st importState
	err = db.QueryRow(`SELECT status, next_row FROM imports ORDER BY id LIMIT 1`).Scan(&st.status, &st.nextRow)
	return st, err
}

// importDB is what an import left in a database: row counts by table and
// kind, and the counters.
type importDB struct {
	n        map[string]int
	counters map[string]int64
}

// mismatches returns, sorted, the keys whose values differ in a and b.
func mismatches[V comparable](a, b map[string]V) []string {
	var out []string
	for k := range a {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && a[k] != b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// readImportDB counts the rows of an imported database.
func readImportDB(t testing.TB, path string) importDB {
	t.Helper()
	db, err := openReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := importDB{n: map[string]int{}, counters: map[string]int64{}}
	queries := map[string]string{
		"persons":        `SELECT count(*) FROM persons`,
		"leads":          `SELECT count(*) FROM leads`,
		"tasks":          `SELECT count(*) FROM tasks`,
		"sources":        `SELECT count(*) FROM sources`,
		"import_rejects": `SELECT count(*) FROM import_rejects`,
		"imports":        `SELECT count(*) FROM imports`,
		"events":         `SELECT count(*) FROM events`,
		"duplicate open leads": `SELECT count(*) FROM (SELECT person_id FROM leads
			WHERE status NOT IN ('closed', 'handed_over') GROUP BY person_id HAVING count(*) > 1)`,
		"duplicate sources": `SELECT count(*) FROM (SELECT file, file_row FROM sources
			GROUP BY file, file_row HAVING count(*) > 1)`,
		"leads with a task count but 0 or 2": `SELECT count(*) FROM leads l
			WHERE (SELECT count(*) FROM tasks WHERE lead_id = l.id) NOT IN (0, 2)`,
	}
	for k, q := range queries {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		d.n[k] = n
	}
	for _, g := range []struct{ prefix, query string }{
		{"leads ", `SELECT status, count(*) FROM leads GROUP BY status`},
		{"tasks ", `SELECT status, count(*) FROM tasks GROUP BY status`},
		{"events ", `SELECT kind, count(*) FROM events GROUP BY kind`},
	} {
		rows, err := db.Query(g.query)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			d.n[g.prefix+k] = n
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT scope, metric, sum(n) FROM counters GROUP BY scope, metric`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var scope, metric string
		var n int64
		if err := rows.Scan(&scope, &metric, &n); err != nil {
			t.Fatal(err)
		}
		// An hourly counter depends on when its rows were written, which
		// differs between two imports of one file: compare their sums
		// over the days and hours.
		if base, _, hourly := strings.Cut(scope, "@"); hourly {
			scope, metric = base+"@*", strings.Split(metric, "@")[0]+"@*"
		}
		d.counters[scope+"/"+metric] += n
	}
	for k, n := range d.counters {
		if n == 0 {
			delete(d.counters, k)
		}
	}
	return d
}

// TestFeedbackSurvivesKill SIGKILLs `epiloop serve` on SQLite in the
// middle of a storm of accepts and feedback from several units' clients,
// and restarts it on the same file: every acknowledged submission is
// stored, once, as it was sent; no lead is left half-reconciled; a client
// retrying what went unanswered finishes the work, and the counters stay
// consistent.
func TestFeedbackSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	c := &cluster{t: t, bin: bin, db: "sqlite:" + filepath.Join(dir, "epiloop.db"),
		env: append(os.Environ(), "EPILOOP_KEY_FILE="+filepath.Join(dir, "epiloop.key"))}
	c.cli("migrate")
	tokens := map[string]string{}
	for _, u := range []struct{ name, role, unit string }{
		{"hq", "commander", "HQ"},
		{"station", "station", "PS210102001"},
		{"committee", "committee", "CM210102001002"},
	} {
		c.cli("user", "add", "--name", u.name, "--role", u.role, "--unit", u.unit)
		tokens[u.name] = strings.TrimSpace(c.cli("token", "create", "--user", u.name))
	}
	srv := c.start("before")
	if srv == nil {
		t.FailNow()
	}

	// Each lead's two units report; every fourth lead's committee finds a
	// fever the station did not: a conflict.
	const leads = 30
	var jobs []storm
	verdict := map[int64]string{} // lead → its status once both reported
	for i := range leads {
		l := srv.createLead(t, tokens["hq"], idNumber(300+i))
		verdict[l.ID] = map[bool]string{true: "conflict", false: "closed"}[i%4 == 0]
		station, committee := storm{lead: l.ID, task: l.task("police_station"), token: tokens["station"]},
			storm{lead: l.ID, task: l.task("committee"), token: tokens["committee"]}
		temp := 36.2 + float64(i%5)/10
		station.body = stormFeedback(temp, station.task)
		if i%4 == 0 {
			temp = 38.6
		}
		committee.body = stormFeedback(temp, committee.task)
		jobs = append(jobs, station, committee)
	}
	s := &stormLog{acked: map[int64]bool{}, sent: map[int64]bool{}, accepted: map[int64]bool{}}
	s.run(t, srv, jobs, len(jobs)/3)
	t.Logf("%d tasks: %d accepts and %d submissions acknowledged before the kill, %d submissions unanswered",
		len(jobs), len(s.accepted), len(s.acked), len(s.sent))

	srv = c.start("after")
	if srv == nil {
		t.FailNow()
	}
	byLead := map[int64][]storm{}
	for _, j := range jobs {
		byLead[j.lead] = append(byLead[j.lead], j)
	}
	check := func(phase string, final bool) {
		t.Helper()
		for id, js := range byLead {
			v := getLead(t, srv, tokens["hq"], id)
			submitted := 0
			for _, j := range js {
				tk := v.taskByID(j.task)
				events := v.count("task.submitted", j.task)
				stored := tk != nil && tk.Status == "submitted"
				if stored {
					submitted++
				}
				switch {
				case tk == nil:
					t.Errorf("%s: lead %d lost task %d", phase, id, j.task)
				case (s.acked[j.task] || final) && (!stored || tk.Feedback == nil || tk.Feedback.Note != j.body["note"] || events != 1):
					t.Errorf("%s: task %d acknowledged: status %s, feedback %+v, %d submission events; want submitted once as sent",
						phase, j.task, tk.Status, tk.Feedback, events)
				case !s.acked[j.task] && !s.sent[j.task] && !final && (stored || events != 0):
					t.Errorf("%s: task %d never got feedback but is %s with %d submission events", phase, j.task, tk.Status, events)
				case stored != (events == 1) || events > 1:
					t.Errorf("%s: task %d is %s with %d submission events", phase, j.task, tk.Status, events)
				case s.accepted[j.task] && tk.Status != "accepted" && tk.Status != "submitted":
					t.Errorf("%s: task %d acceptance acknowledged but it is %s", phase, j.task, tk.Status)
				}
			}
			decided := v.count("lead.closed", 0) + v.count("lead.conflict", 0)
			switch {
			case submitted == 2 && (decided != 1 || v.Status != verdict[id]):
				t.Errorf("%s: lead %d has both feedbacks but is %s with %d reconciliations, want %s once", phase, id, v.Status, decided, verdict[id])
			case submitted < 2 && (decided != 0 || (v.Status != "pushed" && v.Status != "verifying")):
				t.Errorf("%s: lead %d has %d feedbacks but is %s with %d reconciliations", phase, id, submitted, v.Status, decided)
			case final && submitted != 2:
				t.Errorf("%s: lead %d has %d feedbacks after every retry, want 2", phase, id, submitted)
			}
		}
		if out := c.cli("stats", "verify"); !strings.Contains(out, "counters consistent") {
			t.Errorf("%s: stats verify: %s", phase, out)
		}
	}
	check("after restart", false)

	// The clients send again what went unanswered: a submission the dead
	// server committed is a conflict now; any other is taken.
	for _, j := range jobs {
		if s.acked[j.task] {
			continue
		}
		status, body, err := srv.do(j.token, fmt.Sprintf("/api/v1/tasks/%d/feedback", j.task), j.body)
		switch {
		case err != nil:
			t.Fatalf("retry task %d: %v", j.task, err)
		case status == http.StatusConflict && s.sent[j.task]:
		case status != http.StatusOK:
			t.Errorf("retry task %d (sent before the kill: %v): status %d: %s", j.task, s.sent[j.task], status, body)
		}
	}
	check("after retries", true)
}

// storm is one unit's share of the storm: accept a task, then report.
type storm struct {
	lead, task int64
	token      string
	body       map[string]any
}

func stormFeedback(temp float64, task int64) map[string]any {
	return map[string]any{"located": "at_address", "contact": "in_person", "temperature": temp,
		"symptoms": false, "measure": "home_observation", "note": fmt.Sprintf("report on task %d", task)}
}

// stormLog records what the server acknowledged.
type stormLog struct {
	mu       sync.Mutex
	accepted map[int64]bool // task → accept got a 2xx
	acked    map[int64]bool // task → feedback got a 2xx
	sent     map[int64]bool // task → feedback sent, no answer
	done     int
}

// run sends the jobs from six workers and SIGKILLs the server once killAt
// of them are done; requests after that find no server.
func (s *stormLog) run(t *testing.T, srv *replica, jobs []storm, killAt int) {
	queue := make(chan storm, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	var kill sync.Once
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for j := range queue {
				s.one(t, srv, j)
				s.mu.Lock()
				s.done++
				if s.done == killAt {
					kill.Do(func() { srv.kill(t) })
				}
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if srv.cmd.ProcessState == nil {
		t.Fatal("the server was never killed")
	}
}

func (s *stormLog) one(t *testing.T, srv *replica, j storm) {
	status, body, err := srv.do(j.token, fmt.Sprintf("/api/v1/tasks/%d/accept", j.task), nil)
	if err != nil {
		return // no server: neither step happened for the client
	}
	if status != http.StatusOK {
		t.Errorf("accept task %d: status %d: %s", j.task, status, body)
		return
	}
	s.mu.Lock()
	s.accepted[j.task] = true
	s.mu.Unlock()
	status, body, err = srv.do(j.token, fmt.Sprintf("/api/v1/tasks/%d/feedback", j.task), j.body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.sent[j.task] = true
	case status == http.StatusOK:
		s.acked[j.task] = true
	default:
		t.Errorf("feedback on task %d: status %d: %s", j.task, status, body)
	}
}

// leadView is a lead as GET /api/v1/leads/{id} shows it.
type leadView struct {
	ID       int64      `json:"id"`
	Status   string     `json:"status"`
	Tasks    []taskView `json:"tasks"`
	Timeline []event    `json:"timeline"`
}

type taskView struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Feedback *struct {
		Note string `json:"note"`
	} `json:"feedback"`
}

func (v *leadView) taskByID(id int64) *taskView {
	for i := range v.Tasks {
		if v.Tasks[i].ID == id {
			return &v.Tasks[i]
		}
	}
	return nil
}

// count counts the lead's events of a kind (of one task, when task is
// not 0).
func (v *leadView) count(kind string, task int64) int {
	n := 0
	for _, e := range v.Timeline {
		if e.Kind == kind && (task == 0 || e.TaskID == task) {
			n++
		}
	}
	return n
}

func getLead(t testing.TB, r *replica, token string, id int64) *leadView {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/leads/%d", r.url, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("get lead %d: %v", id, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("get lead %d: status %d: %s", id, res.StatusCode, b)
	}
	var v leadView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}
