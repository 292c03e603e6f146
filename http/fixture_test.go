package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	ehttp "github.com/epiloop/epiloop/http"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/sqlite"
)

// Shenyang places used by the tests.
const (
	shuiyuandi   = "210102001002" // 和平区 浑河湾街道 水源地社区
	shuiyuandiPS = "PS210102001"
	shuiyuandiCM = "CM210102001002"
	otherPS      = "PS210103005" // 沈河区 滨河街道, which serves 永顺社区 (there is no PS210103001)
	heping       = "210102"
	shenhe       = "210103"
	addrHome     = "沈阳市和平区水源地社区12号楼3单元"
	addrShenhe   = "沈阳市沈河区永顺社区5号"
	checkpoint   = "CK0001"
)

// Users of the fixture, by name. Each has a bearer token in fixture.tokens.
const (
	uCommander  = "commander"
	uHeping     = "district-heping"
	uShenhe     = "district-shenhe"
	uStation    = "station"
	uCommittee  = "committee"
	uOther      = "station-other"
	uAnalyst    = "analyst"
	uAuditor    = "auditor"
	uCheckpoint = "checkpoint"
	uDesk       = "desk"
	uDept       = "department"
	// uDetention and uDetentionB are the staff of each side's detention
	// facility, whose responsible unit is the side's police station.
	uDetention  = "detention"
	uDetentionB = "detention-other"
)

// The service desk's departments: uDept is of deptRS; deptSW has no
// user of the fixture (the other side of the matrix).
const (
	deptRS = "DEPT-RS"
	deptSW = "DEPT-SW"
)

// id1 is a valid ID number whose masked form the contract names.
const (
	id1       = "11010519491231002X"
	id1Masked = "110105********002X"
)

var users = []struct {
	name string
	role epiloop.Role
	unit string
}{
	{uCommander, epiloop.RoleCommander, epiloop.HeadquartersCode},
	{uHeping, epiloop.RoleDistrict, epiloop.SubCommandCode(heping)},
	{uShenhe, epiloop.RoleDistrict, epiloop.SubCommandCode(shenhe)},
	{uStation, epiloop.RoleStation, shuiyuandiPS},
	{uCommittee, epiloop.RoleCommittee, shuiyuandiCM},
	{uOther, epiloop.RoleStation, otherPS},
	{uAnalyst, epiloop.RoleAnalyst, ""},
	{uAuditor, epiloop.RoleAuditor, ""},
	{uCheckpoint, epiloop.RoleCheckpoint, checkpoint},
	{uDesk, epiloop.RoleDesk, ""},
	{uDept, epiloop.RoleDepartment, deptRS},
	{uDetention, epiloop.RoleDetention, shuiyuandiPS},
	{uDetentionB, epiloop.RoleDetention, otherPS},
}

var (
	treeOnce sync.Once
	tree     loop.Jurisdictions
	regions  *divisions.RegionIndex
	treeErr  error
)

// loadTree loads Shenyang's tree and the region index once for every
// fixture of the package.
func loadTree(t testing.TB) {
	t.Helper()
	treeOnce.Do(func() {
		var tr *divisions.Tree
		if tr, treeErr = divisions.Shenyang(); treeErr != nil {
			return
		}
		tree = loop.Jurisdictions{Districts: tr.Districts, Streets: tr.Streets, Communities: tr.Communities, Units: tr.Units()}
		regions, treeErr = divisions.Regions()
	})
	if treeErr != nil {
		t.Fatal(treeErr)
	}
}

type regionCodes struct{ idx *divisions.RegionIndex }

func (r regionCodes) LookupCode(s string) (string, bool) {
	reg, ok := r.idx.Lookup(s)
	return reg.Code, ok
}

