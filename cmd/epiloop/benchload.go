package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/scenario"
	"github.com/epiloop/epiloop/sqlite"
)

// opStats collects one operation's latencies.
type opStats struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
	busy   int // 503 answers (back-pressure)
}

func (o *opStats) record(d time.Duration, status int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err != nil || status >= 500 && status != http.StatusServiceUnavailable:
		o.errors++
	case status == http.StatusServiceUnavailable:
		o.busy++
	case status >= 400:
		o.errors++
	default:
		o.lat = append(o.lat, d)
	}
}

// opResult is one operation's line in the report.
type opResult struct {
	RPS    float64 `json:"rps"`
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
	Errors int     `json:"errors"`
	Busy   int     `json:"busy_503,omitempty"`
}

func (o *opStats) result(d time.Duration) opResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	slices.Sort(o.lat)
	pct := func(p float64) float64 {
		if len(o.lat) == 0 {
			return 0
		}
		return float64(o.lat[min(len(o.lat)-1, int(p*float64(len(o.lat))))]) / 1e6
	}
	return opResult{RPS: float64(len(o.lat)) / d.Seconds(), P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: pct(1), Errors: o.errors, Busy: o.busy}
}

// benchLoadResult is the last line of `epiloop bench load`.
type benchLoadResult struct {
	Engine            string              `json:"engine"`
	Leads             int                 `json:"leads"`
	Clients           int                 `json:"clients"`
	Seconds           float64             `json:"seconds"`
	Ops               map[string]opResult `json:"ops"`
	BaselineCommitRPS float64             `json:"baseline_commit_rps"`
	SSEClients        int                 `json:"sse_clients"`
	SSEP99            float64             `json:"sse_p99_ms"`
	SSEEvents         int                 `json:"sse_events"`
	SSEBytesPerIdle   float64             `json:"sse_bytes_per_idle_subscriber,omitempty"`
	Writer            *writerLoad         `json:"writer,omitempty"`
	Import            *importRun          `json:"import,omitempty"`
}

// importRun is the import uploaded during the run (--import).
type importRun struct {
	Rows    int     `json:"rows"`
	Seconds float64 `json:"seconds"` // from the upload's start to the import's end
	Status  string  `json:"status"`
	Leads   int     `json:"leads_created"`
}

// writerLoad is what the SQLite engine's one writer did during the run.
type writerLoad struct {
	Groups       int64   `json:"groups"`
	PerGroup     float64 `json:"transactions_per_group"`
	Busy         float64 `json:"busy"` // share of the run's wall time
	RunMicros    float64 `json:"run_us_per_transaction"`
	CommitMicros float64 `json:"commit_us_per_group"`
	BulkHeld     int64   `json:"bulk_batches_held,omitempty"` // import batches that waited for field work
}

// writerStatser is a store that reports its writer's work (SQLite).
type writerStatser interface{ WriterStats() sqlite.WriterStats }

func writerDelta(a, b sqlite.WriterStats, d time.Duration) *writerLoad {
	g, n := b.Groups-a.Groups, b.Transactions-a.Transactions
	if g == 0 || n == 0 {
		return nil
	}
	run, commit := b.Run-a.Run, b.Commit-a.Commit
	return &writerLoad{Groups: g, PerGroup: float64(n) / float64(g), Busy: float64(run+commit) / float64(d),
		RunMicros: float64(run.Microseconds()) / float64(n), CommitMicros: float64(commit.Microseconds()) / float64(g),
		BulkHeld: b.BulkHeld - a.BulkHeld}
}

// loadBench is one run of the load benchmark.
type loadBench struct {
	base   string
	client *http.Client
	ops    map[string]*opStats
	mu     sync.Mutex
	stop   atomic.Bool
	done   chan struct{} // closed with stop set
}

func (b *loadBench) op(name string) *opStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.ops[name]
	if o == nil {
		o = &opStats{}
		b.ops[name] = o
	}
	return o
}

