package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestReplicas runs two `epiloop serve` processes on one PostgreSQL
// database, as a city deployment does behind a load balancer, and drives
// the loop through both: a lead reported on one replica is verified
// through the other, every event reaches both replicas' live streams, an
// overdue task escalates once however many replicas run the escalation
// pass, and a replica killed in the middle of a stream of feedback loses
// no acknowledged submission and applies none twice.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := pgtest.URL(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	c := &cluster{t: t, bin: bin, db: dbURL, env: append(os.Environ(), "EPILOOP_KEY_FILE="+filepath.Join(dir, "epiloop.key"))}
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	c.pool = pool
	c.cli("key", "init")

	// Both replicas start together on the empty database: they take turns
	// migrating, and seed the jurisdiction tree once.
	var a, b *replica
	var wg sync.WaitGroup
	wg.Go(func() { a = c.start("A") })
	wg.Go(func() { b = c.start("B") })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}

	tokens := map[string]string{}
	for _, u := range []struct{ name, role, unit string }{
		{"hq", "commander", "HQ"},
		{"station", "station", "PS210102001"},
		{"committee", "committee", "CM210102001002"},
	} {
		c.cli("user", "add", "--name", u.name, "--role", u.role, "--unit", u.unit)
		tokens[u.name] = strings.TrimSpace(c.cli("token", "create", "--user", u.name))
	}
	streamA, streamB := a.subscribe(tokens["hq"]), b.subscribe(tokens["hq"])

	t.Run("LoopAcrossReplicas", func(t *testing.T) {
		l := a.createLead(t, tokens["hq"], idNumber(1))
		station, committee := l.task("police_station"), l.task("committee")
		b.post(t, tokens["station"], fmt.Sprintf("/api/v1/tasks/%d/accept", station), nil, http.StatusOK)
		b.post(t, tokens["committee"], fmt.Sprintf("/api/v1/tasks/%d/accept", committee), nil, http.StatusOK)
		b.post(t, tokens["station"], fmt.Sprintf("/api/v1/tasks/%d/feedback", station), feedback, http.StatusOK)
		b.post(t, tokens["committee"], fmt.Sprintf("/api/v1/tasks/%d/feedback", committee), feedback, http.StatusOK)
		closed := func(es []event) bool { return countKind(es, l.ID, "lead.closed") == 1 }
		evA := streamA.waitFor(t, "lead closed on replica A's stream", 2*time.Second, closed)
		evB := streamB.waitFor(t, "lead closed on replica B's stream", 2*time.Second, closed)
		if ga, gb := leadEventIDs(evA, l.ID), leadEventIDs(evB, l.ID); !slices.Equal(ga, gb) || len(ga) < 8 {
			t.Errorf("replica A streamed events %v of the lead, B %v: want the same, all of them", ga, gb)
		}
	})

	t.Run("EscalationOnceAcrossReplicas", func(t *testing.T) {
		var ids []int64
		for i := range 3 {
			ids = append(ids, b.createLead(t, tokens["hq"], idNumber(10+i)).ID)
		}
		// Make the leads' tasks overdue: both replicas' escalation passes
		// (every 200 ms) now find them due.
		c.sql(t, `UPDATE tasks SET accept_by = now() - interval '1 minute', escalate_at = now() - interval '1 minute'
			WHERE lead_id = ANY($1)`, ids)
		escalated := func(es []event) bool {
			n := 0
			for _, id := range ids {
				n += countKind(es, id, "task.escalated")
			}
			return n >= 2*len(ids)
		}
		streamA.waitFor(t, "escalations on replica A's stream", 3*time.Second, escalated)
		streamB.waitFor(t, "escalations on replica B's stream", 3*time.Second, escalated)
		time.Sleep(time.Second) // five more passes on each replica
		perTask := map[int64]int{}
		for _, e := range streamA.snapshot() {
			if e.Kind == "task.escalated" {
				perTask[e.TaskID]++
			}
		}
		if len(perTask) != 2*len(ids) {
			t.Errorf("%d tasks escalated, want %d", len(perTask), 2*len(ids))
		}
		for task, n := range perTask {
			if n != 1 {
				t.Errorf("task %d escalated %d times, want once", task, n)
			}
		}
		if n := c.count(t, `SELECT count(*) FROM escalations e JOIN tasks t ON t.id = e.task_id WHERE t.lead_id = ANY($1)`, ids); n != 2*len(ids) {
			t.Errorf("%d escalations stored, want %d", n, 2*len(ids))
		}
	})

	t.Run("KillReplicaDuringFeedback", func(t *testing.T) {
		c.killDuringFeedback(t, a, b, tokens)
	})

	for _, args := range [][]string{{"stats", "verify"}, {"audit", "verify"}} {
		if out := c.cli(args...); !strings.Contains(out, "consistent") && !strings.Contains(out, "intact") {
			t.Errorf("%s: %s", strings.Join(args, " "), out)
		}
	}
}

