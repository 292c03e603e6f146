package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/notify"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var secret = []byte("shared-secret")

var engines = []struct {
	name string
	open func(t testing.TB) epiloop.Store
}{
	{"sqlite", func(t testing.TB) epiloop.Store { return openSQLite(t, filepath.Join(t.TempDir(), "epiloop.db")) }},
	{"postgres", func(t testing.TB) epiloop.Store { return pgtest.Open(t, testKeyring(t)) }},
}

func testKeyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var sqliteKeys sync.Map // path → keyring, so a reopened file reads its rows

func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	k, _ := sqliteKeys.LoadOrStore(path, testKeyring(t))
	db, err := sqlite.Open(context.Background(), path, k.(*keyring.Keyring))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testLead is a lead with personal data that must never leave in a notice.
var testLead = &epiloop.Lead{ID: 4711, DistrictCode: "210102",
	Person: epiloop.Person{IDNumber: "210102199001011237", Name: "张三丰", Phone: "13912345678"}}

var start = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

// emit writes events as the workflows do.
func emit(t testing.TB, s epiloop.Store, es ...*epiloop.Event) {
	t.Helper()
	err := s.Update(context.Background(), func(tx epiloop.Tx) error {
		for _, e := range es {
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func urgentLead(t time.Time) *epiloop.Event {
	return epiloop.NewEvent(epiloop.EventLeadCreated, testLead, t, 1, map[string]any{"source": "hotline", "priority": "urgent"})
}

// receiver is a webhook endpoint that checks signatures and counts
// deliveries by idempotency key.
type receiver struct {
	t      testing.TB
	mu     sync.Mutex
	status int
	keys   []string
	bodies [][]byte
	busy   map[string]bool
	delay  time.Duration
}

func newReceiver(t testing.TB, status int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, status: status, busy: map[string]bool{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !notify.Verify(secret, body, req.Header.Get(notify.HeaderSignature)) {
		r.t.Errorf("bad signature %q", req.Header.Get(notify.HeaderSignature))
	}
	if _, err := strconv.ParseInt(req.Header.Get(notify.HeaderTimestamp), 10, 64); err != nil {
		r.t.Errorf("timestamp %q: %v", req.Header.Get(notify.HeaderTimestamp), err)
	}
	key := req.Header.Get(notify.HeaderIdempotency)
	var b notify.WebhookBody
	if err := json.Unmarshal(body, &b); err != nil || b.Key != key {
		r.t.Errorf("body key %q, header key %q (%v)", b.Key, key, err)
	}
	r.mu.Lock()
	if r.busy[key] {
		r.t.Errorf("notice %s delivered twice at once", key)
	}
	r.busy[key] = true
	r.keys = append(r.keys, key)
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	time.Sleep(r.delay)
	r.mu.Lock()
	delete(r.busy, key)
	r.mu.Unlock()
	w.WriteHeader(r.status)
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.keys...)
}

func newWorker(s epiloop.Store, clock epiloop.Clock, url string) *notify.Worker {
	r := &notify.Channels{All: []notify.Recipient{{Channel: "webhook", Address: url}}}
	w := notify.NewWorker(s, clock, r, map[string]notify.Sender{"webhook": &notify.Webhook{Secret: secret, Clock: clock}})
	w.Backoff, w.MaxBackoff = time.Minute, 10*time.Minute
	return w
}

func findNotices(t testing.TB, s epiloop.Store) []*epiloop.Notice {
	t.Helper()
	var ns []*epiloop.Notice
	err := s.View(context.Background(), func(tx epiloop.Tx) (err error) {
		ns, _, err = tx.FindNotices(epiloop.NoticeFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func produce(t testing.TB, w *notify.Worker) int {
	t.Helper()
	n, err := w.Produce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func deliver(t testing.TB, w *notify.Worker) int {
	t.Helper()
	n, err := w.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookDelivery(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			s := eng.open(t)
			clock := epiloop.NewFakeClock(start)
			rec, srv := newReceiver(t, http.StatusNoContent)
			w := newWorker(s, clock, srv.URL)
			normal := epiloop.NewEvent(epiloop.EventLeadCreated, testLead, start, 1, map[string]any{"priority": "normal"})
			esc := epiloop.NewEvent(epiloop.EventTaskEscalated, testLead, start, 0, map[string]any{"level": "headquarters", "unit": "U1"})
			emit(t, s, urgentLead(start), normal, esc)
			if got, want := produce(t, w), 2; got != want {
				t.Fatalf("produced %d notices, want %d", got, want)
			}
			if got := produce(t, w); got != 0 {
				t.Errorf("second run produced %d notices, want 0", got)
			}
			if got, want := deliver(t, w), 2; got != want {
				t.Errorf("delivered %d, want %d", got, want)
			}
			if got := deliver(t, w); got != 0 {
				t.Errorf("delivered %d again, want 0", got)
			}
			ns := findNotices(t, s)
			keys := rec.got()
			if len(keys) != 2 {
				t.Fatalf("receiver got %v, want 2 deliveries", keys)
			}
			targets := map[string]string{}
			for _, n := range ns {
				if n.Status != epiloop.NoticeDelivered || n.Attempts != 1 {
					t.Errorf("notice %d: %s after %d attempts, want delivered after 1", n.ID, n.Status, n.Attempts)
				}
				targets[n.Kind] = n.Target
				if !strings.Contains(strings.Join(keys, " "), n.Key) {
					t.Errorf("key %s not received (got %v)", n.Key, keys)
				}
			}
			if targets[epiloop.NoticeUrgentLead] != "210102" || targets[epiloop.NoticeEscalation] != epiloop.TargetHQ {
				t.Errorf("targets %v", targets)
			}
			for _, b := range rec.bodies {
				assertNoPersonalData(t, string(b))
			}
			// The same event again (a replica that produced it too)
			// makes no second notice for the channel.
			err := s.Update(context.Background(), func(tx epiloop.Tx) error {
				c := *ns[0]
				created, err := tx.CreateNotice(&c)
				if created {
					t.Error("a second notice with one key was created")
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func assertNoPersonalData(t testing.TB, s string) {
	t.Helper()
	for _, p := range []string{testLead.Person.IDNumber, testLead.Person.Name, testLead.Person.Phone} {
		if strings.Contains(s, p) {
			t.Errorf("%q carries personal data %q", s, p)
		}
	}
}

func TestWebhookRetryThenDead(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			s := eng.open(t)
			clock := epiloop.NewFakeClock(start)
			rec, srv := newReceiver(t, http.StatusServiceUnavailable)
			w := newWorker(s, clock, srv.URL)
			w.MaxAttempts = 4
			emit(t, s, urgentLead(start))
			produce(t, w)
			for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
				deliver(t, w)
				n := findNotices(t, s)[0]
				if n.Status != epiloop.NoticePending || n.Attempts != i+1 || !n.NextAttemptAt.Equal(clock.Now().Add(wait)) {
					t.Fatalf("after try %d: %s, %d attempts, next %v; want pending, next in %v",
						i+1, n.Status, n.Attempts, n.NextAttemptAt, wait)
				}
				clock.Add(wait - time.Second)
				deliver(t, w) // not due yet
				if got := len(rec.got()); got != i+1 {
					t.Fatalf("tried %d times before the back-off ended, want %d", got, i+1)
				}
				clock.Add(time.Second)
			}
			deliver(t, w)
			n := findNotices(t, s)[0]
			if n.Status != epiloop.NoticeDead || n.Attempts != 4 || n.LastError != "http_503" {
				t.Errorf("got %s after %d attempts (%s), want dead after 4 (http_503)", n.Status, n.Attempts, n.LastError)
			}
			clock.Add(time.Hour)
			deliver(t, w)
			if got := len(rec.got()); got != 4 {
				t.Errorf("a dead notice was tried again: %d tries", got)
			}
			var log []epiloop.NoticeAttempt
			err := s.View(context.Background(), func(tx epiloop.Tx) (err error) {
				log, err = tx.FindNoticeAttempts(n.ID)
				return err
			})
			if err != nil || len(log) != 4 || log[3].Status != 503 {
				t.Errorf("delivery log %+v (%v), want 4 attempts with status 503", log, err)
			}
		})
	}
}

func TestWebhookRefusedIsDeadAtOnce(t *testing.T) {
	tests := []struct {
		status int
		want   epiloop.NoticeStatus
	}{
		{http.StatusBadRequest, epiloop.NoticeDead},
		{http.StatusUnauthorized, epiloop.NoticeDead},
		{http.StatusTooManyRequests, epiloop.NoticePending},
		{http.StatusRequestTimeout, epiloop.NoticePending},
		{http.StatusOK, epiloop.NoticeDelivered},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			s := engines[0].open(t)
			clock := epiloop.NewFakeClock(start)
			_, srv := newReceiver(t, tc.status)
			w := newWorker(s, clock, srv.URL)
			emit(t, s, urgentLead(start))
			produce(t, w)
			deliver(t, w)
			if n := findNotices(t, s)[0]; n.Status != tc.want || n.Attempts != 1 {
				t.Errorf("got %s after %d attempts, want %s after 1", n.Status, n.Attempts, tc.want)
			}
		})
	}
}

func TestSMSGateway(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var auth string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, auth = append(got, string(b)), r.Header.Get("X-Api-Key")
		mu.Unlock()
		io.WriteString(w, `{"ok":true}`)
	}))
	defer gw.Close()
	tmpl, err := notify.ParseSMSTemplate(`{"mobile":{{json .To}},"content":{{json .Text}}}`)
	if err != nil {
		t.Fatal(err)
	}
	s := engines[0].open(t)
	clock := epiloop.NewFakeClock(start)
	r := &notify.Channels{ByTarget: map[string][]notify.Recipient{"210102": {{Channel: "sms", Address: "024-12345678"}}}}
	w := notify.NewWorker(s, clock, r, map[string]notify.Sender{
		"sms": &notify.SMS{URL: gw.URL, Body: tmpl, HeaderName: "X-Api-Key", HeaderValue: "k1"}})
	emit(t, s, urgentLead(start))
	produce(t, w)
	if n := deliver(t, w); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}
	if len(got) != 1 || auth != "k1" {
		t.Fatalf("gateway got %q with key %q", got, auth)
	}
	var msg struct{ Mobile, Content string }
	if err := json.Unmarshal([]byte(got[0]), &msg); err != nil {
		t.Fatal(err)
	}
	if want := "【epiloop】紧急线索 #4711 已推送 210102，请登录处理"; msg.Content != want || msg.Mobile != "024-12345678" {
		t.Errorf("gateway got %+v, want text %q", msg, want)
	}
	assertNoPersonalData(t, got[0])
}

// crashing sends, then kills the store before the attempt is recorded: a
// server killed mid-delivery.
type crashing struct {
	notify.Sender
	kill func()
}

func (c *crashing) Send(ctx context.Context, n *epiloop.Notice) (int, error) {
	s, err := c.Sender.Send(ctx, n)
	c.kill()
	return s, err
}

func TestRestartRedelivers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.db")
	clock := epiloop.NewFakeClock(start)
	rec, srv := newReceiver(t, http.StatusOK)
	s1 := openSQLite(t, path)
	w1 := newWorker(s1, clock, srv.URL)
	w1.Senders["webhook"] = &crashing{Sender: w1.Senders["webhook"], kill: func() { s1.Close() }}
	emit(t, s1, urgentLead(start))
	produce(t, w1)
	if _, err := w1.Deliver(context.Background()); err == nil {
		t.Fatal("the attempt was recorded in a closed store")
	}
	s2 := openSQLite(t, path)
	w2 := newWorker(s2, clock, srv.URL)
	if got := deliver(t, w2); got != 0 {
		t.Errorf("delivered %d while the dead worker's lease holds, want 0", got)
	}
	clock.Add(w2.Lease)
	if got := deliver(t, w2); got != 1 {
		t.Fatalf("delivered %d after the lease, want 1", got)
	}
	keys := rec.got()
	n := findNotices(t, s2)[0]
	if len(keys) != 2 || keys[0] != keys[1] || keys[0] != n.Key || n.Status != epiloop.NoticeDelivered {
		t.Errorf("deliveries %v, notice %s %s; want the same key twice, delivered", keys, n.Key, n.Status)
	}
}

func TestTwoWorkersNeverDeliverTwice(t *testing.T) {
	url := pgtest.URL(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(context.Background(), url, testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	rec, srv := newReceiver(t, http.StatusOK)
	rec.delay = 2 * time.Millisecond
	clock := epiloop.SystemClock{}
	var es []*epiloop.Event
	for i := 0; i < 60; i++ {
		es = append(es, urgentLead(clock.Now()))
	}
	emit(t, a, es...)
	wa, wb := newWorker(a, clock, srv.URL), newWorker(b, clock, srv.URL)
	wa.Batch, wb.Batch = 5, 5
	var wg sync.WaitGroup
	for _, w := range []*notify.Worker{wa, wb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := w.Produce(context.Background()); err != nil {
					t.Error(err)
				}
				n, err := w.Deliver(context.Background())
				if err != nil {
					t.Error(err)
				}
				if n == 0 && i > 3 {
					return
				}
			}
		}()
	}
	wg.Wait()
	keys := rec.got()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("notice %s delivered twice", k)
		}
		seen[k] = true
	}
	if len(seen) != 60 {
		t.Errorf("delivered %d notices, want 60", len(seen))
	}
}

func TestWebhookTimeout(t *testing.T) {
	s := engines[0].open(t)
	clock := epiloop.NewFakeClock(start)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	w := newWorker(s, clock, srv.URL)
	w.Senders["webhook"] = &notify.Webhook{Secret: secret, Timeout: 50 * time.Millisecond}
	emit(t, s, urgentLead(start))
	produce(t, w)
	deliver(t, w)
	if n := findNotices(t, s)[0]; n.Status != epiloop.NoticePending || n.LastError != "timeout" || n.Attempts != 1 {
		t.Errorf("got %s after %d attempts (%s), want pending after a timeout", n.Status, n.Attempts, n.LastError)
	}
}

// slow takes 40 s of the fake clock per send.
type slow struct {
	notify.Sender
	clock *epiloop.FakeClock
}

func (s *slow) Send(ctx context.Context, n *epiloop.Notice) (int, error) {
	s.clock.Add(40 * time.Second)
	return s.Sender.Send(ctx, n)
}

func TestLeaseHalfSpentIsNotSent(t *testing.T) {
	s := engines[0].open(t)
	clock := epiloop.NewFakeClock(start)
	rec, srv := newReceiver(t, http.StatusOK)
	w := newWorker(s, clock, srv.URL)
	w.Lease = time.Minute
	w.Senders["webhook"] = &slow{Sender: w.Senders["webhook"], clock: clock}
	emit(t, s, urgentLead(start), urgentLead(start), urgentLead(start))
	produce(t, w)
	if got := deliver(t, w); got != 1 {
		t.Errorf("delivered %d in the first lease, want 1 (then half the lease was spent)", got)
	}
	if got := deliver(t, w); got != 0 {
		t.Errorf("delivered %d while the rest were leased, want 0", got)
	}
	clock.Add(21 * time.Second)
	for i := 0; i < 4; i++ {
		deliver(t, w)
		clock.Add(time.Minute)
	}
	if got := len(rec.got()); got != 3 {
		t.Errorf("receiver got %d deliveries, want 3", got)
	}
}