// call sends one API request and records it under op.
func (b *loadBench) call(op, method, path, token string, body any, out any) int {
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := b.client.Do(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
		if out != nil && status < 300 {
			err = json.NewDecoder(resp.Body).Decode(out)
		} else {
			io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
	}
	b.op(op).record(time.Since(start), status, err)
	return status
}

func runBenchLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("bench load", stderr)
	clients := fs.Int("clients", 32, "field clients (accept + feedback)")
	duration := fs.Duration("duration", 10*time.Second, "how long to drive traffic")
	leads := fs.Int("leads", 10000, "leads to seed (through the import path) before the run")
	sse := fs.Int("sse", 100, "server-sent event subscribers")
	dashboards := fs.Int("dashboards", 100, "open dashboards: each reads the overview and a district's leads every --refresh (0 with --refresh 0: one reader of each, flat out)")
	screenings := fs.Float64("screenings", 20, "vehicle crossings registered per second at the road checkpoints (1–4 occupants each)")
	refresh := fs.Duration("refresh", 750*time.Millisecond, "how often an open dashboard re-reads (the dashboard page refreshes on change, at most every 750 ms); 0 reads flat out")
	importRows := fs.Int("import", 0, "rows of a manifest uploaded to /api/v1/imports a third into the run (0: none), to see what a server-side import does to field traffic")
	url := fs.String("url", "", "drive a running server at this base URL (its --db must be given too, for users and tokens)")
	profile := fs.String("profile", "", "write the run's CPU profile (cpu.prof) and the allocations made during it (allocs.prof, against allocs-base.prof) into this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "epiloop-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if db.dsn == "" {
		*db = dbFlags{dsn: "sqlite:" + filepath.Join(dir, "load.db"), createKey: true}
	}
	m, err := NewMain(ctx, *db, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer m.Close()
	admin := cliContext(ctx)
	if *leads > 0 {
		file := filepath.Join(dir, "seed.csv")
		if err := generateTo(file, intake.GenOptions{Rows: *leads, Seed: uint64(time.Now().UnixNano()), Format: intake.FormatCSV}); err != nil {
			return err
		}
		t := time.Now()
		if _, err := importFile(admin, m.Service, file, intake.Options{Source: "rail", File: "seed.csv"}, 20000, nil); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "seeded %d leads in %.1fs\n", *leads, time.Since(t).Seconds())
	}
	base := *url
	if base == "" {
		m.EscalateEvery = time.Hour
		if err := m.Run(ctx, "127.0.0.1:0"); err != nil {
			return err
		}
		base = m.Server.URL()
	}
	base = strings.TrimSuffix(base, "/") + "/api/v1"
	total, units, err := openUnits(commanderContext(ctx), m.Service)
	if err != nil {
		return err
	}
	tokens, err := benchTokens(admin, m.Service, units)
	if err != nil {
		return err
	}
	lanes, err := benchCheckpoints(admin, m.Service)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d leads, %d units with open tasks\n", total, len(units))
	upload := ""
	if *importRows > 0 {
		upload = filepath.Join(dir, "upload.csv")
		if err := generateTo(upload, intake.GenOptions{Rows: *importRows, Seed: uint64(time.Now().UnixNano()) + 1, Format: intake.FormatCSV}); err != nil {
			return err
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *clients + *sse + 16, MaxConnsPerHost: 0}
	b := &loadBench{done: make(chan struct{}), base: base, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, ops: map[string]*opStats{}}

	var heapBefore runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heapBefore)
	sseLat := &opStats{}
	var sseWG sync.WaitGroup
	sseCtx, sseCancel := context.WithCancel(ctx)
	defer sseCancel()
	for i := 0; i < *sse; i++ {
		sseWG.Add(1)
		go func() {
			defer sseWG.Done()
			b.subscribe(sseCtx, tokens["commander"], sseLat)
		}()
	}
	time.Sleep(500 * time.Millisecond)
	var heapAfter runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heapAfter)

	res := benchLoadResult{Engine: m.Store.Engine(), Leads: total, Clients: *clients, SSEClients: *sse}
	if *url == "" && *sse > 0 {
		res.SSEBytesPerIdle = float64(int64(heapAfter.HeapInuse)-int64(heapBefore.HeapInuse)) / float64(*sse)
	}
	ws, _ := m.Store.(writerStatser)
	var wsBefore sqlite.WriterStats
	if ws != nil {
		wsBefore = ws.WriterStats()
	}
	stopProfile, err := startProfile(*profile)
	if err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		var mine []string
		for j := i; j < len(units); j += *clients {
			mine = append(mine, units[j])
		}
		wg.Add(1)
		go func() { defer wg.Done(); b.fieldWorker(mine, tokens) }()
	}
	readers := max(*dashboards, 1)
	if *refresh <= 0 {
		readers = 1
	}
	for i := range readers {
		wg.Add(2)
		go func() { defer wg.Done(); b.reader("overview", "/stats/overview", tokens["commander"], *refresh, i) }()
		go func() {
			defer wg.Done()
			b.reader("leads_list", "/leads?overdue=false&district=210102&per_page=50", tokens["district"], *refresh*4, i)
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); b.creator(tokens["commander"]) }()
	if *screenings > 0 {
		every := time.Duration(float64(len(lanes)) * float64(time.Second) / *screenings)
		for i, l := range lanes {
			wg.Add(1)
			go func() { defer wg.Done(); b.screener(l, every, uint64(i)) }()
		}
	}
	imported := make(chan *importRun, 1)
	if upload != "" {
		go func() {
			b.sleep(*duration / 3)
			imported <- b.uploadImport(upload, *importRows, tokens["commander"])
		}()
	}
	time.Sleep(*duration)
	b.stop.Store(true)
	close(b.done)
	wg.Wait()
	elapsed := time.Since(start)
	if err := stopProfile(); err != nil {
		return err
	}
	if ws != nil {
		res.Writer = writerDelta(wsBefore, ws.WriterStats(), elapsed)
	}
	if upload != "" {
		res.Import = <-imported
	}
	time.Sleep(time.Second) // let the last events arrive
	sseCancel()
	sseWG.Wait()

	res.Seconds = elapsed.Seconds()
	res.Ops = map[string]opResult{}
	for name, o := range b.ops {
		res.Ops[name] = o.result(elapsed)
	}
	sr := sseLat.result(elapsed)
	res.SSEP99, res.SSEEvents = sr.P99, len(sseLat.lat)
	if res.BaselineCommitRPS, err = loop.CommitBaseline(ctx, m.Store, 3*time.Second); err != nil {
		return err
	}
	printLoad(stderr, res)
	if drift, err := m.Service.VerifyCounters(ctx); err == nil && len(drift) > 0 {
		fmt.Fprintf(stderr, "WARNING: %d counters drifted from the rows\n", len(drift))
	}
	js, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(js))
	return nil
}

