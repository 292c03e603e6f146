package stream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestMain runs the package in a PostgreSQL database of its own when a
// server is there (see pgtest).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// NATSEnv names the NATS server the tests publish to; CI sets it (.ci/run).
const NATSEnv = "EPILOOP_TEST_NATS"

// engines are the position stores the publisher is tested on.
var engines = []struct {
	name string
	open func(t testing.TB) epiloop.Store
}{
	{"sqlite", openSQLite},
	{"postgres", func(t testing.TB) epiloop.Store { return pgtest.Open(t, testKeyring(t)) }},
}

func openSQLite(t testing.TB) epiloop.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "epiloop.db"), testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testKeyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testNATS is a stream of its own on the real server: a city token no
// other run uses, so its subjects and stream collide with none.
type testNATS struct {
	url    string
	js     jetstream.JetStream
	city   string
	stream string
}

func newTestNATS(t testing.TB) *testNATS {
	t.Helper()
	url := os.Getenv(NATSEnv)
	if url == "" {
		t.Skipf("%s is unset: no NATS server to publish to (set %s=nats://127.0.0.1:4222)", NATSEnv, NATSEnv)
	}
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("%s=%s: %v", NATSEnv, url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	tag := make([]byte, 6)
	rand.Read(tag)
	n := &testNATS{url: url, js: js, city: "t" + hex.EncodeToString(tag)}
	n.stream = DefaultStream(n.city)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		js.DeleteStream(ctx, n.stream)
	})
	return n
}

// publisher returns a publisher of store's events to the test's stream.
func (n *testNATS) publisher(store epiloop.Store, batch int) *Publisher {
	p := New(store, n.url, n.city)
	p.Batch, p.Poll, p.Lease = batch, 50*time.Millisecond, 3*time.Second
	return p
}

