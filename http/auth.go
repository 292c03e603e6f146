package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerAuthRoutes() {
	s.mux.handle("POST /api/v1/login", epiloop.ActPublic, s.handle(s.handleLogin))
	s.api("POST /api/v1/logout", epiloop.ActSignedIn, s.handleLogout)
	s.api("GET /api/v1/me", epiloop.ActSignedIn, s.handleMe)
}

// handleLogin opens a session and sets its cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.loginGate(r, req.Name); err != nil {
		return err
	}
	tok, u, err := s.Service.Login(r.Context(), req.Name, req.Password)
	if epiloop.ErrorCode(err) == epiloop.EUNAUTHORIZED {
		s.loginFailed(r, req.Name)
	}
	if err != nil {
		return err
	}
	s.loginPassed(r, req.Name)
	s.setSession(w, r, tok)
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	everywhere := r.URL.Query().Get("everywhere") == "true"
	session := s.sessionToken(r)
	if session != "" || everywhere {
		if err := s.Service.Logout(r.Context(), session, everywhere); err != nil {
			return err
		}
	}
	s.clearSession(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, epiloop.UserFromContext(r.Context()))
	return nil
}
