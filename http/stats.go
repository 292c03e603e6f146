package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerStatsRoutes() {
	s.api("GET /api/v1/stats/overview", epiloop.ActSignedIn, s.handleStatsOverview)
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
