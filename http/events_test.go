package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// sseEvent is one server-sent event as a browser's EventSource sees it.
type sseEvent struct {
	ID    int64
	Event string
	Data  eventJSON
	Raw   string
}

// stream is a live GET /events.
type stream struct {
	events   chan sseEvent
	comments atomic.Int64
	retry    atomic.Int64
	close    func()
}

// openStream opens the event stream as a user, with extra headers and
// query, and reads it in the background until closed.
func (f *fixture) openStream(t testing.TB, as, query string, header map[string]string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := f.newRequest(ctx, request{Method: "GET", Path: "/events" + query, As: as, Header: header})
	// No client timeout: a stream lasts as long as it is read.
	resp, err := (&http.Client{Transport: f.client.Transport}).Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream as %s: %v", as, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		cancel()
		t.Fatalf("stream as %s: %d %s", as, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{events: make(chan sseEvent, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.events)
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		var data strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch {
			case line == "":
				if data.Len() > 0 {
					ev.Raw = data.String()
					if err := json.Unmarshal([]byte(ev.Raw), &ev.Data); err != nil {
						ev.Event = "malformed: " + err.Error()
					}
					s.events <- ev
				}
				ev, data = sseEvent{}, strings.Builder{}
			case field == "":
				s.comments.Add(1)
			case field == "id":
				ev.ID, _ = strconv.ParseInt(value, 10, 64)
			case field == "event":
				ev.Event = value
			case field == "data":
				data.WriteString(value)
			case field == "retry":
				n, _ := strconv.ParseInt(value, 10, 64)
				s.retry.Store(n)
			}
		}
	}()
	var once atomic.Bool
	s.close = func() {
		if once.Swap(true) {
			return
		}
		cancel()
		resp.Body.Close()
		<-done
	}
	// Registered after the fixture's cleanups, so it runs before the
	// server closes.
	t.Cleanup(s.close)
	return s
}

// until reads events until one matches or the wait is over; it returns
// every event read and whether the last one matched.
func (s *stream) until(wait time.Duration, match func(sseEvent) bool) ([]sseEvent, bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var got []sseEvent
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				return got, false
			}
			got = append(got, e)
			if match(e) {
				return got, true
			}
		case <-timer.C:
			return got, false
		}
	}
}

// drain returns what arrives within wait.
func (s *stream) drain(wait time.Duration) []sseEvent {
	got, _ := s.until(wait, func(sseEvent) bool { return false })
	return got
}

func ofLead(id int64) func(sseEvent) bool {
	return func(e sseEvent) bool { return e.Data.LeadID == id }
}

func eventKinds(events []sseEvent) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, e.Event)
	}
	return out
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	// A lead of 沈河区 first, so that the committee's first event is not
	// the database's first and a replay has something to skip.
	f.createLead(idNumber(500), addrShenhe)
	committee := f.openStream(t, uCommittee, "", nil)
	other := f.openStream(t, uOther, "", nil)
	shenheStream := f.openStream(t, uShenhe, "", nil)
	analyst := f.openStream(t, uAnalyst, "", nil)

	l := f.createLead(id1, addrHome)
	cm := l.liveTask(t, "committee")

	got, ok := committee.until(5*time.Second, func(e sseEvent) bool {
		return e.Event == "task.pushed" && e.Data.TaskID == cm.ID
	})
	if !ok {
		t.Fatalf("committee got %v within 5 s, no task.pushed of its task %d", eventKinds(got), cm.ID)
	}
	for _, e := range got {
		if e.ID == 0 || e.ID != e.Data.ID || e.Event != e.Data.Kind || e.Data.LeadID != l.ID {
			t.Errorf("event id %d event %q data %s: want id, event and data to agree on lead %d", e.ID, e.Event, e.Raw, l.ID)
		}
		if strings.Contains(e.Raw, id1) || strings.Contains(e.Raw, "13800138000") {
			t.Errorf("event carries personal data: %s", e.Raw)
		}
	}
	if want := []string{"lead.created", "lead.pushed", "task.pushed"}; len(got) < 3 || !slices.Equal(eventKinds(got[:3]), want) {
		t.Errorf("committee's events = %v, want them to start %v", eventKinds(got), want)
	}
	if committee.retry.Load() <= 0 {
		t.Errorf("stream sent no retry interval")
	}
	first := got[0].ID
	if first <= 1 {
		t.Fatalf("committee's first event has id %d, want a later one", first)
	}

	t.Run("analysts get no events, only a coarse changed", func(t *testing.T) {
		// A stream of single events would count cases: an analyst's says
		// "changed" at most every CoarseEvery, with no kind, id or data.
		for _, e := range analyst.drain(500 * time.Millisecond) {
			if e.Event != "" || e.ID != 0 || e.Data.LeadID != 0 || strings.Contains(e.Raw, "district") {
				t.Errorf("analyst's stream carried %s", e.Raw)
			}
		}
	})

	t.Run("other jurisdictions get nothing", func(t *testing.T) {
		// The broker delivers one batch to every subscriber at once: by
		// now the others have had their chance.
		for name, s := range map[string]*stream{uOther: other, uShenhe: shenheStream} {
			if got := s.drain(300 * time.Millisecond); len(got) > 0 {
				t.Errorf("%s received %d events: %v", name, len(got), eventKinds(got))
			}
			if s.comments.Load() == 0 {
				t.Errorf("%s's idle stream got no keep-alive", name)
			}
		}
	})

	t.Run("reconnecting replays what was missed", func(t *testing.T) {
		committee.drain(100 * time.Millisecond)
		committee.close()
		last := got[len(got)-1].ID
		// While the committee is away, the station accepts.
		st := l.liveTask(t, "police_station")
		f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", st.ID), As: uStation}, http.StatusOK, nil)

		again := f.openStream(t, uCommittee, "", map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)})
		missed, ok := again.until(2*time.Second, func(e sseEvent) bool { return e.Event == "task.accepted" })
		if !ok || missed[0].ID <= last {
			t.Fatalf("after Last-Event-ID %d got %v, want task.accepted and nothing older", last, eventKinds(missed))
		}

		all := f.openStream(t, uCommittee, "", map[string]string{"Last-Event-ID": strconv.FormatInt(first-1, 10)})
		replay, _ := all.until(2*time.Second, func(e sseEvent) bool { return e.Event == "task.accepted" })
		want := []string{"lead.created", "lead.pushed", "task.pushed", "task.pushed", "task.accepted"}
		if !slices.Equal(eventKinds(replay), want) {
			t.Errorf("replay from %d = %v, want %v", first-1, eventKinds(replay), want)
		}

		query := f.openStream(t, uCommittee, fmt.Sprintf("?after=%d", first), nil)
		replay, _ = query.until(2*time.Second, func(e sseEvent) bool { return e.Event == "task.accepted" })
		if !slices.Equal(eventKinds(replay), want[1:]) {
			t.Errorf("replay after=%d = %v, want %v", first, eventKinds(replay), want[1:])
		}

		outsider := f.openStream(t, uOther, "", map[string]string{"Last-Event-ID": strconv.FormatInt(first-1, 10)})
		if got := outsider.drain(300 * time.Millisecond); len(got) > 0 {
			t.Errorf("another station's replay = %v, want nothing", eventKinds(got))
		}
	})

	t.Run("a bad Last-Event-ID is ignored", func(t *testing.T) {
		s := f.openStream(t, uCommittee, "", map[string]string{"Last-Event-ID": "not-a-number"})
		f.createLead(idNumber(1), addrHome)
		if got, ok := s.until(5*time.Second, func(e sseEvent) bool { return e.Event == "task.pushed" }); !ok {
			t.Errorf("stream got %v, want the new lead's events", eventKinds(got))
		}
	})
}

