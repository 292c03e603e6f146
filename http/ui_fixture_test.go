package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/scenario"
	"github.com/epiloop/epiloop/sqlite"
)

// The pages' fixture: a real server on a loopback port over a real SQLite
// database with Shenyang's tree, the demo accounts (password
// scenario.Password), a fake clock and a running event broker. With demo
// set it also seeds the demo's leads in every state, for screenshots.

// Places and people of the page tests.
const (
	uiAddrHome   = "沈阳市和平区水源地社区12号楼3单元"
	uiIDNumber   = "11010519491231002X"
	uiIDMasked   = "110105********002X"
	uiOtherName  = "station-binhe" // a station of 沈河区, another community
	uiOtherUnit  = "PS210103005"
	uiCommander  = "commander"
	uiStation    = "station-hunhewan"
	uiCommittee  = "committee-shuiyuandi"
	uiAdmin      = "admin"
	uiDistrictHP = "district-heping"
	uiAnalyst    = "analyst"
)

type uiFixture struct {
	t      testing.TB
	svc    *loop.Service
	clock  *epiloop.FakeClock
	srv    *ehttp.Server
	url    string
	client *http.Client
	tokens map[string]string
	logs   *logRecorder
}

// uiStart is the fixture's clock at start.
var uiStart = time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)

// demoDB is the demo's database, seeded once per test binary (the seed
// takes seconds and two dozen page tests read it): each demo fixture
// opens a copy of its file with its keyring.
var demoDB struct {
	once sync.Once
	path string
	kr   *keyring.Keyring
	err  error
}

// openUIStore opens the fixture's database: with demo a copy of the
// seeded demo's, else a new one; both hold the tree and the accounts.
func openUIStore(t testing.TB, demo bool) epiloop.Store {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "epiloop.db")
	if !demo {
		kr, err := keyring.New()
		if err != nil {
			t.Fatal(err)
		}
		store, err := prepareUIStore(ctx, path, kr, false)
		if err != nil {
			t.Fatal(err)
		}
		return store
	}
	demoDB.once.Do(func() {
		dir, err := os.MkdirTemp("", "epiloop-demo-")
		if err != nil {
			demoDB.err = err
			return
		}
		demoDB.path = filepath.Join(dir, "demo.db")
		if demoDB.kr, demoDB.err = keyring.New(); demoDB.err != nil {
			return
		}
		store, err := prepareUIStore(ctx, demoDB.path, demoDB.kr, true)
		if err != nil {
			demoDB.err = err
			return
		}
		demoDB.err = store.Close() // checkpoints the journal into the file
	})
	if demoDB.err != nil {
		t.Fatalf("the demo's database: %v", demoDB.err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(demoDB.path + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	store, err := sqlite.Open(ctx, path, demoDB.kr)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// prepareUIStore creates the database at path with the tree, the demo
// accounts and another district's station, and with demo the demo's
// scenario.
func prepareUIStore(ctx context.Context, path string, kr *keyring.Keyring, demo bool) (epiloop.Store, error) {
	store, err := sqlite.Open(ctx, path, kr)
	if err != nil {
		return nil, err
	}
	svc := loop.NewService(store)
	svc.Clock = epiloop.NewFakeClock(uiStart)
	svc.Regions = regionCodes{regions}
	err = func() error {
		if _, err := svc.SeedJurisdictions(ctx, tree); err != nil {
			return err
		}
		if _, err := scenario.CreateAccounts(ctx, svc); err != nil {
			return err
		}
		other := &epiloop.User{Name: uiOtherName, Role: epiloop.RoleStation, UnitCode: uiOtherUnit}
		if err := svc.CreateUser(ctx, other, scenario.Password); err != nil {
			return err
		}
		if demo {
			_, err := scenario.Seed(ctx, store, svc.Regions, uiStart, 2020, 6)
			return err
		}
		return nil
	}()
	if err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func newUIFixture(t testing.TB, demo bool) *uiFixture {
	t.Helper()
	loadTree(t)
	ctx := context.Background()
	store := openUIStore(t, demo)
	t.Cleanup(func() { store.Close() })
	f := &uiFixture{t: t, clock: epiloop.NewFakeClock(uiStart), logs: &logRecorder{}}
	f.svc = loop.NewService(store)
	f.svc.Clock = f.clock
	f.svc.Regions = regionCodes{regions}
	f.svc.Logger = slog.New(f.logs)
	if err := f.svc.LoadGazetteer(ctx); err != nil { // the tree's routing, as at a server's start
		t.Fatal(err)
	}
	f.tokens = map[string]string{}
	for _, name := range []string{uiCommander, uiStation, uiCommittee, uiAdmin} {
		tok, err := f.svc.CreateToken(ctx, name, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[name] = tok
	}

	broker := loop.NewBroker(store)
	broker.Poll = 100 * time.Millisecond
	f.svc.Notify = broker.Wake
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); broker.Run(bctx) }()
	t.Cleanup(func() { cancel(); <-done })

	f.srv = ehttp.NewServer(f.svc, broker, slog.New(f.logs))
	f.srv.Heartbeat = time.Second
	if err := f.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	f.url = f.srv.URL()
	serveErr := make(chan error, 1)
	go func() { serveErr <- f.srv.Serve() }()
	tr := &http.Transport{}
	f.client = &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := f.srv.Close(); err != nil {
			t.Errorf("server close: %v", err)
		}
		if err := <-serveErr; err != nil {
			t.Errorf("serve: %v", err)
		}
		for _, l := range f.logs.lines() {
			t.Errorf("server logged: %s", l)
		}
	})
	return f
}

// api calls the JSON API as a user (by bearer token) and decodes the
// answer into out; it fails the test on a status other than want.
func (f *uiFixture) api(user, method, path string, body any, want int, out any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.url+"/api/v1"+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		f.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, user, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// overview returns the API's funnel counts for a user.
func (f *uiFixture) overview(user string) map[string]int64 {
	f.t.Helper()
	var m map[string]int64
	f.api(user, "GET", "/stats/overview", nil, http.StatusOK, &m)
	return m
}

// createLead reports a lead through the API and returns its id.
func (f *uiFixture) createLead(idNumber, name, address string, fever bool) int64 {
	f.t.Helper()
	var out struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{
		"person":  map[string]string{"id_number": idNumber, "name": name, "phone": "13800138000"},
		"address": address,
		"source":  map[string]string{"kind": "hotline", "ref": "12345"},
		"reason":  map[string]any{"origin": "湖北省武汉市", "arrival_date": "2020-01-30", "fever": fever},
	}
	f.api(uiCommander, "POST", "/leads", body, http.StatusCreated, &out)
	return out.ID
}

// get fetches a page with an optional session cookie and headers.
func (f *uiFixture) get(path, session string, hdr ...string) (*http.Response, string) {
	f.t.Helper()
	return f.do("GET", path, session, nil, hdr...)
}

func (f *uiFixture) do(method, path, session string, body io.Reader, hdr ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: ehttp.SessionCookie, Value: session})
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// session signs a demo user in through the login form and returns the
// cookie.
func (f *uiFixture) session(name string) string {
	f.t.Helper()
	return f.sessionWith(name, scenario.Password)
}

func (f *uiFixture) sessionWith(name, password string) string {
	f.t.Helper()
	form := url.Values{"name": {name}, "password": {password}}
	resp, body := f.do("POST", "/login", "", strings.NewReader(form.Encode()))
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("login %s: status %d: %.300s", name, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == ehttp.SessionCookie {
			return c.Value
		}
	}
	f.t.Fatalf("login %s set no session cookie", name)
	return ""
}
