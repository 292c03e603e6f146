package http

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The hand-over between cities over the API: the peers' endpoint that
// receives signed, sealed messages (authenticated by the signature, not
// an account), and the commanders' 外地协查 queue.

// MaxXCityBytes caps a message from a peer.
const MaxXCityBytes = 64 << 10

func (s *Server) registerXCityRoutes() {
	s.mux.handle("POST "+loop.XCityPath, epiloop.ActPublic, s.handle(s.handleXCityReceive))
	s.api("GET /api/v1/xcity", epiloop.ActReadXCity, s.handleXCityIndex)
	s.api("GET /api/v1/xcity/figures", epiloop.ActReadXCity, s.handleXCityFigures)
	s.api("GET /api/v1/xcity/peers", epiloop.ActReadPeers, s.handleXCityPeers)
	s.api("GET /api/v1/xcity/{id}", epiloop.ActReadXCity, s.handleXCityView)
	s.api("POST /api/v1/xcity/{id}/accept", epiloop.ActDecideXCity, s.handleXCityAccept)
	s.api("POST /api/v1/xcity/{id}/refuse", epiloop.ActDecideXCity, s.handleXCityRefuse)
	s.api("GET /api/v1/xcity/{id}/letter", epiloop.ActXCityLetter, s.handleXCityLetter)
}

func (s *Server) handleXCityReceive(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return epiloop.Errorf(epiloop.EINVALID, "err.content_type_must_application_json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxXCityBytes))
	if err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_too_large")
	}
	rc, err := s.Service.ReceiveXCity(r.Context(), raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}

// xcityFilter reads direction and state.
func xcityFilter(r *http.Request) (epiloop.XCityFilter, error) {
	var f epiloop.XCityFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	switch d := epiloop.XCityDirection(q.Get("direction")); d {
	case "":
	case epiloop.XCityIn, epiloop.XCityOut:
		f.Direction = &d
	default:
		return f, epiloop.FieldError("direction", "err.xcity_direction")
	}
	if v := q.Get("state"); v != "" {
		st := epiloop.XCityState(v)
		valid := false
		for _, x := range epiloop.XCityStates {
			valid = valid || x == st
		}
		if !valid {
			return f, epiloop.FieldError("state", "err.xcity_state")
		}
		f.State = &st
	}
	return f, nil
}

func (s *Server) handleXCityIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := xcityFilter(r)
	if err != nil {
		return err
	}
	hs, total, err := s.Service.FindXCityHandovers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.XCityHandover]{Items: hs, Total: total})
	return nil
}

type xcityFiguresBody struct {
	Waiting   int `json:"waiting"`
	Pending   int `json:"pending"`
	Accepted  int `json:"accepted"`
	Refused   int `json:"refused"`
	Completed int `json:"completed"`
	Letters   int `json:"letters"`
}

func (s *Server) handleXCityFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Service.FindXCityFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, xcityFiguresBody{f.Waiting, f.Pending, f.Accepted, f.Refused, f.Completed, f.Letters})
	return nil
}

func (s *Server) handleXCityPeers(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Service.Peers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Peer]{Items: ps, Total: len(ps)})
	return nil
}

func (s *Server) handleXCityView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Service.FindXCityHandover(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleXCityAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Service.AcceptXCity(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) handleXCityRefuse(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	h, err := s.Service.RefuseXCity(r.Context(), id, body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// letterBody is a letter of assistance as JSON.
type letterBody struct {
	Number      string         `json:"number"`
	To          string         `json:"to"`
	From        string         `json:"from"`
	Contact     string         `json:"contact"`
	Person      epiloop.Person `json:"person"`
	Reason      epiloop.Reason `json:"reason"`
	Destination string         `json:"destination"`
	Lead        int64          `json:"lead"`
	Date        string         `json:"date"`
}

func (s *Server) handleXCityLetter(w http.ResponseWriter, r *http.Request) error {
	x, err := wantXLSX(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lt, err := s.Service.LetterOf(r.Context(), id)
	if err != nil {
		return err
	}
	if x {
		return sendLetterXLSX(w, pickLang(r), lt, s.Service.Clock.Now())
	}
	writeJSON(w, http.StatusOK, letterBody{lt.Number, lt.To, lt.From, lt.Contact, lt.Person, lt.Reason, lt.Destination, lt.Lead, lt.Date})
	return nil
}

// sendLetterXLSX writes a letter of assistance as a workbook: one sheet,
// a title, then label and value rows.
func sendLetterXLSX(w http.ResponseWriter, lang string, lt *loop.XCityLetter, now time.Time) error {
	sh, err := newSheet(epiloop.T(lang, "xcity.letter.sheet"))
	if err != nil {
		return err
	}
	if err := sh.widths(18, 60); err != nil {
		sh.close()
		return err
	}
	rows := [][2]string{
		{epiloop.T(lang, "xcity.letter.title"), lt.Number},
		{epiloop.T(lang, "xcity.letter.to"), lt.To},
		{epiloop.T(lang, "xcity.letter.name"), lt.Person.Name},
		{epiloop.T(lang, "xcity.letter.id_number"), lt.Person.IDNumber},
		{epiloop.T(lang, "xcity.letter.phone"), lt.Person.Phone},
		{epiloop.T(lang, "xcity.letter.reason"), letterReason(lang, lt.Reason)},
		{epiloop.T(lang, "xcity.letter.destination"), lt.Destination},
		{epiloop.T(lang, "xcity.letter.lead"), "#" + strconv.FormatInt(lt.Lead, 10)},
		{epiloop.T(lang, "xcity.letter.from"), lt.From},
		{epiloop.T(lang, "xcity.letter.contact"), lt.Contact},
		{epiloop.T(lang, "xcity.letter.date"), lt.Date},
	}
	for _, row := range rows {
		if err := sh.add(row[0], row[1]); err != nil {
			sh.close()
			return err
		}
	}
	return sh.send(w, exportName("xcity-letter", now))
}

// letterReason words a lead's reason for a letter.
func letterReason(lang string, r epiloop.Reason) string {
	var parts []string
	if r.CloseContact {
		parts = append(parts, epiloop.T(lang, "xcity.reason.close_contact"))
	}
	if r.Fever {
		parts = append(parts, epiloop.T(lang, "xcity.reason.fever"))
	}
	if r.Origin != "" {
		parts = append(parts, epiloop.T(lang, "xcity.reason.origin", r.Origin))
	}
	if r.ArrivalDate != "" {
		parts = append(parts, epiloop.T(lang, "xcity.reason.arrival", r.ArrivalDate))
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString(p)
	}
	return b.String()
}

// XCityPoster posts peers' messages with client: the sender loop's
// network (loop.XCityConfig.Post).
func XCityPoster(client *http.Client) func(ctx context.Context, url string, body []byte) (int, error) {
	return func(ctx context.Context, url string, body []byte) (int, error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, nil
	}
}
