// Package stream publishes the event outbox to NATS JetStream, for the
// systems that take epiloop's changes from a message bus rather than from
// the API's live stream or a webhook.
//
// The publisher reads the events after its position (kept in the
// database, epiloop.StreamTx) in ID order and publishes each to a
// JetStream stream, one subject per kind and district (Subject), with the
// event's id as its Nats-Msg-Id. It advances the position only after
// JetStream acknowledged a batch, so a publisher killed between the two
// publishes that batch again when it restarts, and JetStream's duplicate
// window drops the second copies: every event is stored once. One replica
// at a time publishes (a lease on the position); the others wait and take
// over when its lease lapses.
package stream

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of a Publisher.
const (
	DefaultBatch      = 500
	DefaultPoll       = time.Second
	DefaultLease      = 30 * time.Second
	DefaultAckWait    = 10 * time.Second
	DefaultDuplicates = 10 * time.Minute
	DefaultMaxAge     = 7 * 24 * time.Hour
)

// Backoff bounds of the retries after a failure (NATS unreachable, the
// database busy, an acknowledgement missing).
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Publisher sends the event outbox to a JetStream stream. Set the fields
// before Run; New fills the defaults.
type Publisher struct {
	Store epiloop.Store
	// URL is the NATS server (nats://host:4222, or several, comma-separated).
	URL string
	// City is the subjects' second token (the city's division code, 2101
	// for Shenyang): several cities may share one NATS.
	City string
	// Stream is the JetStream stream, created or updated at start
	// (DefaultStream(City)).
	Stream string
	// Name is the position's name in the database ("nats:" + Stream).
	Name string
	// Holder names this replica in the lease (host, process, random).
	Holder string
	// Batch is how many events are published before the position is
	// committed.
	Batch int
	// Poll is how often the outbox is read without a Wake.
	Poll time.Duration
	// Lease is how long a claim keeps the other replicas out; it is
	// renewed every Lease/3 while publishing.
	Lease time.Duration
	// AckWait bounds the wait for a batch's acknowledgements.
	AckWait time.Duration
	// Duplicates is the stream's de-duplication window: a republish after
	// a crash is dropped by JetStream if it comes within it.
	Duplicates time.Duration
	// MaxAge is how long the stream keeps a message.
	MaxAge time.Duration
	Clock  epiloop.Clock
	// Logger gets the publisher's failures, never an event's payload.
	Logger *slog.Logger

	wake chan struct{}
	// afterPublish, when set, is called once a batch is acknowledged, up
	// to event last, before its position is committed (tests kill the
	// publisher there).
	afterPublish func(last int64)
}