// openUnits returns the number of leads and the units holding open tasks.
func openUnits(ctx context.Context, svc *loop.Service) (int, []string, error) {
	seen := map[string]bool{}
	total := 0
	for before := int64(0); ; {
		ls, _, err := svc.FindLeads(ctx, epiloop.LeadFilter{Before: before, NoCount: true, Limit: 1000})
		if err != nil {
			return 0, nil, err
		}
		total += len(ls)
		for _, l := range ls {
			for _, t := range l.LiveTasks() {
				if t.Status == epiloop.TaskPushed {
					seen[t.UnitCode] = true
				}
			}
		}
		if len(ls) < 1000 {
			break
		}
		before = ls[len(ls)-1].ID
	}
	units := make([]string, 0, len(seen))
	for u := range seen {
		units = append(units, u)
	}
	sort.Strings(units)
	return total, units, nil
}

// benchTokens creates token-only users: a commander, a district commander
// and one per unit.
func benchTokens(ctx context.Context, svc *loop.Service, units []string) (map[string]string, error) {
	tokens := map[string]string{}
	users := []*epiloop.User{
		{Name: "bench-commander", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode},
		{Name: "bench-district", Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode("210102")},
	}
	keys := []string{"commander", "district"}
	for _, u := range units {
		role := epiloop.RoleStation
		if strings.HasPrefix(u, "CM") {
			role = epiloop.RoleCommittee
		}
		users = append(users, &epiloop.User{Name: "bench-" + u, Role: role, UnitCode: u})
		keys = append(keys, u)
	}
	for i, u := range users {
		tok, err := benchToken(ctx, svc, u)
		if err != nil {
			return nil, err
		}
		tokens[keys[i]] = tok
	}
	return tokens, nil
}

