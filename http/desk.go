package http

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The enterprise service desk over the API: the public form, catalogue,
// slots and tracking (no account, limited per client address), and the
// staff's queue, steps, reveal, catalogue and slots.

// The public desk's limits per client address, per DeskWindow: form
// submissions (valid or not), and failed look-ups of the tracking page.
const (
	DefaultDeskSubmitLimit = 20
	DefaultDeskTrackLimit  = 20
	DeskWindow             = time.Hour
)

// deskLimiter counts a client's requests in a fixed window, in memory
// (per replica, like the sign-in limits). Keys are addresses; they are
// never logged.
type deskLimiter struct {
	mu     sync.Mutex
	counts map[string]*deskCount
}

type deskCount struct {
	n     int
	start time.Time
}

// take counts one request of key and reports whether it is within max
// in the window; full reports whether key is over max without counting.
func (l *deskLimiter) take(key string, max int, now time.Time, count bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil || len(l.counts) > 100000 {
		l.counts = map[string]*deskCount{}
	}
	c, ok := l.counts[key]
	if !ok || now.Sub(c.start) >= DeskWindow {
		c = &deskCount{start: now}
		l.counts[key] = c
	}
	if c.n >= max {
		return false
	}
	if count {
		c.n++
	}
	return true
}

func (s *Server) deskSubmitLimit() int {
	if s.DeskSubmitLimit > 0 {
		return s.DeskSubmitLimit
	}
	return DefaultDeskSubmitLimit
}

func (s *Server) deskTrackLimit() int {
	if s.DeskTrackLimit > 0 {
		return s.DeskTrackLimit
	}
	return DefaultDeskTrackLimit
}

// deskSubmitGate counts a public submission and refuses one beyond the
// limit with 429 and the message the form shows.
func (s *Server) deskSubmitGate(r *http.Request) error {
	if !s.deskSubmits.take(s.clientIP(r), s.deskSubmitLimit(), time.Now(), true) {
		return epiloop.Errorf(epiloop.ETOOMANY, "err.desk_rate_limited", int(DeskWindow/time.Minute))
	}
	return nil
}

// deskTrack runs a look-up with the tracking page's limit on failures:
// a client past it is refused before the look-up; a wrong number or code
// counts.
func (s *Server) deskTrack(r *http.Request, look func() error) error {
	ip := s.clientIP(r)
	if !s.deskTracks.take(ip, s.deskTrackLimit(), time.Now(), false) {
		return epiloop.Errorf(epiloop.ETOOMANY, "err.desk_track_limited", int(DeskWindow/time.Minute))
	}
	err := look()
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		s.deskTracks.take(ip, s.deskTrackLimit(), time.Now(), true)
	}
	return err
}

// public registers an API route that needs no account.
func (s *Server) public(pattern string, h handlerFunc) {
	s.mux.handle(pattern, epiloop.ActPublic, s.handle(h))
}

func (s *Server) registerDeskRoutes() {
	s.public("GET /api/v1/desk/measures", s.handleDeskMeasures)
	s.public("GET /api/v1/desk/slots", s.handleDeskSlots)
	s.public("POST /api/v1/desk/tickets", s.handleDeskSubmit)
	s.public("POST /api/v1/desk/track", s.handleDeskTrack)
	s.public("POST /api/v1/desk/track/steps", s.handleDeskTrackStep)
	s.api("POST /api/v1/desk/measures", epiloop.ActManageDesk, s.handleDeskMeasureSave)
	s.api("POST /api/v1/desk/slots", epiloop.ActManageDesk, s.handleDeskSlotSave)
	s.api("POST /api/v1/desk/hotline", epiloop.ActDeskIntake, s.handleDeskHotline)
	s.api("GET /api/v1/desk/tickets", epiloop.ActReadDesk, s.handleDeskTicketIndex)
	s.api("GET /api/v1/desk/figures", epiloop.ActSignedIn, s.handleDeskFigures)
	s.api("GET /api/v1/desk/tickets/{id}", epiloop.ActReadDesk, s.handleDeskTicketView)
	s.api("POST /api/v1/desk/tickets/{id}/steps", epiloop.ActHandleDesk, s.handleDeskTicketStep)
	s.api("POST /api/v1/desk/tickets/{id}/reveal", epiloop.ActRevealDesk, s.handleDeskTicketReveal)
}

