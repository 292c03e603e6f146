package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerObservationRoutes() {
	s.api("GET /api/v1/observations", epiloop.ActReadObs, s.handleObservationIndex)
	s.api("GET /api/v1/observations/{id}", epiloop.ActReadObs, s.handleObservationView)
	s.api("POST /api/v1/observations/{id}/checks", epiloop.ActCheckObs, s.handleObservationCheck)
	s.api("POST /api/v1/observations/{id}/release", epiloop.ActCheckObs, s.handleObservationRelease)
	s.api("POST /api/v1/observations/{id}/transfer", epiloop.ActCheckObs, s.handleObservationTransfer)
	s.api("POST /api/v1/observations/{id}/place", epiloop.ActPlaceObs, s.handleObservationPlace)
	s.api("GET /api/v1/sites", epiloop.ActSignedIn, s.handleSiteIndex)
	s.api("POST /api/v1/sites", epiloop.ActManageSites, s.handleSiteSave)
	s.api("GET /api/v1/stats/observations", epiloop.ActSignedIn, s.handleStatsObservations)
}

func (s *Server) handleObservationIndex(w http.ResponseWriter, r *http.Request) error {
	var f epiloop.ObservationFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("status"); v != "" {
		st := epiloop.ObservationStatus(v)
		if !st.Valid() {
			return epiloop.FieldError("status", "err.status_must_pending_active_released")
		}
		f.Status = &st
	}
	if v := q.Get("kind"); v != "" {
		k := epiloop.ObservationKind(v)
		if !k.Valid() {
			return epiloop.FieldError("kind", "err.kind_must_home_central_new")
		}
		f.Kind = &k
	}
	if v := q.Get("unit"); v != "" {
		f.Unit = &v
	}
	if x, err := wantXLSX(r); err != nil {
		return err
	} else if x {
		return s.exportObservations(w, r, pickLang(r), f)
	}
	os, total, err := s.Service.FindObservations(r.Context(), f)
	if err != nil {
		return err
	}
	out := list[*epiloop.Observation]{Items: os, Total: total}
	if out.Items == nil {
		out.Items = []*epiloop.Observation{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleObservationView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Service.FindObservation(r.Context(), id)
	if err != nil {
		return err
	}
	if v.Checks == nil {
		v.Checks = []*epiloop.ObservationCheck{}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleObservationCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Temperature *float64 `json:"temperature"`
		Symptoms    bool     `json:"symptoms"`
		Present     *bool    `json:"present"`
		Note        string   `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.Service.SubmitCheck(r.Context(), id, loop.CheckInput{
		Temperature: req.Temperature, Symptoms: req.Symptoms, Present: req.Present, Note: req.Note,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) handleObservationRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	o, err := s.Service.ReleaseObservation(r.Context(), id, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) handleObservationTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Hospital string `json:"hospital"`
		Note     string `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.Service.TransferObservation(r.Context(), id, req.Hospital, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) handleObservationPlace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Site     string `json:"site"`
		Override bool   `json:"override"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.Service.PlaceObservation(r.Context(), id, req.Site, req.Override)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) handleSiteIndex(w http.ResponseWriter, r *http.Request) error {
	sites, err := s.Service.FindSites(r.Context())
	if err != nil {
		return err
	}
	out := list[epiloop.Site]{Items: sites, Total: len(sites)}
	if out.Items == nil {
		out.Items = []epiloop.Site{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleSiteSave(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		District string `json:"district"`
		Address  string `json:"address"`
		Capacity int    `json:"capacity"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ss := []epiloop.Site{{Code: req.Code, Name: req.Name, DistrictCode: req.District, Address: req.Address, Capacity: req.Capacity}}
	if err := s.Service.SaveSites(r.Context(), ss); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ss[0])
	return nil
}

func (s *Server) handleStatsObservations(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Service.StatsOfObservations(r.Context())
	if err != nil {
		return err
	}
	if st.Sites == nil {
		st.Sites = []epiloop.Site{}
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