// fixture is a real server on a loopback port over a real SQLite database
// seeded with Shenyang's tree, with a fake clock on the service and a
// running event broker.
type fixture struct {
	t      testing.TB
	store  *sqlite.DB
	svc    *loop.Service
	clock  *epiloop.FakeClock
	broker *loop.Broker
	srv    *ehttp.Server
	url    string
	client *http.Client
	tokens map[string]string
	logs   *logRecorder
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	loadTree(t)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "epiloop.db"), testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })

	f := &fixture{t: t, store: store, clock: epiloop.NewFakeClock(time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)), logs: &logRecorder{}}
	f.svc = loop.NewService(store)
	f.svc.Clock = f.clock
	f.svc.Regions = regionCodes{regions}
	if _, err := f.svc.SeedJurisdictions(ctx, tree); err != nil {
		t.Fatal(err)
	}
	err = store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpsertUnits([]epiloop.Unit{{Code: checkpoint, Kind: epiloop.UnitCheckpoint, Name: "沈阳站卡点", DistrictCode: heping},
			{Code: deptRS, Kind: epiloop.UnitDepartment, Name: "市人社局"}, {Code: deptSW, Kind: epiloop.UnitDepartment, Name: "市税务局"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	f.createUsers()
	// Whatever a test did over HTTP, the maintained counters must agree
	// with the rows.
	t.Cleanup(f.checkCounters)

	f.broker = loop.NewBroker(store)
	f.broker.Poll = 100 * time.Millisecond
	f.svc.Notify = f.broker.Wake
	bctx, cancel := context.WithCancel(ctx)
	brokerDone := make(chan struct{})
	go func() {
		defer close(brokerDone)
		f.broker.Run(bctx)
	}()
	t.Cleanup(func() { cancel(); <-brokerDone })

	f.srv = ehttp.NewServer(f.svc, f.broker, slog.New(f.logs))
	f.srv.Heartbeat = 200 * time.Millisecond
	if err := f.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	f.url = f.srv.URL() + "/api/v1"
	serveErr := make(chan error, 1)
	go func() { serveErr <- f.srv.Serve() }()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	f.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := f.srv.Close(); err != nil {
			t.Errorf("server close: %v", err)
		}
		if err := <-serveErr; err != nil {
			t.Errorf("serve: %v", err)
		}
		// Every internal error and net/http complaint is logged; a test
		// that caused one has found a bug even if its statuses looked fine.
		for _, l := range f.logs.lines() {
			t.Errorf("server logged: %s", l)
		}
	})
	return f
}

func (f *fixture) checkCounters() {
	f.t.Helper()
	drift, err := f.svc.VerifyCounters(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range drift {
		f.t.Errorf("counter %s/%s = %d, rows say %d", k.Scope, k.Metric, v[0], v[1])
	}
}

// createUsers creates every fixture user with a bearer token and no
// password (hashing one is slow on purpose; the cookie test makes its own).
func (f *fixture) createUsers() {
	f.t.Helper()
	ctx := context.Background()
	f.tokens = map[string]string{}
	for _, u := range users {
		if err := f.svc.CreateUser(ctx, &epiloop.User{Name: u.name, Role: u.role, UnitCode: u.unit}, ""); err != nil {
			f.t.Fatalf("create user %s: %v", u.name, err)
		}
		tok, err := f.svc.CreateToken(ctx, u.name, 365*24*time.Hour)
		if err != nil {
			f.t.Fatalf("create token for %s: %v", u.name, err)
		}
		f.tokens[u.name] = tok
	}
}

// logRecorder is a slog handler that keeps warnings and errors.
type logRecorder struct {
	mu   sync.Mutex
	errs []string
}

func (h *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.errs = append(h.errs, b.String())
	h.mu.Unlock()
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

func (h *logRecorder) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.errs...)
}

// request is one API call. As names a fixture user whose bearer token is
// sent; Header sets raw headers (an Authorization here replaces the
// token). Body is sent as is when it is a string or []byte, as JSON
// otherwise, and not at all when nil.
type request struct {
	Method string
	Path   string
	As     string
	Body   any
	Header map[string]string
}

// response is a finished API call.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// apiError is the error shape of every failed call.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
		Reason  string `json:"reason"`
	} `json:"error"`
}

func (f *fixture) newRequest(ctx context.Context, r request) *http.Request {
	f.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(js)
	}
	path := r.Path
	if !strings.HasPrefix(path, "http") {
		path = f.url + path
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, path, body)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.As != "" {
		tok, ok := f.tokens[r.As]
		if !ok {
			f.t.Fatalf("no user %q", r.As)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range r.Header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	return req
}

// do sends r and reads the whole response. Any 5xx fails the test: a
// malformed request is the caller's fault, never the server's.
func (f *fixture) do(r request) *response {
	f.t.Helper()
	resp, err := f.client.Do(f.newRequest(context.Background(), r))
	if err != nil {
		f.t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: read body: %v", r.Method, r.Path, err)
	}
	if resp.StatusCode >= 500 {
		f.t.Errorf("%s %s: status %d: %s", r.Method, r.Path, resp.StatusCode, body)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// call sends r, checks the status and decodes the body into out (when
// not nil).
func (f *fixture) call(r request, want int, out any) *response {
	f.t.Helper()
	res := f.do(r)
	if res.Status != want {
		f.t.Fatalf("%s %s as %s: status %d, want %d: %s", r.Method, r.Path, r.As, res.Status, want, res.Body)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			f.t.Fatalf("%s %s: decode %T: %v: %s", r.Method, r.Path, out, err, res.Body)
		}
	}
	return res
}

// errorOf decodes an error response; a body of another shape fails.
func errorOf(t testing.TB, res *response) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("status %d: body is not an API error: %s", res.Status, res.Body)
	}
	if e.Error.Message == "" {
		t.Errorf("status %d: error %q without a message", res.Status, e.Error.Code)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	return e
}

// The API's shapes as a client reads them.

type leadJSON struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
	Person   struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
		Phone    string `json:"phone"`
	} `json:"person"`
	Address   string `json:"address"`
	Community *struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		District string `json:"district"`
	} `json:"community"`
	Reason struct {
		Origin      string `json:"origin"`
		ArrivalDate string `json:"arrival_date"`
		Fever       bool   `json:"fever"`
	} `json:"reason"`
	Outcome  *feedbackJSON `json:"outcome"`
	Conflict []string      `json:"conflict"`
	Round    int           `json:"round"`
	Overdue  bool          `json:"overdue"`
	ClosedAt *time.Time    `json:"closed_at"`
	Tasks    []taskJSON    `json:"tasks"`
	Sources  []struct {
		Kind string `json:"kind"`
		Ref  string `json:"ref"`
	} `json:"sources"`
	Timeline []eventJSON `json:"timeline"`
}

