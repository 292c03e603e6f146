package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestServePublishesToNATS: with --nats, a change made through the
// running server's service reaches the city's JetStream stream on its
// subject, woken by the commit (the poll is far too slow to explain it).
func TestServePublishesToNATS(t *testing.T) {
	url := os.Getenv("EPILOOP_TEST_NATS")
	if url == "" {
		t.Skip("EPILOOP_TEST_NATS is unset: no NATS server to publish to (set EPILOOP_TEST_NATS=nats://127.0.0.1:4222)")
	}
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("EPILOOP_TEST_NATS=%s: %v", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	tag := make([]byte, 6)
	rand.Read(tag)
	city := "t" + hex.EncodeToString(tag)

	ctx := t.Context()
	m, err := NewMain(ctx, dbFlags{dsn: "sqlite:" + filepath.Join(t.TempDir(), "epiloop.db"), createKey: true},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cfg := &streamConfig{url: url, city: city}
	if m.Publisher, err = cfg.publisher(m.Store, m.Logger); err != nil {
		t.Fatal(err)
	}
	m.Publisher.Poll = time.Hour
	t.Cleanup(func() { js.DeleteStream(context.Background(), m.Publisher.Stream) })
	if err := m.Run(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	// The stream exists once the publisher took its lease.
	var s jetstream.Stream
	for deadline := time.Now().Add(10 * time.Second); s == nil; {
		if s, err = js.Stream(ctx, "EPILOOP_"+city); err != nil && time.Now().After(deadline) {
			t.Fatalf("stream EPILOOP_%s: %v", city, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Service.AddRiskArea(cliCommander(ctx), loop.RiskAreaInput{
		Code: "4201", Level: epiloop.RiskHigh, From: "2020-01-01", To: "2020-03-31",
	}); err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatalf("no event published within 5 s of the commit: %v", err)
	}
	if want := "epiloop." + city + ".risk_area.changed.city"; msg.Subject() != want {
		t.Errorf("subject %s, want %s", msg.Subject(), want)
	}
	var e epiloop.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil || e.Kind != epiloop.EventRiskAreaChanged || e.ID == 0 {
		t.Errorf("payload %s: %v", msg.Data(), err)
	}
}

// TestStreamStatus: the status names the position and what waits, before
// the first publish and after a position was committed.
func TestStreamStatus(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "epiloop.db")
	var out, errs lockedBuffer
	args := []string{"stream", "status", "--db", "sqlite:" + path, "--nats-city", "2101"}
	if err := run(ctx, []string{"migrate", "--db", "sqlite:" + path}, nil, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	out = lockedBuffer{}
	if err := run(ctx, args, nil, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "nats:EPILOOP_2101: never published") {
		t.Errorf("before: %q", got)
	}
	m, err := NewMain(ctx, dbFlags{dsn: "sqlite:" + path}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = m.Store.Update(ctx, func(tx epiloop.Tx) error {
		if _, _, err := tx.ClaimStream("nats:EPILOOP_2101", "replica-a", now, now.Add(time.Minute)); err != nil {
			return err
		}
		return tx.AdvanceStream("nats:EPILOOP_2101", "replica-a", 1, now, now.Add(time.Minute))
	})
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	out = lockedBuffer{}
	if err := run(ctx, args, nil, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	if got := out.String(); !strings.Contains(got, "published up to event 1 of") || !strings.Contains(got, "lease held by replica-a") {
		t.Errorf("after: %q", got)
	}
}
