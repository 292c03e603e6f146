// Package http serves epiloop's JSON API (and, later, its pages) over
// net/http.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// MaxBodyBytes caps a JSON request body.
const MaxBodyBytes = 1 << 20

// SessionCookie is the name of the session cookie.
const SessionCookie = "epiloop_session"

// Server is epiloop's HTTP server.
type Server struct {
	Service *loop.Service
	Broker  *loop.Broker
	Logger  *slog.Logger
	// Heartbeat is how often an idle event stream sends a comment.
	Heartbeat time.Duration
	// TLSCert and TLSKey, when set, serve HTTPS directly.
	TLSCert, TLSKey string
	// TrustedProxies are the addresses whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (the documented nginx); none by
	// default.
	TrustedProxies []netip.Prefix
	// MaxInFlight caps the requests being served at once (event streams
	// and static files aside); beyond it the server answers 503 with
	// Retry-After at once rather than queueing until clients time out.
	MaxInFlight int
	// DeskSubmitLimit and DeskTrackLimit are the public service desk's
	// limits per client address and DeskWindow (0: the defaults).
	DeskSubmitLimit, DeskTrackLimit int

	// logins and ipLogins limit failed sign-ins per name and address and
	// per address (loginGate).
	logins, ipLogins *loginLimiter
	// deskSubmits and deskTracks count the public desk's submissions and
	// failed look-ups per address (http/desk.go).
	deskSubmits, deskTracks deskLimiter

	mux *routeMux
	srv *http.Server
	ln  net.Listener
	// closing is closed when Close starts, ending the event streams that
	// would otherwise hold the shutdown.
	closing   chan struct{}
	closeOnce sync.Once
	// baseCtx is the context of background work started by requests
	// (imports); cancelled by Close.
	baseCtx    context.Context
	cancelBase context.CancelFunc
}

// NewServer returns a server with its routes registered.
func NewServer(svc *loop.Service, broker *loop.Broker, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{Service: svc, Broker: broker, Logger: logger, Heartbeat: 15 * time.Second, mux: newRouteMux(), MaxInFlight: 1024,
		closing: make(chan struct{}),
		logins:  newLoginLimiter(loop.MaxFailedLogins, loop.LockOut), ipLogins: newLoginLimiter(IPLoginFailures, loop.LockOut)}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.srv = &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	s.mux.handle("GET /healthz", epiloop.ActPublic, s.handleHealth)
	s.registerAuthRoutes()
	s.registerLeadRoutes()
	s.registerTaskRoutes()
	s.registerStatsRoutes()
	s.registerSearchRoutes()
	s.registerNoticeRoutes()
	s.registerEventRoutes()
	s.registerAuditRoutes()
	s.registerImportRoutes()
	s.registerReportRoutes()
	s.registerOpenAPIRoutes()
	s.registerCheckpointRoutes()
	s.registerObservationRoutes()
	s.registerDutyRoutes()
	s.registerHandoverRoutes()
	s.registerPlaceRoutes()
	s.registerPatrolRoutes()
	s.registerVolunteerRoutes()
	s.registerMergeRoutes()
	s.registerDeskRoutes()
	s.registerCaseRoutes()
	s.registerDetentionRoutes()
	s.registerXCityRoutes()
	s.registerUIRoutes()
	s.mux.handle("/api/", epiloop.ActPublic, s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return epiloop.Errorf(epiloop.ENOTFOUND, "err.no_such_api_route")
	}))
	return s
}

// Handler returns the server's root handler. Cross-origin protection
// refuses state-changing requests a browser sends from another site (CSRF),
// so a session cookie cannot be ridden; bearer-token clients send no
// browser fetch metadata and pass.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error {
		return epiloop.Errorf(epiloop.EFORBIDDEN, "err.cross_origin_request_refused")
	}))
	return s.securityHeaders(s.limit(cop.Handler(s.mux)))
}

// limit sheds load beyond MaxInFlight concurrent requests.
func (s *Server) limit(h http.Handler) http.Handler {
	if s.MaxInFlight <= 0 {
		return h
	}
	slots := make(chan struct{}, s.MaxInFlight)
	busy := s.handle(func(http.ResponseWriter, *http.Request) error {
		return epiloop.Errorf(epiloop.EUNAVAILABLE, "err.server_busy_try_again_in")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/events" || strings.HasPrefix(r.URL.Path, "/static/") {
			h.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			busy(w, r)
		}
	})
}