// DefaultStream is the stream of a city: one per city, so that the
// instances of several cities can share one NATS.
func DefaultStream(city string) string {
	var b []byte
	for i := 0; i < len(city); i++ {
		if c := city[i]; c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return "EPILOOP_" + string(b)
}

// New returns a publisher of store's events to the NATS at url, on the
// subjects of city, with the defaults.
func New(store epiloop.Store, url, city string) *Publisher {
	p := &Publisher{Store: store, URL: url, City: city}
	p.defaults()
	return p
}

// defaults fills the fields left zero (and writes no other: Run calls it
// while others may read the publisher's fields).
func (p *Publisher) defaults() {
	orDefault(&p.Stream, DefaultStream(p.City))
	orDefault(&p.Name, "nats:"+p.Stream)
	if p.Holder == "" {
		p.Holder = defaultHolder()
	}
	orDefault(&p.Batch, DefaultBatch)
	orDefault(&p.Poll, DefaultPoll)
	orDefault(&p.Lease, DefaultLease)
	orDefault(&p.AckWait, DefaultAckWait)
	orDefault(&p.Duplicates, DefaultDuplicates)
	orDefault(&p.MaxAge, DefaultMaxAge)
	if p.Clock == nil {
		p.Clock = epiloop.SystemClock{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
}

// orDefault sets *v to d when it is zero.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// defaultHolder names this process: its host, its pid and a random tag
// (two processes of one host, a restart with the pid reused).
func defaultHolder() string {
	host, _ := os.Hostname()
	tag := make([]byte, 4)
	rand.Read(tag)
	return fmt.Sprintf("%s/%d/%s", cmp.Or(host, "host"), os.Getpid(), hex.EncodeToString(tag))
}

// Wake asks the publisher to read the outbox now (after a local commit).
// It never blocks.
func (p *Publisher) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx ends. It returns an error only for a
// configuration NATS refuses; an unreachable server, a failed publish or a
// busy database are logged and retried with backoff.
func (p *Publisher) Run(ctx context.Context) error {
	p.defaults()
	if p.City == "" {
		return errors.New("stream: no city for the subjects")
	}
	nc, err := nats.Connect(p.URL, p.natsOptions()...)
	if err != nil {
		return fmt.Errorf("stream: connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(p.AckWait),
		jetstream.WithPublishAsyncMaxPending(2*p.Batch))
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	r := &run{p: p, js: js}
	defer r.release(ctx)
	backoff := minBackoff
	for {
		n, err := r.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := p.Poll
		switch {
		case err != nil:
			p.Logger.Error("event stream: publishing failed; retrying", "stream", p.Stream,
				"position", r.pos, "retry_in", backoff, "err", err)
			wait, backoff = backoff, min(2*backoff, maxBackoff)
		case !r.held:
			wait = p.Lease / 3
		case n == p.Batch:
			wait = 0 // behind: the next batch at once
		}
		if err == nil {
			backoff = minBackoff
		}
		// A failure waits out its backoff and a standby its turn; a
		// publisher in step reads again as soon as it is woken.
		if !p.sleep(ctx, wait, err == nil && r.held) {
			return nil
		}
	}
}

// sleep waits d, or less when woken and wakeable; it reports false when
// ctx ended.
func (p *Publisher) sleep(ctx context.Context, d time.Duration, wakeable bool) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	wake := p.wake
	if !wakeable {
		wake = nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// natsOptions are the connection's: retry a server not up yet, reconnect
// for ever with backoff, log the connection's changes (the server's
// address without credentials).
func (p *Publisher) natsOptions() []nats.Option {
	return []nats.Option{
		nats.Name("epiloop " + p.Holder),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(func(attempts int) time.Duration {
			d := minBackoff
			for i := 1; i < attempts && d < maxBackoff; i++ {
				d *= 2
			}
			return min(d, maxBackoff)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				p.Logger.Warn("event stream: NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			p.Logger.Info("event stream: NATS connected", "server", c.ConnectedUrlRedacted())
		}),
	}
}

// run is one Run's state.
type run struct {
	p  *Publisher
	js jetstream.JetStream
	// held says this replica holds the lease, until renewAt at least.
	held    bool
	renewAt time.Time
	// pos is the last event committed as published.
	pos int64
	// ready says the stream was created or updated since the lease was
	// taken.
	ready bool
}

// round claims or renews the lease when due, then publishes one batch.
// It returns the number of events read.
func (r *run) round(ctx context.Context) (int, error) {
	p := r.p
	if err := r.claim(ctx); err != nil || !r.held {
		return 0, err
	}
	if !r.ready {
		if err := r.ensureStream(ctx); err != nil {
			return 0, err
		}
		r.ready = true
	}
	var events []*epiloop.Event
	err := p.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		events, err = tx.FindEventsAfter(r.pos, p.Batch)
		return err
	})
	if err != nil || len(events) == 0 {
		return 0, err
	}
	last, err := r.publish(ctx, events)
	if err != nil {
		// The stream may be gone (deleted by hand, a new NATS): the
		// next round creates it again before publishing.
		r.ready = false
	}
	if last > r.pos {
		if p.afterPublish != nil {
			p.afterPublish(last)
		}
		if ctx.Err() != nil {
			return len(events), ctx.Err() // killed before the commit
		}
		if cerr := r.advance(ctx, last); cerr != nil {
			return len(events), cerr
		}
	}
	return len(events), err
}

// claim takes the lease, or renews it when a third of it is spent.
func (r *run) claim(ctx context.Context) error {
	p := r.p
	now := p.Clock.Now()
	if r.held && now.Before(r.renewAt) {
		return nil
	}
	var (
		pos *epiloop.StreamPosition
		ok  bool
	)
	err := p.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
		pos, ok, err = tx.ClaimStream(p.Name, p.Holder, now, now.Add(p.Lease))
		return err
	})
	if err != nil {
		return fmt.Errorf("claim the position: %w", err)
	}
	switch {
	case ok && !r.held:
		p.Logger.Info("event stream: this replica publishes", "stream", p.Stream, "after_event", pos.LastEventID)
	case !ok && r.held:
		p.Logger.Warn("event stream: another replica took over publishing", "stream", p.Stream)
	}
	r.held, r.ready = ok, ok && r.ready
	if ok {
		r.pos, r.renewAt = pos.LastEventID, now.Add(p.Lease/3)
	}
	return nil
}

// advance commits the position after an acknowledged batch.
func (r *run) advance(ctx context.Context, last int64) error {
	p := r.p
	now := p.Clock.Now()
	err := p.Store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.AdvanceStream(p.Name, p.Holder, last, now, now.Add(p.Lease))
	})
	if epiloop.ErrorCode(err) == epiloop.ECONFLICT {
		r.held, r.ready = false, false
	}
	if err != nil {
		return fmt.Errorf("commit the position: %w", err)
	}
	r.pos, r.renewAt = last, now.Add(p.Lease/3)
	return nil
}