type taskJSON struct {
	ID       int64      `json:"id"`
	LeadID   int64      `json:"lead_id"`
	Round    int        `json:"round"`
	Status   string     `json:"status"`
	Deadline *time.Time `json:"deadline"`
	Overdue  bool       `json:"overdue"`
	Unit     struct {
		Code string `json:"code"`
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"unit"`
	Feedback *feedbackJSON `json:"feedback"`
	Lead     *leadJSON     `json:"lead"`
}

type feedbackJSON struct {
	Located     string   `json:"located"`
	Address     string   `json:"address"`
	Temperature *float64 `json:"temperature"`
	Measure     string   `json:"measure"`
}

type eventJSON struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	LeadID int64  `json:"lead_id"`
	TaskID int64  `json:"task_id"`
}

type listJSON[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// liveTask returns the lead's task of the current round for a unit kind.
func (l *leadJSON) liveTask(t testing.TB, kind string) taskJSON {
	t.Helper()
	for _, tk := range l.Tasks {
		if tk.Round == l.Round && tk.Unit.Kind == kind && tk.Status != "cancelled" {
			return tk
		}
	}
	t.Fatalf("lead %d has no live %s task: %+v", l.ID, kind, l.Tasks)
	return taskJSON{}
}

// leadBody is the body of POST /leads.
func leadBody(id, address string) map[string]any {
	return map[string]any{
		"person":  map[string]any{"id_number": id, "name": "张三", "phone": "13800138000"},
		"address": address,
		"source":  map[string]any{"kind": "hotline", "ref": "12345"},
		"reason":  map[string]any{"origin": "武汉市", "arrival_date": "2020-01-30", "fever": false, "close_contact": false},
	}
}

// createLead reports a person at address as the commander and returns the
// new lead.
func (f *fixture) createLead(id, address string) leadJSON {
	f.t.Helper()
	var l leadJSON
	f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: leadBody(id, address)}, http.StatusCreated, &l)
	return l
}

// lead reads a lead as the commander, with its timeline.
func (f *fixture) lead(id int64) leadJSON {
	f.t.Helper()
	var l leadJSON
	f.call(request{Method: "GET", Path: fmt.Sprintf("/leads/%d", id), As: uCommander}, http.StatusOK, &l)
	return l
}

// feedback submits a unit's feedback and expects it taken.
func (f *fixture) feedback(as string, task int64, fb map[string]any) taskJSON {
	f.t.Helper()
	var tk taskJSON
	f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", task), As: as, Body: fb}, http.StatusOK, &tk)
	return tk
}

// atHome is feedback that found the person at the reported address.
func atHome(temp float64) map[string]any {
	return map[string]any{"located": "at_address", "contact": "in_person", "temperature": temp, "symptoms": false, "measure": "home_observation"}
}

// movedTo is feedback that found the person elsewhere in the city.
func movedTo(address string) map[string]any {
	return map[string]any{"located": "elsewhere_in_city", "address": address, "contact": "phone"}
}

// kinds lists a timeline's event kinds.
func kinds(events []eventJSON) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

// masked is an ID number as every lead read shows it.
func masked(id string) string { return id[:6] + "********" + id[14:] }

// reveal asks for a lead's identity with a purpose and returns the ID
// number answered.
func (f *fixture) reveal(as string, lead int64) string {
	f.t.Helper()
	var p struct {
		IDNumber string `json:"id_number"`
	}
	f.call(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/reveal", lead), As: as, Body: map[string]any{"purpose": "上门核查"}}, http.StatusOK, &p)
	return p.IDNumber
}

// idNumber returns the n-th of a series of valid resident ID numbers
// (n < 1000), distinct from id1.
func idNumber(n int) string {
	base := fmt.Sprintf("21010219900101%03d", n%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

func testKeyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
