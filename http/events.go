package http

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerEventRoutes() {
	s.api("GET /api/v1/events", epiloop.ActSignedIn, s.handleEvents)
}

// handleEvents streams the changes the caller may see as server-sent
// events. A client that reconnects with Last-Event-ID (or ?after=) first
// gets what it missed.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	u := epiloop.UserFromContext(r.Context())
	if !u.Can(epiloop.ActExactCounts) {
		return s.coarseEvents(w, r, u)
	}
	rc := http.NewResponseController(w)
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	} else if v := r.URL.Query().Get("after"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	}
	sub := s.Broker.Subscribe(u)
	defer s.Broker.Unsubscribe(sub)
	// A new stream starts after what is committed now, even if the broker
	// has not delivered it yet; a reconnecting one replays what it missed.
	last := after
	if after <= 0 {
		var err error
		if last, err = s.Broker.LastID(r.Context()); err != nil {
			return err
		}
	}

	startStream(w, rc)
	if after > 0 {
		missed, err := s.Broker.EventsAfter(r.Context(), u, after)
		if err != nil {
			return nil
		}
		for _, e := range missed {
			writeEvent(w, u, e)
			last = e.ID
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	s.pump(w, r, rc, sub, nil, func(e *epiloop.Event) {
		if e.ID > last {
			writeEvent(w, u, e)
			last = e.ID
		}
	}, nil)
	return nil
}

// pump runs a stream until its client, its subscription or the server
// ends it: a keep-alive comment every Heartbeat, every waiting event to
// onEvent, onTick at each tick (nil: none), one flush after each round.
func (s *Server) pump(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, sub *loop.Subscription,
	tick <-chan time.Time, onEvent func(*epiloop.Event), onTick func()) {
	beat := time.NewTicker(s.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.Lost:
			return
		case <-s.closing:
			return
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-tick:
			onTick()
		case e := <-sub.C:
			// Take what is waiting, then flush once.
			for more := true; more; {
				onEvent(e)
				select {
				case e = <-sub.C:
				default:
					more = false
				}
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// startStream answers a request with an event stream: its headers, no
// write deadline, and the reconnection delay.
func startStream(w http.ResponseWriter, rc *http.ResponseController) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc.SetWriteDeadline(time.Time{})
	fmt.Fprint(w, "retry: 2000\n\n")
}

// CoarseEvery is how often, at most, the live stream of a role without
// exact counts says that something changed.
const CoarseEvery = 10 * time.Second

// coarseEvents is the live stream of a role that sees no small counts
// (epiloop.MinPublishedCount): no events, no ids (their gaps would count
// them), only an unnamed "changed" message at most every CoarseEvery, for
// its pages to refresh their figures.
func (s *Server) coarseEvents(w http.ResponseWriter, r *http.Request, u *epiloop.User) error {
	rc := http.NewResponseController(w)
	sub := s.Broker.Subscribe(u)
	defer s.Broker.Unsubscribe(sub)
	startStream(w, rc)
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(CoarseEvery)
	defer tick.Stop()
	changed := false
	s.pump(w, r, rc, sub, tick.C, func(*epiloop.Event) { changed = true }, func() {
		if changed {
			changed = false
			fmt.Fprint(w, "data: {}\n\n")
		}
	})
	return nil
}

// writeEvent writes one event; users who see counts only get the kind and
// district without details.
func writeEvent(w http.ResponseWriter, u *epiloop.User, e *epiloop.Event) {
	if !u.Can(epiloop.ActReadLeads) {
		e = &epiloop.Event{ID: e.ID, Time: e.Time, Kind: e.Kind, District: e.District}
	}
	w.Write(e.Frame())
}
