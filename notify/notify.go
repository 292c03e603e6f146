// Package notify delivers notices to the person on duty: it turns the
// events that need someone's attention into notices in the database (the
// outbox), and a worker sends them through adapters (signed webhooks, an
// HTTP SMS gateway) with retries, a delivery log and a dead letter. State
// lives in the database, so delivery survives restarts and runs once across
// replicas.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
)

// Recipient is one channel a target's notices go to.
type Recipient struct {
	// UserID is the person on duty, when known.
	UserID int64
	// Channel names the adapter ("webhook", "sms").
	Channel string
	// Address is where the adapter sends (a URL, a duty desk's number).
	Address string
}

// Recipients maps a notice (its target: a district code or
// epiloop.TargetHQ, and the person it reached) to its recipients.
type Recipients interface {
	Recipients(ctx context.Context, p epiloop.NoticePayload) ([]Recipient, error)
}

// OnDuty answers who holds the duty post of a target now, and the post's
// duty telephone (0 and "" when no one does): the duty roster.
type OnDuty func(ctx context.Context, target string) (userID int64, phone string, err error)

// Channels is the default Recipients: channels configured per target, and
// channels for every target, each addressed to the person the notice is
// for: the one the change reached (the payload's duty user), else whoever
// holds the target's duty post now (OnDuty, when set). With SMSToPost the
// person's post's duty telephone gets an SMS too.
type Channels struct {
	ByTarget  map[string][]Recipient
	All       []Recipient
	OnDuty    OnDuty
	SMSToPost bool
}

// Recipients returns the target's channels and the ones for all, for
// the person on duty.
func (c *Channels) Recipients(ctx context.Context, p epiloop.NoticePayload) ([]Recipient, error) {
	user, phone := p.DutyUser, ""
	if c.OnDuty != nil {
		u, ph, err := c.OnDuty(ctx, p.Target)
		if err != nil {
			return nil, err
		}
		if user == 0 || user == u {
			user, phone = u, ph
		}
	}
	out := append(append([]Recipient(nil), c.All...), c.ByTarget[p.Target]...)
	if c.SMSToPost && phone != "" {
		out = append(out, Recipient{Channel: "sms", Address: phone})
	}
	for i := range out {
		out[i].UserID = user
	}
	return out, nil
}

// Empty reports whether no channel is configured.
func (c *Channels) Empty() bool { return len(c.All) == 0 && len(c.ByTarget) == 0 && !c.SMSToPost }

// Sender is one adapter. Send returns the HTTP status it got (0 for
// none) and an error when the notice was not delivered; a *Permanent error
// means trying again cannot help.
type Sender interface {
	Send(ctx context.Context, n *epiloop.Notice) (status int, err error)
}

// Permanent marks a refusal for good (a 4xx other than 408 and 429).
type Permanent struct{ Status int }

func (p *Permanent) Error() string { return "refused: " + strconv.Itoa(p.Status) }

// Worker produces and delivers notices.
type Worker struct {
	Store      epiloop.Store
	Clock      epiloop.Clock
	Recipients Recipients
	// Senders are the adapters by channel name.
	Senders map[string]Sender
	// MaxAttempts is how many tries a notice gets before it is dead.
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each
	// next one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Lease is how long a claimed notice is kept from other workers; a
	// worker sends a notice only while half of its lease remains, so
	// Lease must be at least twice an adapter's timeout.
	Lease time.Duration
	// MaxAge skips events older than this when producing (a notice about
	// yesterday's lead helps no one on duty now).
	MaxAge time.Duration
	Batch  int
	Logger *slog.Logger
}

// NewWorker returns a worker with the default attempts, back-off and
// lease.
func NewWorker(store epiloop.Store, clock epiloop.Clock, r Recipients, senders map[string]Sender) *Worker {
	return &Worker{Store: store, Clock: clock, Recipients: r, Senders: senders,
		MaxAttempts: epiloop.DefaultNoticeAttempts, Backoff: 30 * time.Second, MaxBackoff: time.Hour,
		Lease: 2 * time.Minute, MaxAge: time.Hour, Batch: 50, Logger: slog.New(slog.DiscardHandler)}
}

