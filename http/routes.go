package http

import (
	"net/http"
	"slices"
)

// routeMux is the server's ServeMux, remembering the patterns registered
// on it, so that a test can hold every route to an entry in its
// role × jurisdiction table: a route added without one fails that test.
// Routes are registered in NewServer only, before the server serves.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// Handle registers handler for pattern and records the pattern.
func (m *routeMux) Handle(pattern string, handler http.Handler) {
	m.ServeMux.Handle(pattern, handler)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers handler for pattern and records the pattern.
func (m *routeMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, handler)
	m.patterns = append(m.patterns, pattern)
}

// Routes returns every pattern registered on the server (API, pages,
// assets), sorted.
func (s *Server) Routes() []string {
	out := slices.Clone(s.mux.patterns)
	slices.Sort(out)
	return out
}
