package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Detention facilities over the API: the facilities with their figures,
// a facility's page, areas, intake, moves, release, reveal, cohorts and
// their hand-over, closed management.

func (s *Server) registerDetentionRoutes() {
	s.api("GET /api/v1/detention", epiloop.ActReadDetention, s.handleDetentionIndex)
	s.api("GET /api/v1/detention/figures", epiloop.ActSignedIn, s.handleDetentionFigures)
	s.api("GET /api/v1/detention/{code}", epiloop.ActReadDetention, s.handleDetentionView)
	s.api("POST /api/v1/detention/{code}/areas", epiloop.ActManageDetention, s.handleDetentionAreas)
	s.api("POST /api/v1/detention/{code}/closure", epiloop.ActManageDetention, s.handleDetentionClosure)
	s.api("POST /api/v1/detention/{code}/detainees", epiloop.ActAdmitDetainee, s.handleDetaineeAdmit)
	s.api("POST /api/v1/detention/{code}/cohorts", epiloop.ActRotateStaff, s.handleCohortStart)
	s.api("POST /api/v1/detainees/{id}/move", epiloop.ActReadDetention, s.handleDetaineeMove)
	s.api("POST /api/v1/detainees/{id}/release", epiloop.ActAdmitDetainee, s.handleDetaineeRelease)
	s.api("POST /api/v1/detainees/{id}/reveal", epiloop.ActRevealDetainee, s.handleDetaineeReveal)
	s.api("POST /api/v1/cohorts/{id}/handover", epiloop.ActRotateStaff, s.handleCohortHandover)
}

func (s *Server) handleDetentionIndex(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.Service.FindFacilities(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[loop.FacilityRow]{Items: rows, Total: len(rows)})
	return nil
}

func (s *Server) handleDetentionFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Service.FindDetentionFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) handleDetentionView(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Service.FindFacility(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDetentionAreas(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Areas []epiloop.DetentionArea `json:"areas"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	areas, err := s.Service.SaveDetentionAreas(r.Context(), r.PathValue("code"), in.Areas)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.DetentionArea]{Items: areas, Total: len(areas)})
	return nil
}

func (s *Server) handleDetentionClosure(w http.ResponseWriter, r *http.Request) error {
	var m epiloop.ClosedManagement
	if err := decodeJSON(w, r, &m); err != nil {
		return err
	}
	out, err := s.Service.SetClosedManagement(r.Context(), r.PathValue("code"), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// detaineeIntakeJSON is an intake: the person by identity, the cell
// (optional), the referring case and a note.
type detaineeIntakeJSON struct {
	Person  epiloop.Person `json:"person"`
	Area    string         `json:"area"`
	CaseRef string         `json:"case_ref"`
	Reason  string         `json:"reason"`
}

func (s *Server) handleDetaineeAdmit(w http.ResponseWriter, r *http.Request) error {
	var in detaineeIntakeJSON
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Service.AdmitPerson(r.Context(), in.Person, epiloop.DetaineeIntake{FacilityCode: r.PathValue("code"),
		AreaCode: in.Area, CaseRef: in.CaseRef, Reason: in.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) handleDetaineeMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in loop.MoveInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Service.MoveDetainee(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleDetaineeRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in loop.ReleaseInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Service.ReleaseDetainee(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleDetaineeReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Service.RevealDetainee(r.Context(), id, in.Purpose)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleCohortStart(w http.ResponseWriter, r *http.Request) error {
	var in loop.CohortInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Service.StartCohort(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleCohortHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in epiloop.CohortConfirmation
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Service.ConfirmCohortHandover(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
