package http

import (
	"net/http"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The case register over the API (epiloop/case.go, loop/case.go).

func (s *Server) registerCaseRoutes() {
	s.api("GET /api/v1/cases", epiloop.ActReadCases, s.handleCaseIndex)
	s.api("POST /api/v1/cases", epiloop.ActManageCases, s.handleCaseCreate)
	s.api("GET /api/v1/cases/figures", epiloop.ActCaseFigures, s.handleCaseFigures)
	s.api("GET /api/v1/cases/{id}", epiloop.ActReadCases, s.handleCaseView)
	s.api("POST /api/v1/cases/{id}", epiloop.ActManageCases, s.handleCaseUpdate)
	s.api("POST /api/v1/cases/{id}/transitions", epiloop.ActManageCases, s.handleCaseTransition)
	s.api("POST /api/v1/cases/{id}/suspects", epiloop.ActManageCases, s.handleCaseSuspectCreate)
	s.api("POST /api/v1/cases/{id}/suspects/{suspect}/measures", epiloop.ActManageCases, s.handleCaseMeasureCreate)
	s.api("POST /api/v1/cases/{id}/suspects/{suspect}/reveal", epiloop.ActRevealSuspects, s.handleCaseSuspectReveal)
	s.api("POST /api/v1/cases/{id}/goods", epiloop.ActManageCases, s.handleCaseGoodsCreate)
	s.api("POST /api/v1/cases/{id}/custody", epiloop.ActManageCases, s.handleCaseCustodyCreate)
	s.api("GET /api/v1/cases/{id}/custody/verify", epiloop.ActReadCases, s.handleCaseCustodyVerify)
}

// caseFilter reads kind, state, district and the paging.
func caseFilter(r *http.Request) (epiloop.CaseFilter, error) {
	var f epiloop.CaseFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("kind"); v != "" {
		k := epiloop.CaseKind(v)
		if !k.Valid() {
			return f, epiloop.FieldError("kind", "err.case_kind")
		}
		f.Kind = &k
	}
	if v := q.Get("state"); v != "" {
		st := epiloop.CaseState(v)
		if !st.Valid() {
			return f, epiloop.FieldError("state", "err.case_state")
		}
		f.State = &st
	}
	if v := strings.TrimSpace(q.Get("district")); v != "" {
		f.District = &v
	}
	return f, nil
}

func (s *Server) handleCaseIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := caseFilter(r)
	if err != nil {
		return err
	}
	l, err := s.Service.FindCases(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Case]{Items: l.Cases, Total: l.Total})
	return nil
}

func (s *Server) handleCaseCreate(w http.ResponseWriter, r *http.Request) error {
	var in loop.CaseInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Service.RegisterCase(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleCaseFigures(w http.ResponseWriter, r *http.Request) error {
	fig, err := s.Service.CaseFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fig)
	return nil
}

func (s *Server) handleCaseView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Service.FindCase(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleCaseUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in loop.CaseInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Service.UpdateCase(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleCaseTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		To    epiloop.CaseState `json:"to"`
		DocNo string            `json:"doc_no"`
		Note  string            `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := s.Service.TransitionCase(r.Context(), id, req.To, req.DocNo, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleCaseSuspectCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		epiloop.Person
		// Measure, when given, is the measure taken as the suspect came
		// into the case.
		Measure *epiloop.CaseMeasure `json:"measure"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sp, err := s.Service.AddSuspect(r.Context(), id, req.Person, req.Measure)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sp)
	return nil
}

// caseAndSuspect reads the case's and the suspect's ids.
func caseAndSuspect(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	sid, err := pathID(r, "suspect")
	return id, sid, err
}

func (s *Server) handleCaseMeasureCreate(w http.ResponseWriter, r *http.Request) error {
	id, sid, err := caseAndSuspect(r)
	if err != nil {
		return err
	}
	var m epiloop.CaseMeasure
	if err := decodeJSON(w, r, &m); err != nil {
		return err
	}
	out, err := s.Service.AddMeasure(r.Context(), id, sid, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleCaseSuspectReveal(w http.ResponseWriter, r *http.Request) error {
	id, sid, err := caseAndSuspect(r)
	if err != nil {
		return err
	}
	var req struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.Service.RevealSuspect(r.Context(), id, sid, req.Purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleCaseGoodsCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var g epiloop.CaseGoods
	if err := decodeJSON(w, r, &g); err != nil {
		return err
	}
	out, err := s.Service.AddGoods(r.Context(), id, g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleCaseCustodyCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var e epiloop.CustodyEntry
	if err := decodeJSON(w, r, &e); err != nil {
		return err
	}
	out, err := s.Service.RecordCustody(r.Context(), id, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleCaseCustodyVerify(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	chk, err := s.Service.VerifyCaseCustody(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, chk)
	return nil
}