// TestEventStreamEndsWhenServerCloses: closing the server must end the
// event streams rather than wait for their clients to hang up.
func TestEventStreamEndsWhenServerCloses(t *testing.T) {
	f := newFixture(t)
	s := f.openStream(t, uCommander, "", nil)
	closed := make(chan error, 1)
	go func() { closed <- f.srv.Close() }()
	if got, _ := s.until(2*time.Second, func(sseEvent) bool { return false }); len(got) > 0 {
		t.Errorf("stream got events while closing: %v", eventKinds(got))
	}
	select {
	case _, open := <-s.events:
		if open {
			t.Errorf("stream still delivering after close")
		}
	default:
		t.Errorf("event stream still open 2 s after Server.Close")
	}
	s.close() // lets Close finish if it was waiting for the stream
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestReplayAfterABusySpell: a unit that reconnects after more than a
// thousand events happened elsewhere in the city still gets the events of
// its own leads that it missed.
func TestReplayAfterABusySpell(t *testing.T) {
	f := newFixture(t)
	l := f.createLead(id1, addrHome)
	s := f.openStream(t, uCommittee, "", map[string]string{"Last-Event-ID": "1"})
	got, ok := s.until(5*time.Second, func(e sseEvent) bool { return e.Event == "task.pushed" && e.Data.TaskID == l.Tasks[1].ID })
	if !ok {
		t.Fatalf("committee got %v", eventKinds(got))
	}
	last := got[len(got)-1].ID
	s.close()

	// 260 leads of 沈河区 (four events each) while the committee is away,
	// then the station accepts the committee's lead.
	ctx := epiloop.NewContextWithUser(t.Context(), &epiloop.User{ID: 1, Name: uCommander, Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	for i := range 260 {
		_, _, err := leadOf(f.svc.CreateLead(ctx, loop.LeadInput{
			Person:  epiloop.Person{IDNumber: idNumber(i)},
			Address: addrShenhe,
			Source:  epiloop.Source{Kind: epiloop.SourceHotline},
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", l.liveTask(t, "police_station").ID), As: uStation}, http.StatusOK, nil)

	again := f.openStream(t, uCommittee, "", map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)})
	if got, ok := again.until(time.Second, func(e sseEvent) bool { return e.Event == "task.accepted" }); !ok {
		t.Errorf("after %d city events the replay from %d gave %v, want the missed task.accepted", 4*260, last, eventKinds(got))
	}
}

// leadOf unpacks a receipt: the lead, whether it is new, the error.
func leadOf(rc *loop.Receipt, err error) (*epiloop.Lead, bool, error) {
	if err != nil {
		return nil, false, err
	}
	return rc.Lead, rc.Created, nil
}
