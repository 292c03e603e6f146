package loop

import (
	"context"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// Broker delivers committed events to live subscribers. It reads them from
// the store's event table, not from memory, so a change made through any
// replica reaches every replica's subscribers; a local commit wakes it at
// once, and a poll catches the rest.
type Broker struct {
	Store epiloop.Store
	// Poll is how often the store is read without a local wake-up.
	Poll time.Duration
	// Revoked, when set, is called when any replica revoked credentials
	// (epiloop.EventCredentialsRevoked): the service forgets the ones it
	// had checked.
	Revoked func()

	mu   sync.Mutex
	subs map[*Subscription]struct{}
	last int64
	wake chan struct{}
}

// Subscription is one live stream's queue of events.
type Subscription struct {
	user *epiloop.User
	C    chan *epiloop.Event
	// Lost is closed when the subscriber fell too far behind and was
	// dropped; it should reconnect with its last event id.
	Lost chan struct{}
	lost bool
}

// NewBroker returns a broker over store.
func NewBroker(store epiloop.Store) *Broker {
	return &Broker{Store: store, Poll: 500 * time.Millisecond, subs: map[*Subscription]struct{}{}, wake: make(chan struct{}, 1)}
}

// Wake asks the broker to read new events now.
func (b *Broker) Wake() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Subscribe registers a subscriber for the events u may see.
func (b *Broker) Subscribe(u *epiloop.User) *Subscription {
	s := &Subscription{user: u, C: make(chan *epiloop.Event, 256), Lost: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Unsubscribe removes a subscriber.
func (b *Broker) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// Subscribers returns the number of live subscribers.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Run reads and delivers events until ctx ends.
func (b *Broker) Run(ctx context.Context) error {
	err := b.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		b.last, err = tx.LastEventID()
		return err
	})
	if err != nil {
		return err
	}
	t := time.NewTicker(b.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-b.wake:
		}
		if err := b.deliver(ctx); err != nil && ctx.Err() == nil {
			time.Sleep(b.Poll)
		}
	}
}

func (b *Broker) deliver(ctx context.Context) error {
	for {
		var events []*epiloop.Event
		err := b.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			events, err = tx.FindEventsAfter(b.last, 500)
			return err
		})
		if err != nil || len(events) == 0 {
			return err
		}
		b.last = events[len(events)-1].ID
		full := len(events) == 500
		live := events[:0:0]
		for _, e := range events {
			if e.Kind == epiloop.EventCredentialsRevoked {
				if b.Revoked != nil {
					b.Revoked()
				}
				continue
			}
			e.Encode()
			live = append(live, e)
		}
		events = live
		b.mu.Lock()
		for s := range b.subs {
			for _, e := range events {
				if !e.VisibleTo(s.user) {
					continue
				}
				select {
				case s.C <- e:
				default:
					// The stream fell behind: drop it whole (it
					// reconnects from its last id), never skip one
					// event and deliver the next.
					if !s.lost {
						s.lost = true
						close(s.Lost)
					}
					delete(b.subs, s)
				}
				if s.lost {
					break
				}
			}
		}
		b.mu.Unlock()
		if !full {
			return nil
		}
	}
}

// EventsAfter returns the events after id that u may see, for a stream
// that reconnects with Last-Event-ID.
func (b *Broker) EventsAfter(ctx context.Context, u *epiloop.User, id int64) ([]*epiloop.Event, error) {
	var out []*epiloop.Event
	for {
		var events []*epiloop.Event
		err := b.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			events, err = tx.FindEventsAfter(id, 1000)
			return err
		})
		if err != nil {
			return out, err
		}
		for _, e := range events {
			if e.VisibleTo(u) {
				out = append(out, e)
			}
		}
		if len(events) < 1000 || len(out) > 100000 {
			return out, nil
		}
		id = events[len(events)-1].ID
	}
}

// LastID returns the id of the newest committed event: a new stream
// starts after it.
func (b *Broker) LastID(ctx context.Context) (int64, error) {
	var id int64
	err := b.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		id, err = tx.LastEventID()
		return err
	})
	return id, err
}