// Produce turns the events after the cursor into notices, one per event
// and recipient channel (the idempotency key makes a repeat a no-op), and
// moves the cursor. It returns how many notices it created.
func (w *Worker) Produce(ctx context.Context) (int, error) {
	created := 0
	for {
		var events []*epiloop.Event
		err := w.Store.View(ctx, func(tx epiloop.Tx) error {
			cur, err := tx.NoticeCursor()
			if err != nil {
				return err
			}
			events, err = tx.FindEventsAfter(cur, 500)
			return err
		})
		if err != nil || len(events) == 0 {
			return created, err
		}
		notices, err := w.notices(ctx, events)
		if err != nil {
			return created, err
		}
		last := events[len(events)-1].ID
		err = w.Store.Update(ctx, func(tx epiloop.Tx) error {
			created = 0
			for _, n := range notices {
				c := *n
				ok, err := tx.CreateNotice(&c)
				if err != nil {
					return err
				}
				if ok {
					created++
				}
			}
			return tx.SetNoticeCursor(last)
		})
		if err != nil || len(events) < 500 {
			return created, err
		}
	}
}

// notices builds the notices of events.
func (w *Worker) notices(ctx context.Context, events []*epiloop.Event) ([]*epiloop.Notice, error) {
	now := w.Clock.Now()
	var out []*epiloop.Notice
	for _, e := range events {
		p, ok := epiloop.NoticeFor(e)
		if !ok || (w.MaxAge > 0 && now.Sub(e.Time) > w.MaxAge) {
			continue
		}
		rs, err := w.Recipients.Recipients(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out = append(out, &epiloop.Notice{Kind: p.Kind, EventID: e.ID, Target: p.Target, UserID: r.UserID,
				Channel: r.Channel, Address: r.Address, Key: epiloop.NoticeKey(e.ID, r.Channel, r.Address),
				Payload: p, Status: epiloop.NoticePending, NextAttemptAt: now, CreatedAt: now})
		}
	}
	return out, nil
}

// Deliver claims the due notices, sends each and records the attempt. It
// returns how many were delivered.
func (w *Worker) Deliver(ctx context.Context) (int, error) {
	var claimed []*epiloop.Notice
	err := w.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
		claimed, err = tx.ClaimNotices(w.Clock.Now(), w.Lease, w.Batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	delivered := 0
	for _, n := range claimed {
		// A notice whose lease is half spent is left for its lease to
		// lapse: sending it now might outlive the lease, and another
		// worker could claim and send it at the same time.
		if !w.Clock.Now().Before(n.LeaseUntil.Add(-w.Lease / 2)) {
			continue
		}
		a := w.send(ctx, n)
		if ctx.Err() != nil {
			// Shutting down: the try is not the receiver's fault; the
			// lease lapses and the notice is sent again.
			return delivered, ctx.Err()
		}
		if err := w.Store.Update(ctx, func(tx epiloop.Tx) error { return tx.RecordNoticeAttempt(n, a) }); err != nil {
			return delivered, err
		}
		if n.Status == epiloop.NoticeDelivered {
			delivered++
		} else if n.Status == epiloop.NoticeDead {
			w.Logger.Warn("notice dead", "notice", n.ID, "kind", n.Kind, "attempts", n.Attempts, "error", n.LastError)
		}
	}
	return delivered, nil
}

// send tries n once and moves it to its next state.
func (w *Worker) send(ctx context.Context, n *epiloop.Notice) epiloop.NoticeAttempt {
	begin := time.Now() // the duration is measured, not told
	var status int
	var err error = &Permanent{}
	if s, ok := w.Senders[n.Channel]; ok {
		status, err = s.Send(ctx, n)
	}
	now := w.Clock.Now()
	a := epiloop.NoticeAttempt{NoticeID: n.ID, Time: now, Status: status, Duration: time.Since(begin)}
	n.Attempts++
	var perm *Permanent
	switch {
	case err == nil:
		n.Status, n.LastError = epiloop.NoticeDelivered, ""
	case errors.As(err, &perm) || n.Attempts >= w.MaxAttempts:
		n.Status, n.LastError = epiloop.NoticeDead, errorCode(status, err)
	default:
		n.LastError = errorCode(status, err)
		n.NextAttemptAt = now.Add(epiloop.NoticeBackoff(n.Attempts, w.Backoff, w.MaxBackoff))
	}
	a.Error = n.LastError
	return a
}

// errorCode is what the log keeps of a failure: the HTTP status, or the
// kind of transport failure, never a response body.
func errorCode(status int, err error) string {
	switch {
	case status != 0:
		return "http_" + strconv.Itoa(status)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	var perm *Permanent
	if errors.As(err, &perm) {
		return "unsendable" // no adapter for the channel, a bad address or template
	}
	return "transport"
}

// Run produces and delivers every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := w.Produce(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Error("notice production failed", "err", err)
		}
		for ctx.Err() == nil {
			n, err := w.Deliver(ctx)
			if err != nil && ctx.Err() == nil {
				w.Logger.Error("notice delivery failed", "err", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
