package http

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/epiloop/epiloop"
)

// Places, inspections, rectifications and deployments over the API.

func (s *Server) registerPlaceRoutes() {
	s.api("GET /api/v1/places", epiloop.ActReadPlaces, s.handlePlaceIndex)
	s.api("POST /api/v1/places", epiloop.ActManagePlaces, s.handlePlaceSave)
	s.api("POST /api/v1/places/import", epiloop.ActManagePlaces, s.handlePlaceImport)
	s.api("GET /api/v1/places/figures", epiloop.ActSignedIn, s.handlePlaceFigures)
	s.api("GET /api/v1/places/{code}", epiloop.ActReadPlaces, s.handlePlaceView)
	s.api("POST /api/v1/places/{code}/close", epiloop.ActManagePlaces, s.handlePlaceClose)
	s.api("POST /api/v1/places/{code}/reopen", epiloop.ActManagePlaces, s.handlePlaceReopen)
	s.api("POST /api/v1/places/{code}/deployments", epiloop.ActDeploy, s.handleDeploymentCreate)
	s.api("POST /api/v1/inspections", epiloop.ActInspect, s.handleInspectionCreate)
	s.api("GET /api/v1/rectifications", epiloop.ActReadPlaces, s.handleRectificationIndex)
	s.api("GET /api/v1/rectifications/{id}", epiloop.ActReadPlaces, s.handleRectificationView)
	s.api("POST /api/v1/rectifications/{id}/fixed", epiloop.ActRectify, s.handleRectificationFixed)
	s.api("GET /api/v1/deployments", epiloop.ActReadDeployments, s.handleDeploymentIndex)
	s.api("GET /api/v1/deployments/{id}", epiloop.ActReadDeployments, s.handleDeploymentView)
	s.api("POST /api/v1/deployments/{id}/approve", epiloop.ActApproveDeploy, s.deploymentStep(epiloop.DeployApprove))
	s.api("POST /api/v1/deployments/{id}/check-in", epiloop.ActDeploy, s.deploymentStep(epiloop.DeployCheckIn))
	s.api("POST /api/v1/deployments/{id}/end", epiloop.ActDeploy, s.deploymentStep(epiloop.DeployEnd))
}

// placeFilter reads kind, state and district.
func placeFilter(r *http.Request) (epiloop.PlaceFilter, error) {
	var f epiloop.PlaceFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("kind"); v != "" {
		k := epiloop.PlaceKind(v)
		if !k.Valid() {
			return f, epiloop.FieldError("kind", "err.place_kind")
		}
		f.Kind = &k
	}
	if v := q.Get("state"); v != "" {
		st := epiloop.GatheringState(v)
		if st != epiloop.GatheringOpen && st != epiloop.GatheringClosed && st != epiloop.GatheringReopened {
			return f, epiloop.FieldError("state", "err.place_state")
		}
		f.State = &st
	}
	if v := q.Get("district"); v != "" {
		f.District = &v
	}
	return f, nil
}

func (s *Server) handlePlaceIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := placeFilter(r)
	if err != nil {
		return err
	}
	ps, total, err := s.Service.FindPlaces(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Place]{Items: ps, Total: total})
	return nil
}

func (s *Server) handlePlaceSave(w http.ResponseWriter, r *http.Request) error {
	var p epiloop.Place
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	created, err := s.Service.SavePlace(r.Context(), &p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, p)
	return nil
}

// MaxPlaceUploadBytes bounds a register of places.
const MaxPlaceUploadBytes = 16 << 20

// placeRejectJSON is a rejected row of a register.
type placeRejectJSON struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

type placeImportJSON struct {
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Rejected []placeRejectJSON `json:"rejected"`
}

// importPlaces reads the uploaded register (form field "file") and imports
// it.
func (s *Server) importPlaces(w http.ResponseWriter, r *http.Request) (*placeImportJSON, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxPlaceUploadBytes)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.file_too_large_at_most", MaxPlaceUploadBytes>>20)
		}
		return nil, epiloop.Errorf(epiloop.EINVALID, "err.send_file_as_multipart_form")
	}
	defer file.Close()
	res, err := s.Service.ImportPlaces(r.Context(), file, hdr.Size)
	if err != nil {
		return nil, err
	}
	lang := pickLang(r)
	out := &placeImportJSON{Created: res.Created, Updated: res.Updated, Rejected: []placeRejectJSON{}}
	for _, rj := range res.Rejected {
		out.Rejected = append(out.Rejected, placeRejectJSON{Row: rj.Row, Field: rj.Err.Field, Message: rj.Err.Text(lang)})
	}
	return out, nil
}

func (s *Server) handlePlaceImport(w http.ResponseWriter, r *http.Request) error {
	out, err := s.importPlaces(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handlePlaceFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.Service.PlaceFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) handlePlaceView(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Service.FindPlace(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handlePlaceClose(w http.ResponseWriter, r *http.Request) error {
	var o epiloop.ClosureOrder
	if err := decodeJSON(w, r, &o); err != nil {
		return err
	}
	p, err := s.Service.TransitionPlace(r.Context(), r.PathValue("code"), epiloop.GatheringClose, &o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handlePlaceReopen(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Service.TransitionPlace(r.Context(), r.PathValue("code"), epiloop.GatheringReopen, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// inspectionRequest is an inspection of a place (by code).
type inspectionRequest struct {
	Place string `json:"place"`
	epiloop.Inspection
}

func (s *Server) handleInspectionCreate(w http.ResponseWriter, r *http.Request) error {
	var req inspectionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Place == "" {
		return epiloop.FieldError("place", "err.place_not_found")
	}
	res, err := s.Service.RecordInspection(r.Context(), req.Place, req.Inspection)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) handleRectificationIndex(w http.ResponseWriter, r *http.Request) error {
	offset, limit, err := paging(r)
	if err != nil {
		return err
	}
	open, err := queryFlag(r, "open", "err.handover_open_true_or_false")
	if err != nil {
		return err
	}
	rs, total, err := s.Service.FindRectifications(r.Context(), open, offset, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Rectification]{Items: rs, Total: total})
	return nil
}

func (s *Server) handleRectificationView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rc, err := s.Service.FindRectification(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}

func (s *Server) handleRectificationFixed(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	rc, err := s.Service.ReportFixed(r.Context(), id, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}

// deploymentFilter reads place (an id) and state.
func deploymentFilter(r *http.Request) (epiloop.DeploymentFilter, error) {
	var f epiloop.DeploymentFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("place"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, epiloop.FieldError("place", "err.place_not_found")
		}
		f.PlaceID = &id
	}
	if v := q.Get("state"); v != "" {
		st := epiloop.DeploymentState(v)
		valid := false
		for _, x := range epiloop.DeploymentStates {
			valid = valid || x == st
		}
		if !valid {
			return f, epiloop.FieldError("state", "err.deployment_state")
		}
		f.State = &st
	}
	return f, nil
}

func (s *Server) handleDeploymentIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := deploymentFilter(r)
	if err != nil {
		return err
	}
	ds, total, err := s.Service.FindDeployments(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Deployment]{Items: ds, Total: total})
	return nil
}

func (s *Server) handleDeploymentView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.Service.FindDeployment(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleDeploymentCreate(w http.ResponseWriter, r *http.Request) error {
	var d epiloop.Deployment
	if err := decodeJSON(w, r, &d); err != nil {
		return err
	}
	out, err := s.Service.RequestDeployment(r.Context(), r.PathValue("code"), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// deploymentStep serves one transition of a deployment.
func (s *Server) deploymentStep(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		d, err := s.Service.StepDeployment(r.Context(), id, action)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}