// consumer returns a durable pull consumer of the whole stream.
func (n *testNATS) consumer(t testing.TB, name string) jetstream.Consumer {
	t.Helper()
	c, err := n.js.CreateOrUpdateConsumer(t.Context(), n.stream, jetstream.ConsumerConfig{
		Durable: name, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// drain fetches and acknowledges what c has for now, counting each
// event id it receives, and checks each message against its event: the
// subject, the id in Nats-Msg-Id and in the payload.
func (n *testNATS) drain(t testing.TB, c jetstream.Consumer, got map[int64]int) {
	t.Helper()
	for {
		batch, err := c.Fetch(100, jetstream.FetchMaxWait(700*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for m := range batch.Messages() {
			k++
			var e epiloop.Event
			if err := json.Unmarshal(m.Data(), &e); err != nil {
				t.Fatalf("payload of %s: %v", m.Subject(), err)
			}
			if id := m.Headers().Get(jetstream.MsgIDHeader); id != strconv.FormatInt(e.ID, 10) {
				t.Errorf("event %d: Nats-Msg-Id %q", e.ID, id)
			}
			if want := Subject(n.city, &e); m.Subject() != want {
				t.Errorf("event %d: subject %s, want %s", e.ID, m.Subject(), want)
			}
			if len(e.Detail) > 0 {
				t.Errorf("event %d: free text published", e.ID)
			}
			got[e.ID]++
			m.Ack()
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			return
		}
	}
}

// seedEvents writes count events of varied kinds and districts, with an
// internal one and one whose free text is sealed aside, and returns the
// ids a stream must carry (every one but the internal) and the last id.
func seedEvents(t testing.TB, store epiloop.Store, count int) (want []int64, last int64) {
	t.Helper()
	kinds := epiloop.EventKindNames()
	districts := []string{"210102", "210103", "210114", ""}
	at := time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)
	var events []*epiloop.Event
	err := store.Update(t.Context(), func(tx epiloop.Tx) error {
		events = events[:0]
		for i := range count {
			kind := kinds[i%len(kinds)]
			data := map[string]any{"n": i}
			switch i {
			case 7:
				kind = epiloop.EventCredentialsRevoked
			case 11:
				kind, data["note"] = epiloop.EventLeadAdjudicated, "当事人自述的备注"
			}
			e := epiloop.NewEvent(kind, nil, at.Add(time.Duration(i)*time.Second), 0, data)
			e.District = districts[i%len(districts)]
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
			events = append(events, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The ids as committed (PostgreSQL draws them at commit).
	for _, e := range events {
		if e.Kind != epiloop.EventCredentialsRevoked {
			want = append(want, e.ID)
		}
		last = e.ID
	}
	return want, last
}

func position(t testing.TB, store epiloop.Store, name string) int64 {
	t.Helper()
	var pos int64
	err := store.View(t.Context(), func(tx epiloop.Tx) error {
		p, err := tx.FindStreamPosition(name)
		if err == nil {
			pos = p.LastEventID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

// waitPosition waits for the position to reach last.
func waitPosition(t testing.TB, store epiloop.Store, name string, last int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pos int64
		store.View(t.Context(), func(tx epiloop.Tx) error {
			if p, err := tx.FindStreamPosition(name); err == nil {
				pos = p.LastEventID
			}
			return nil
		})
		if pos >= last {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("position %d, want %d after 30 s", pos, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exactlyOnce checks that got holds every id of want once and nothing else.
func exactlyOnce(t testing.TB, who string, got map[int64]int, want []int64) {
	t.Helper()
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("%s: event %d received %d times, want once", who, id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d distinct events received, want %d", who, len(got), len(want))
	}
}

// TestExactlyOnceAfterRestart kills a publisher between a batch's
// acknowledgement and its position's commit, restarts another over the
// same database, and checks that a durable consumer that read across the
// restart, and one that reads everything afterwards, each receive every
// event exactly once: the restarted publisher sends the killed batch
// again, and JetStream drops it by Nats-Msg-Id.
func TestExactlyOnceAfterRestart(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			n := newTestNATS(t)
			store := eng.open(t)
			want, last := seedEvents(t, store, 230)

			const batch = 50
			p1 := n.publisher(store, batch)
			ctx1, kill := context.WithCancel(t.Context())
			var batches int
			var killedAt int64
			p1.afterPublish = func(last int64) {
				if batches++; batches == 3 {
					killedAt = last
					kill()
				}
			}
			if err := p1.Run(ctx1); err != nil {
				t.Fatal(err)
			}
			pos := position(t, store, p1.Name)
			if killedAt == 0 || pos >= killedAt {
				t.Fatalf("killed at event %d with the position at %d: the kill must fall between publish and commit", killedAt, pos)
			}
			// The killed batch reached JetStream; its position did not.
			first := n.consumer(t, "across-restart")
			got := map[int64]int{}
			n.drain(t, first, got)
			if len(got) == 0 || !containsAll(got, want, killedAt) {
				t.Fatalf("before the restart the consumer got %d events, want every one up to %d", len(got), killedAt)
			}

			p2 := n.publisher(store, batch)
			if p2.Holder == p1.Holder {
				t.Fatal("the restarted publisher has the killed one's holder")
			}
			republished := 0
			p2.afterPublish = func(l int64) {
				if l <= killedAt {
					republished++
				}
			}
			ctx2, stop := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- p2.Run(ctx2) }()
			waitPosition(t, store, p2.Name, last)
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if republished == 0 {
				t.Error("the restarted publisher did not send the killed batch again")
			}

			n.drain(t, first, got)
			exactlyOnce(t, "consumer across the restart", got, want)
			after := map[int64]int{}
			n.drain(t, n.consumer(t, "after-restart"), after)
			exactlyOnce(t, "consumer after the restart", after, want)

			info, err := n.js.Stream(t.Context(), n.stream)
			if err != nil {
				t.Fatal(err)
			}
			if msgs := info.CachedInfo().State.Msgs; msgs != uint64(len(want)) {
				t.Errorf("stream holds %d messages, want %d (one per event)", msgs, len(want))
			}
		})
	}
}

// containsAll reports whether got holds every id of want up to last.
func containsAll(got map[int64]int, want []int64, last int64) bool {
	for _, id := range want {
		if id <= last && got[id] == 0 {
			return false
		}
	}
	return true
}

// TestOneReplicaPublishes runs two publishers over one database: only the
// lease's holder publishes; when it stops the other takes over from its
// position, and a consumer still gets every event once.
func TestOneReplicaPublishes(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			n := newTestNATS(t)
			store := eng.open(t)
			want, last := seedEvents(t, store, 120)

			var mu sync.Mutex
			published := map[string]int{}
			pubs := make([]*Publisher, 2)
			stops := make([]context.CancelFunc, 2)
			dones := make([]chan error, 2)
			for i := range pubs {
				p := n.publisher(store, 20)
				p.afterPublish = func(int64) {
					mu.Lock()
					published[p.Holder]++
					mu.Unlock()
				}
				ctx, stop := context.WithCancel(t.Context())
				pubs[i], stops[i], dones[i] = p, stop, make(chan error, 1)
				go func() { dones[i] <- p.Run(ctx) }()
			}
			defer func() {
				for i := range stops {
					stops[i]()
				}
			}()
			waitPosition(t, store, pubs[0].Name, last)
			mu.Lock()
			holders := len(published)
			var holder int
			if published[pubs[1].Holder] > 0 {
				holder = 1
			}
			mu.Unlock()
			if holders != 1 {
				t.Fatalf("%d replicas published at once, want 1: %v", holders, published)
			}
			stops[holder]()
			if err := <-dones[holder]; err != nil {
				t.Fatal(err)
			}
			more, last := seedEvents(t, store, 40)
			want = append(want, more...)
			pubs[1-holder].Wake()
			waitPosition(t, store, pubs[0].Name, last)
			mu.Lock()
			if published[pubs[1-holder].Holder] == 0 {
				t.Errorf("the standby did not take over: %v", published)
			}
			mu.Unlock()
			got := map[int64]int{}
			n.drain(t, n.consumer(t, "all"), got)
			exactlyOnce(t, "consumer", got, want)
			if !strings.HasPrefix(pubs[0].Name, "nats:") {
				t.Errorf("position name %q", pubs[0].Name)
			}
		})
	}
}

// TestStreamDeletedWhileRunning: a stream deleted under a running
// publisher is created again and the events committed since reach it.
func TestStreamDeletedWhileRunning(t *testing.T) {
	n := newTestNATS(t)
	store := openSQLite(t)
	_, last := seedEvents(t, store, 30)
	p := n.publisher(store, 20)
	p.AckWait = time.Second
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { stop(); <-done }()
	waitPosition(t, store, p.Name, last)
	if err := n.js.DeleteStream(t.Context(), n.stream); err != nil {
		t.Fatal(err)
	}
	more, last := seedEvents(t, store, 30)
	p.Wake()
	waitPosition(t, store, p.Name, last)
	got := map[int64]int{}
	n.drain(t, n.consumer(t, "after-delete"), got)
	exactlyOnce(t, "consumer of the new stream", got, more)
}

// TestNATSUnreachable: with no server, the publisher keeps the outbox as
// it is, logs its failures without any event's payload, and stops cleanly.
func TestNATSUnreachable(t *testing.T) {
	store := openSQLite(t)
	err := store.Update(t.Context(), func(tx epiloop.Tx) error {
		e := epiloop.NewEvent(epiloop.EventTaskSubmitted, nil, time.Now(), 0, map[string]any{"marker": "payload-7f3a"})
		return tx.CreateEvent(e)
	})
	if err != nil {
		t.Fatal(err)
	}
	var log safeBuffer
	p := New(store, "nats://127.0.0.1:1", "t0")
	p.Poll, p.AckWait = 20*time.Millisecond, 200*time.Millisecond
	p.Logger = slog.New(slog.NewTextHandler(&log, nil))
	ctx, stop := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer stop()
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run with NATS down: %v, want retries until stopped", err)
	}
	if pos := position(t, store, p.Name); pos != 0 {
		t.Errorf("position %d with nothing acknowledged, want 0", pos)
	}
	out := log.String()
	if !strings.Contains(out, "publishing failed") {
		t.Errorf("no failure logged:\n%s", out)
	}
	if strings.Contains(out, "payload-7f3a") {
		t.Errorf("an event's payload reached the log:\n%s", out)
	}
}

// safeBuffer is a bytes.Buffer for a logger written from several
// goroutines (NATS's callbacks).
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
