package http

import "net/http"

func (s *Server) registerStatsRoutes() {
	s.mux.HandleFunc("GET /api/v1/stats/overview", s.authed(s.handleStatsOverview))
}

// handleStatsOverview answers the funnel counts of the caller's
// jurisdiction from the maintained counters.
func (s *Server) handleStatsOverview(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Service.Overview(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