// Listen opens the listener (":0" picks a free port).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns the base URL of the listening server.
func (s *Server) URL() string {
	if s.TLSCert != "" {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Serve serves until Close; it returns nil after a clean close.
func (s *Server) Serve() error {
	s.srv.Handler = s.Handler()
	var err error
	if s.TLSCert != "" {
		err = s.srv.ServeTLS(s.ln, s.TLSCert, s.TLSKey)
	} else {
		err = s.srv.Serve(s.ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops the server, waiting briefly for requests in flight.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.cancelBase()
	s.Service.WaitImports(ctx)
	if s.ln != nil {
		s.ln.Close() // when Serve never ran
	}
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"ok"}`)
}

func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		if s.viaTLS(r) {
			hd.Set("Strict-Transport-Security", HSTS)
		}
		h.ServeHTTP(w, r)
	})
}

// handlerFunc is a handler that returns its error for one place to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc, rendering any error as JSON.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// authed is handle for routes that need a signed-in user or a token.
func (s *Server) authed(a epiloop.Action, h handlerFunc) http.HandlerFunc {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if !u.Can(a) {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.your_role_may_not_do")
		}
		return h(w, r.WithContext(epiloop.NewContextWithUser(r.Context(), u)))
	})
}

// authenticate reads a bearer token or a session cookie.
func (s *Server) authenticate(r *http.Request) (*epiloop.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, epiloop.Errorf(epiloop.EUNAUTHORIZED, "err.authorization_must_bearer_token")
		}
		return s.Service.UserByToken(r.Context(), strings.TrimSpace(tok))
	}
	if tok := s.sessionToken(r); tok != "" {
		return s.Service.UserBySession(r.Context(), tok)
	}
	return nil, epiloop.Errorf(epiloop.EUNAUTHORIZED, "err.authentication_required")
}

var codeStatus = map[string]int{
	epiloop.EINVALID:      http.StatusBadRequest,
	epiloop.ENOTFOUND:     http.StatusNotFound,
	epiloop.ECONFLICT:     http.StatusConflict,
	epiloop.EUNAUTHORIZED: http.StatusUnauthorized,
	epiloop.EFORBIDDEN:    http.StatusForbidden,
	epiloop.EUNAVAILABLE:  http.StatusServiceUnavailable,
	epiloop.ETOOMANY:      http.StatusTooManyRequests,
	epiloop.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus maps an error code to its HTTP status.
func ErrorStatus(code string) int {
	if st, ok := codeStatus[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		Reason  string `json:"reason,omitempty"`
	} `json:"error"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := epiloop.ErrorCode(err)
	if code == epiloop.EINTERNAL {
		s.Logger.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = epiloop.ErrorText(err, pickLang(r))
	body.Error.Field = epiloop.ErrorField(err)
	body.Error.Reason = epiloop.ErrorReason(err)
	if code == epiloop.EUNAVAILABLE {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, ErrorStatus(code), body)
}

// writeJSON renders v into a buffer, then writes it.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"Internal error."}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// decodeJSON reads a JSON body strictly: size-capped, no unknown fields,
// no trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return epiloop.Errorf(epiloop.EINVALID, "err.content_type_must_application_json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_has_data_after")
	}
	if _, err := dec.Token(); err != io.EOF {
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_has_data_after")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		big *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_empty")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_not_valid_json")
	case errors.As(err, &typ):
		return &epiloop.Error{Code: epiloop.EINVALID, Field: typ.Field, Key: "err.field_has_wrong_type"}
	case errors.As(err, &big):
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_too_large")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &epiloop.Error{Code: epiloop.EINVALID, Field: f, Key: "err.unknown_field"}
	}
	return epiloop.Errorf(epiloop.EINVALID, "err.request_body_could_not_read")
}

// pathID parses a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, epiloop.Errorf(epiloop.ENOTFOUND, "err.not_found")
	}
	return id, nil
}

// queryFlag reads a true/false query parameter ("1" and "0" too; absent
// is false); anything else is refused with the message key.
func queryFlag(r *http.Request, name, key string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, epiloop.FieldError(name, key)
}

// paging reads page and per_page (defaults 1 and 50, per_page at most 500).
func paging(r *http.Request) (offset, limit int, err error) {
	page, per := 1, 50
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 || page > 1_000_000 {
			return 0, 0, epiloop.FieldError("page", "err.page_must_positive_integer")
		}
	}
	if v := q.Get("per_page"); v != "" {
		if per, err = strconv.Atoi(v); err != nil || per < 1 || per > 500 {
			return 0, 0, epiloop.FieldError("per_page", "err.per_page_must_between_1")
		}
	}
	return (page - 1) * per, per, nil
}

// list is the shape of every paged list.
type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}