// release lets another replica take over at once after a clean stop.
func (r *run) release(ctx context.Context) {
	if !r.held {
		return
	}
	p := r.p
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := p.Store.Update(ctx, func(tx epiloop.Tx) error { return tx.ReleaseStream(p.Name, p.Holder, p.Clock.Now()) })
	if err != nil {
		p.Logger.Warn("event stream: lease not released; another replica takes over when it lapses", "err", err)
	}
}

// ensureStream creates the stream, or updates it to the configuration.
func (r *run) ensureStream(ctx context.Context) error {
	p := r.p
	ctx, cancel := context.WithTimeout(ctx, p.AckWait)
	defer cancel()
	_, err := r.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        p.Stream,
		Description: "epiloop events of city " + p.City,
		Subjects:    []string{StreamSubjects(p.City)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      p.MaxAge,
		Duplicates:  p.Duplicates,
	})
	if err != nil {
		return fmt.Errorf("create or update stream %s: %w", p.Stream, err)
	}
	return nil
}

// publish sends a batch and waits for its acknowledgements in order. It
// returns the last event up to which every event is acknowledged (or
// needs none), with the first failure.
func (r *run) publish(ctx context.Context, events []*epiloop.Event) (int64, error) {
	p := r.p
	type sent struct {
		id  int64
		ack jetstream.PubAckFuture // nil: not published (Internal)
	}
	batch := make([]sent, 0, len(events))
	var err error
	for _, e := range events {
		if k, _ := epiloop.FindEventKind(e.Kind); k.Internal {
			// What replicas tell each other stays in the outbox: the
			// widest live stream never carries it either.
			batch = append(batch, sent{id: e.ID})
			continue
		}
		m := &nats.Msg{Subject: Subject(p.City, e), Data: e.JSON(), Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, strconv.FormatInt(e.ID, 10))
		ack, perr := r.js.PublishMsgAsync(m, jetstream.WithExpectStream(p.Stream))
		if perr != nil {
			err = fmt.Errorf("publish event %d: %w", e.ID, perr)
			break
		}
		batch = append(batch, sent{id: e.ID, ack: ack})
	}
	last := r.pos
	timeout := time.NewTimer(p.AckWait)
	defer timeout.Stop()
	for _, s := range batch {
		if s.ack != nil {
			select {
			case <-s.ack.Ok():
			case aerr := <-s.ack.Err():
				return last, fmt.Errorf("event %d not acknowledged: %w", s.id, aerr)
			case <-timeout.C:
				return last, fmt.Errorf("event %d not acknowledged within %s", s.id, p.AckWait)
			case <-ctx.Done():
				return last, ctx.Err()
			}
		}
		last = s.id
	}
	return last, err
}