// benchToken creates u (unless a run before did) with a token only, and
// returns a day's token for it.
func benchToken(ctx context.Context, svc *loop.Service, u *epiloop.User) (string, error) {
	if err := svc.CreateUser(ctx, u, ""); err != nil && epiloop.ErrorField(err) != "name" {
		return "", err
	}
	return svc.CreateToken(ctx, u.Name, 24*time.Hour)
}

type benchTask struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// fieldWorker plays the field units: list open tasks, accept one, report.
func (b *loadBench) fieldWorker(units []string, tokens map[string]string) {
	fb := map[string]any{"located": "at_address", "contact": "in_person", "temperature": 36.6, "symptoms": false, "measure": "home_observation"}
	for len(units) > 0 && !b.stop.Load() {
		for i := 0; i < len(units) && !b.stop.Load(); i++ {
			tok := tokens[units[i]]
			var list struct {
				Items []benchTask `json:"items"`
			}
			b.call("tasks_list", "GET", "/tasks?status=open&per_page=20", tok, nil, &list)
			var next *benchTask
			for j := range list.Items {
				if list.Items[j].Status == "pushed" {
					next = &list.Items[j]
					break
				}
			}
			if next == nil {
				units = slices.Delete(units, i, i+1)
				i--
				continue
			}
			b.call("accept", "POST", fmt.Sprintf("/tasks/%d/accept", next.ID), tok, nil, nil)
			b.call("feedback", "POST", fmt.Sprintf("/tasks/%d/feedback", next.ID), tok, fb, nil)
		}
	}
}

// uploadImport posts the manifest at path to /api/v1/imports as an
// officer's browser would and waits for the import to end.
func (b *loadBench) uploadImport(path string, rows int, tok string) *importRun {
	run := &importRun{Rows: rows, Status: "not started"}
	start := time.Now()
	defer func() { run.Seconds = time.Since(start).Seconds() }()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("source", "rail"); err != nil {
				return err
			}
			part, err := mw.CreateFormFile("file", filepath.Base(path))
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(part, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	var im epiloop.Import
	// fetch sends req as the commander and reads the import it answers.
	fetch := func(req *http.Request) (int, error) {
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := b.client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(&im)
	}
	req, _ := http.NewRequest("POST", b.base+"/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if status, err := fetch(req); err != nil || status/100 != 2 {
		run.Status = fmt.Sprintf("upload answered %d", status)
		return run
	}
	for im.Status == epiloop.ImportRunning {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/imports/%d", b.base, im.ID), nil)
		if status, err := fetch(req); err != nil || status/100 != 2 {
			run.Status = "lost"
			return run
		}
	}
	run.Status, run.Leads = im.Status, im.Counts.LeadsCreated
	return run
}

// sleep waits for d or the end of the run.
func (b *loadBench) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.done:
	}
}

// reader reads path every interval (flat out when it is 0), the readers
// spread evenly over the interval.
func (b *loadBench) reader(op, path, tok string, every time.Duration, i int) {
	if every > 0 {
		b.sleep(time.Duration(rand.Int64N(int64(every))))
	}
	for !b.stop.Load() {
		start := time.Now()
		b.call(op, "GET", path, tok, nil, nil)
		if every > 0 {
			b.sleep(every - time.Since(start))
		}
	}
}

// creator reports new leads (hotline), a few per second.
func (b *loadBench) creator(tok string) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for !b.stop.Load() {
		id := epiloop.CompleteIDNumber(fmt.Sprintf("42010219%02d%02d%02d%03d", 50+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000)))
		b.call("lead_create", "POST", "/leads", tok, map[string]any{
			"person":  map[string]any{"id_number": id, "name": "测试"},
			"address": "沈阳市和平区水源地社区12号楼3单元",
			"source":  map[string]any{"kind": "hotline"},
			"reason":  map[string]any{"origin": "4201"},
		}, nil)
		b.sleep(20 * time.Millisecond)
	}
}

// lane is a checkpoint and the token of its officer.
type lane struct{ code, token string }