// killDuringFeedback submits both units' feedback for a batch of leads,
// spread over both replicas by several workers, and SIGKILLs replica b a
// third of the way through. A submission b can no longer answer is sent
// to a again, as a load balancer retries; if b had committed it before
// dying, a answers conflict. Every acknowledged submission must be
// stored, and none twice.
func (c *cluster) killDuringFeedback(t *testing.T, a, b *replica, tokens map[string]string) {
	const leads = 24
	type job struct {
		lead, task int64
		token      string
	}
	var jobs []job
	for i := range leads {
		l := a.createLead(t, tokens["hq"], idNumber(100+i))
		jobs = append(jobs, job{l.ID, l.task("police_station"), tokens["station"]},
			job{l.ID, l.task("committee"), tokens["committee"]})
	}
	rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	var (
		mu       sync.Mutex
		acked    = map[int64]bool{} // task → a 2xx was received
		conflict = map[int64]bool{} // task → the retry found it submitted
		done     int
		retried  int // sent to a after b did not answer
		lost     int // failed by b as it died, not acknowledged
		killOnce sync.Once
	)
	queue := make(chan int, len(jobs))
	for i := range jobs {
		queue <- i
	}
	close(queue)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range queue {
				j := jobs[i]
				target := []*replica{a, b}[i%2]
				path := fmt.Sprintf("/api/v1/tasks/%d/feedback", j.task)
				status, _, err := target.do(j.token, path, feedback)
				retry := err != nil && target == b
				if retry {
					// b is gone: the balancer sends the request to a.
					status, _, err = a.do(j.token, path, feedback)
				}
				mu.Lock()
				if retry {
					retried++
				}
				switch {
				case err != nil:
					t.Errorf("task %d: %v", j.task, err)
				case status == http.StatusOK:
					acked[j.task] = true
				case status == http.StatusConflict:
					conflict[j.task] = true
				case status >= 500 && target == b:
					// b failed the request while dying: not acknowledged.
					lost++
				default:
					t.Errorf("task %d: status %d", j.task, status)
				}
				done++
				if done == len(jobs)/3 {
					killOnce.Do(func() { b.kill(t) })
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if b.cmd.ProcessState == nil {
		t.Fatal("replica B was never killed")
	}

	for _, j := range jobs {
		submitted := c.count(t, `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'submitted'`, j.task)
		events := c.count(t, `SELECT count(*) FROM events WHERE task_id = $1 AND kind = 'task.submitted'`, j.task)
		switch {
		case acked[j.task] && conflict[j.task]:
			t.Errorf("task %d: acknowledged and also found submitted by its retry", j.task)
		case (acked[j.task] || conflict[j.task]) && (submitted != 1 || events != 1):
			t.Errorf("task %d: acknowledged, stored %d times with %d events, want once", j.task, submitted, events)
		case events > 1:
			t.Errorf("task %d: %d submission events, want at most one", j.task, events)
		}
	}
	for i := 0; i < len(jobs); i += 2 {
		lead := jobs[i].lead
		if n := c.count(t, `SELECT count(*) FROM events WHERE lead_id = $1 AND kind IN ('lead.closed', 'lead.conflict')`, lead); n > 1 {
			t.Errorf("lead %d reconciled %d times", lead, n)
		}
	}
	t.Logf("%d submissions: %d acknowledged, %d retried on A after B died (%d of them found already submitted), %d failed by B",
		len(jobs), len(acked), retried, len(conflict), lost)
}

// feedback is an agreeing report.
var feedback = map[string]any{"located": "at_address", "contact": "in_person", "temperature": 36.6,
	"symptoms": false, "measure": "home_observation"}

// idNumber returns a valid resident ID number (GB 11643 check character)
// for test person n.
func idNumber(n int) string {
	base := fmt.Sprintf("21010219900101%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

// buildBinary builds epiloop once into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "epiloop")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type cluster struct {
	t    *testing.T
	bin  string
	db   string
	env  []string
	pool *pgxpool.Pool
}

// cli runs a subcommand on the database and returns its standard output.
func (c *cluster) cli(args ...string) string {
	c.t.Helper()
	if args[0] != "key" {
		args = append(args, "--db", c.db)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("epiloop %s: %v\n%s", args[0], err, stderr.String())
	}
	return stdout.String()
}

// sql runs a statement on the database directly.
func (c *cluster) sql(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := c.pool.Exec(context.Background(), query, args...); err != nil {
		t.Fatal(err)
	}
}

// count runs a counting query on the database directly.
func (c *cluster) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := c.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// replica is one running `epiloop serve`.
type replica struct {
	name   string
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
}

// start runs a replica on a free port, escalating every 200 ms, and waits
// for it to say where it serves.
func (c *cluster) start(name string) *replica {
	t := c.t
	cmd := exec.Command(c.bin, "serve", "--db", c.db, "--addr", "127.0.0.1:0", "--escalate-every", "200ms")
	cmd.Env = c.env
	r := &replica{name: name, cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = r.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return nil
	}
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return nil
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("replica %s log:\n%s", name, r.stderr.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "epiloop serving at "); ok {
				found <- u
			}
		}
	}()
	select {
	case r.url = <-found:
		return r
	case <-time.After(20 * time.Second):
		t.Errorf("replica %s did not start:\n%s", name, r.stderr.String())
		return nil
	}
}

// kill ends the replica with SIGKILL: no shutdown, no flushing.
func (r *replica) kill(t *testing.T) {
	if err := r.cmd.Process.Kill(); err != nil {
		t.Error(err)
	}
	r.cmd.Wait()
}

var client = &http.Client{Timeout: 10 * time.Second}

// do sends a JSON request and returns the status and body; err is a
// transport failure (no answer).
func (r *replica) do(token, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(http.MethodPost, r.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (r *replica) post(t *testing.T, token, path string, body any, want int) []byte {
	t.Helper()
	status, b, err := r.do(token, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", r.name, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", r.name, path, status, want, b)
	}
	return b
}

type lead struct {
	ID    int64 `json:"id"`
	Tasks []struct {
		ID   int64 `json:"id"`
		Unit struct {
			Kind string `json:"kind"`
		} `json:"unit"`
	} `json:"tasks"`
}

func (l *lead) task(kind string) int64 {
	for _, t := range l.Tasks {
		if t.Unit.Kind == kind {
			return t.ID
		}
	}
	return 0
}

// createLead reports a person at an address of 水源地社区: pushed to its
// police station and committee.
func (r *replica) createLead(t *testing.T, token, id string) *lead {
	t.Helper()
	b := r.post(t, token, "/api/v1/leads", map[string]any{
		"person":  map[string]any{"id_number": id, "name": "张三", "phone": "13800138000"},
		"address": "沈阳市和平区水源地社区12号楼3单元",
		"source":  map[string]any{"kind": "hotline", "ref": "replica-test"},
		"reason":  map[string]any{"origin": "武汉市", "arrival_date": "2020-01-22"},
	}, http.StatusCreated)
	var l lead
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	if l.task("police_station") == 0 || l.task("committee") == 0 {
		t.Fatalf("lead %d not pushed to both units: %s", l.ID, b)
	}
	return &l
}

// event is one server-sent event as a client reads it.
type event struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	LeadID int64  `json:"lead_id"`
	TaskID int64  `json:"task_id"`
}

// stream is a live /api/v1/events subscription.
type stream struct {
	mu     sync.Mutex
	events []event
	change chan struct{}
}

func (r *replica) subscribe(token string) *stream {
	s := &stream{change: make(chan struct{}, 1)}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	ready := make(chan struct{})
	go func() {
		res, err := http.DefaultClient.Do(req)
		close(ready)
		if err != nil {
			return
		}
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e event
			if json.Unmarshal([]byte(data), &e) == nil {
				s.mu.Lock()
				s.events = append(s.events, e)
				s.mu.Unlock()
				select {
				case s.change <- struct{}{}:
				default:
				}
			}
		}
	}()
	<-ready
	return s
}

func (s *stream) snapshot() []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event(nil), s.events...)
}

// waitFor waits until ok holds of the events received.
func (s *stream) waitFor(t *testing.T, what string, timeout time.Duration, ok func([]event) bool) []event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		es := s.snapshot()
		if ok(es) {
			return es
		}
		select {
		case <-s.change:
		case <-deadline:
			t.Fatalf("%s: not within %v (%d events received)", what, timeout, len(es))
		}
	}
}

func countKind(es []event, leadID int64, kind string) int {
	n := 0
	for _, e := range es {
		if e.LeadID == leadID && e.Kind == kind {
			n++
		}
	}
	return n
}

func leadEventIDs(es []event, leadID int64) []int64 {
	var ids []int64
	for _, e := range es {
		if e.LeadID == leadID {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// lockedBuffer is a bytes.Buffer safe for a process's writes and the
// test's reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