func (s *Server) handleDeskMeasures(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Service.Measures(r.Context(), true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.ServiceMeasure]{Items: ms, Total: len(ms)})
	return nil
}

func (s *Server) handleDeskSlots(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.Service.DeskSlots(r.Context(), false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.DeskSlot]{Items: ss, Total: len(ss)})
	return nil
}

// deskSubmission is the public form's body.
type deskSubmission struct {
	epiloop.TicketInput
	Source epiloop.TicketSource `json:"source"`
}

func (s *Server) handleDeskSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.deskSubmitGate(r); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(DeskWindow/time.Second)))
		return err
	}
	var in deskSubmission
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Source == "" {
		in.Source = epiloop.SourceOnline
	}
	sub, err := s.Service.SubmitTicket(r.Context(), in.TicketInput, in.Source)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

// deskTrackBody names a ticket on the tracking page: never in a URL.
type deskTrackBody struct {
	Number string               `json:"number"`
	Code   string               `json:"code"`
	Action epiloop.TicketAction `json:"action"`
	Reason string               `json:"reason"`
}

func (s *Server) handleDeskTrack(w http.ResponseWriter, r *http.Request) error {
	var b deskTrackBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	var v *loop.TrackView
	if err := s.deskTrack(r, func() (err error) { v, err = s.Service.Track(r.Context(), b.Number, b.Code); return err }); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDeskTrackStep(w http.ResponseWriter, r *http.Request) error {
	var b deskTrackBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	var v *loop.TrackView
	err := s.deskTrack(r, func() (err error) {
		v, err = s.Service.EnterpriseStep(r.Context(), b.Number, b.Code, b.Action, b.Reason)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDeskMeasureSave(w http.ResponseWriter, r *http.Request) error {
	var m epiloop.ServiceMeasure
	if err := decodeJSON(w, r, &m); err != nil {
		return err
	}
	if err := s.Service.SaveMeasure(r.Context(), &m); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) handleDeskSlotSave(w http.ResponseWriter, r *http.Request) error {
	var d epiloop.DeskSlot
	if err := decodeJSON(w, r, &d); err != nil {
		return err
	}
	if err := s.Service.SaveDeskSlot(r.Context(), &d); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleDeskHotline(w http.ResponseWriter, r *http.Request) error {
	var in epiloop.TicketInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sub, err := s.Service.CreateHotlineTicket(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

// ticketFilter reads unit, state, open, breached and green.
func ticketFilter(r *http.Request) (epiloop.TicketFilter, error) {
	var f epiloop.TicketFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("unit"); v != "" {
		f.Unit = &v
	}
	if v := q.Get("state"); v != "" {
		st := epiloop.TicketState(v)
		if !validTicketState(st) {
			return f, epiloop.FieldError("state", "err.desk_state")
		}
		f.State = &st
	}
	for name, dst := range map[string]*bool{"open": &f.Open, "breached": &f.Breached, "green": &f.Green} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return f, epiloop.FieldError(name, "err.desk_flag")
			}
			*dst = b
		}
	}
	return f, nil
}

func validTicketState(st epiloop.TicketState) bool {
	for _, x := range epiloop.TicketStates {
		if x == st {
			return true
		}
	}
	return false
}

func (s *Server) handleDeskTicketIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := ticketFilter(r)
	if err != nil {
		return err
	}
	ts, total, err := s.Service.FindTickets(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Ticket]{Items: ts, Total: total})
	return nil
}

func (s *Server) handleDeskFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Service.DeskFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) handleDeskTicketView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Service.FindTicket(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) handleDeskTicketStep(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Action epiloop.TicketAction `json:"action"`
		Note   string               `json:"note"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	t, err := s.Service.StepTicket(r.Context(), id, b.Action, b.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) handleDeskTicketReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	c, err := s.Service.RevealTicket(r.Context(), id, b.Purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