// benchCheckpoints registers the demo's road checkpoints and an officer
// with a token at each.
func benchCheckpoints(ctx context.Context, svc *loop.Service) ([]lane, error) {
	var cks []epiloop.Checkpoint
	for _, ck := range scenario.Checkpoints {
		if ck.Kind == epiloop.CheckpointRoad {
			cks = append(cks, ck)
		}
	}
	if err := svc.SaveCheckpoints(ctx, cks); err != nil {
		return nil, err
	}
	var out []lane
	for _, ck := range cks {
		tok, err := benchToken(ctx, svc, &epiloop.User{Name: "bench-" + ck.Code, Role: epiloop.RoleCheckpoint, UnitCode: ck.Code})
		if err != nil {
			return nil, err
		}
		out = append(out, lane{ck.Code, tok})
	}
	return out, nil
}

// screener registers a vehicle crossing at its checkpoint every interval:
// one to four occupants, one in fifty with a fever (an urgent lead).
func (b *loadBench) screener(l lane, every time.Duration, seed uint64) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), seed))
	b.sleep(time.Duration(r.Int64N(int64(every))))
	for n := 0; !b.stop.Load(); n++ {
		start := time.Now()
		occupants := make([]any, 1+r.IntN(4))
		for i := range occupants {
			temp := 36.2 + r.Float64()*0.8
			if r.IntN(50) == 0 {
				temp = 38.3
			}
			id := epiloop.CompleteIDNumber(fmt.Sprintf("21010219%02d%02d%02d%03d", 50+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000)))
			occupants[i] = map[string]any{"id_number": id, "name": "旅客", "origin": "大连",
				"destination": "沈阳市和平区水源地社区12号楼3单元", "temperature": temp}
		}
		b.call("screening", "POST", "/checkpoints/"+l.code+"/screenings", l.token, map[string]any{
			"direction": "in", "plate": fmt.Sprintf("辽B%05d", r.IntN(100000)), "occupants": occupants,
		}, nil)
		b.sleep(every - time.Since(start))
	}
}

// subscribe reads the event stream and records each event's delay from
// its commit.
func (b *loadBench) subscribe(ctx context.Context, tok string, lat *opStats) {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := b.client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		// Only the event's time is needed: cut it out rather than decode
		// every event (the client shares the server's two cores).
		if at, ok := eventTime(data); ok {
			lat.record(time.Since(at), 200, nil)
		}
	}
}

// eventTime returns the "time" field of an event's JSON.
func eventTime(data string) (time.Time, bool) {
	_, rest, ok := strings.Cut(data, `"time":"`)
	if !ok {
		return time.Time{}, false
	}
	v, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

func printLoad(w io.Writer, r benchLoadResult) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "op\trps\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\t503\t\n")
	names := make([]string, 0, len(r.Ops))
	for n := range r.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := r.Ops[n]
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t\n", n, o.RPS, o.P50, o.P95, o.P99, o.Max, o.Errors, o.Busy)
	}
	tw.Flush()
	fmt.Fprintf(w, "SSE: %d subscribers, %d events, p99 delay %.1f ms; %.0f bytes per idle subscriber\n",
		r.SSEClients, r.SSEEvents, r.SSEP99, r.SSEBytesPerIdle)
	if wl := r.Writer; wl != nil {
		fmt.Fprintf(w, "writer: %d groups, %.1f transactions per group, busy %.0f%% of the run, %.0f µs running per transaction, %.0f µs committing per group\n",
			wl.Groups, wl.PerGroup, 100*wl.Busy, wl.RunMicros, wl.CommitMicros)
		if wl.BulkHeld > 0 {
			fmt.Fprintf(w, "writer: %d import batches waited for field work\n", wl.BulkHeld)
		}
	}
	if im := r.Import; im != nil {
		fmt.Fprintf(w, "import during the run: %d rows, %s in %.1f s, %d leads created\n", im.Rows, im.Status, im.Seconds, im.Leads)
	}
	fmt.Fprintf(w, "baseline: %.0f durable single-row commits/s on %s\n", r.BaselineCommitRPS, r.Engine)
}

// startProfile starts profiling the run into dir (nothing when dir is
// empty): the CPU profile of the run, and the heap's allocations before
// and after it, so that `go tool pprof -sample_index=alloc_space -base
// allocs-base.prof allocs.prof` shows what the run allocated.
func startProfile(dir string) (stop func() error, err error) {
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	heap := func(name string) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	if err := heap("allocs-base.prof"); err != nil {
		return nil, err
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.prof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := cpu.Close(); err != nil {
			return err
		}
		return heap("allocs.prof")
	}, nil
}
