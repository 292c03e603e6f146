package http

import (
	"net/http"
	"slices"

	"github.com/epiloop/epiloop"
)

// routeMux is the server's ServeMux. Every route is registered with the
// action of the permission table (epiloop.Action) it serves, so that no
// route exists without one; the mux remembers them, and a test walks every
// route against the table. Routes are registered in NewServer only, before
// the server serves.
type routeMux struct {
	*http.ServeMux
	actions map[string]epiloop.Action
}

func newRouteMux() *routeMux {
	return &routeMux{ServeMux: http.NewServeMux(), actions: map[string]epiloop.Action{}}
}

// handle registers h for pattern, serving action a. The caller's wrapper
// enforces a (api, page, public); handle records it.
func (m *routeMux) handle(pattern string, a epiloop.Action, h http.HandlerFunc) {
	if !epiloop.KnownAction(a) {
		panic("route " + pattern + ": unknown action " + string(a))
	}
	m.ServeMux.HandleFunc(pattern, h)
	m.actions[pattern] = a
}

// api registers an API route for signed-in callers granted a.
func (s *Server) api(pattern string, a epiloop.Action, h handlerFunc) {
	s.mux.handle(pattern, a, s.authed(a, h))
}

// Routes returns every pattern registered on the server (API, pages,
// assets), sorted.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.mux.actions))
	for p := range s.mux.actions {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// RouteAction returns the action a registered pattern serves.
func (s *Server) RouteAction(pattern string) (epiloop.Action, bool) {
	a, ok := s.mux.actions[pattern]
	return a, ok
}
