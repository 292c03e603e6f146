package http

import (
	"context"
	"net/http"
	"os"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Volunteers (群防群治) over the API: the pool, registration, status,
// vetting, the audited reveal, assignment to duty slots with check-in and
// check-out, and the import of volunteer lists (the import endpoints'
// shape). No route here carries lead data.

func (s *Server) registerVolunteerRoutes() {
	s.api("GET /api/v1/volunteers", epiloop.ActReadVolunteers, s.handleVolunteerIndex)
	s.api("POST /api/v1/volunteers", epiloop.ActRegisterVolunteers, s.handleVolunteerCreate)
	s.api("GET /api/v1/volunteers/figures", epiloop.ActDashboard, s.handleVolunteerFigures)
	s.api("GET /api/v1/volunteers/{id}", epiloop.ActReadVolunteers, s.handleVolunteerView)
	s.api("PATCH /api/v1/volunteers/{id}", epiloop.ActRegisterVolunteers, s.handleVolunteerUpdate)
	s.api("POST /api/v1/volunteers/{id}/status", epiloop.ActRegisterVolunteers, s.handleVolunteerStatus)
	s.api("POST /api/v1/volunteers/{id}/vet", epiloop.ActVetVolunteers, s.handleVolunteerVet)
	s.api("POST /api/v1/volunteers/{id}/reveal", epiloop.ActReveal, s.handleVolunteerReveal)
	s.api("POST /api/v1/volunteers/{id}/assignments", epiloop.ActAssignVolunteers, s.handleVolunteerAssign)
	s.api("POST /api/v1/volunteers/{id}/assignments/{slot}/check-in", epiloop.ActAssignVolunteers, s.handleVolunteerCheckIn)
	s.api("POST /api/v1/volunteers/{id}/assignments/{slot}/check-out", epiloop.ActAssignVolunteers, s.handleVolunteerCheckOut)
	s.api("POST /api/v1/volunteers/imports", epiloop.ActRegisterVolunteers, s.handleVolunteerImportCreate)
	s.api("GET /api/v1/volunteers/imports/{id}", epiloop.ActRegisterVolunteers, s.handleVolunteerImportView)
	s.api("GET /api/v1/volunteers/imports/{id}/rejects", epiloop.ActRegisterVolunteers, s.handleVolunteerImportRejects)
}

// volunteerFilter reads community, team, status, vetting, skill and the
// paging of a pool's list.
func volunteerFilter(r *http.Request) (epiloop.VolunteerFilter, error) {
	var f epiloop.VolunteerFilter
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("community")); v != "" {
		f.Community = &v
	}
	if v := epiloop.NormalizeSpace(q.Get("team")); v != "" {
		f.Team = &v
	}
	if v := q.Get("status"); v != "" {
		st := epiloop.VolunteerStatus(v)
		if !st.Valid() {
			return f, epiloop.FieldError("status", "err.volunteer_status_unknown")
		}
		f.Status = &st
	}
	if v := q.Get("vetting"); v != "" {
		vt := epiloop.Vetting(v)
		if !vt.Valid() {
			return f, epiloop.FieldError("vetting", "err.volunteer_vetting_unknown")
		}
		f.Vetting = &vt
	}
	if v := q.Get("skill"); v != "" {
		sk := epiloop.Skill(v)
		if epiloop.SkillBit(sk) == 0 {
			return f, epiloop.FieldError("skill", "err.volunteer_skill_unknown", epiloop.SkillList())
		}
		f.Skill = &sk
	}
	var err error
	f.Offset, f.Limit, err = paging(r)
	return f, err
}

// volunteerPoolResponse is one page of a pool with the selection's
// figures.
type volunteerPoolResponse struct {
	Items   []epiloop.Volunteer    `json:"items"`
	Total   int                    `json:"total"`
	Tally   epiloop.VolunteerTally `json:"tally"`
	Figures map[string]int64       `json:"figures"`
}

func (s *Server) handleVolunteerIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := volunteerFilter(r)
	if err != nil {
		return err
	}
	p, err := s.Service.FindVolunteers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, volunteerPoolResponse{Items: p.Volunteers, Total: p.Total, Tally: p.Tally, Figures: p.Figures})
	return nil
}

// volunteerRequest registers a volunteer.
type volunteerRequest struct {
	Name         string          `json:"name"`
	IDNumber     string          `json:"id_number"`
	Phone        string          `json:"phone"`
	Community    string          `json:"community"`
	Team         string          `json:"team"`
	Skills       []epiloop.Skill `json:"skills"`
	Availability string          `json:"availability"`
}

func (req *volunteerRequest) volunteer() *epiloop.Volunteer {
	return &epiloop.Volunteer{Person: epiloop.Person{Name: req.Name, IDNumber: req.IDNumber, Phone: req.Phone},
		CommunityCode: strings.TrimSpace(req.Community), Team: req.Team, Skills: req.Skills, Availability: req.Availability}
}

func (s *Server) handleVolunteerCreate(w http.ResponseWriter, r *http.Request) error {
	var req volunteerRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.Service.RegisterVolunteer(r.Context(), req.volunteer())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) handleVolunteerView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Service.FindVolunteer(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleVolunteerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var up loop.VolunteerUpdate
	if err := decodeJSON(w, r, &up); err != nil {
		return err
	}
	up.Status = nil // the status moves through its own route
	v, err := s.Service.UpdateVolunteer(r.Context(), id, up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleVolunteerStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Status epiloop.VolunteerStatus `json:"status"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.Service.UpdateVolunteer(r.Context(), id, loop.VolunteerUpdate{Status: &req.Status})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleVolunteerVet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Vetting epiloop.Vetting `json:"vetting"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.Service.VetVolunteer(r.Context(), id, req.Vetting)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleVolunteerReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Purpose string `json:"purpose"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.Service.RevealVolunteer(r.Context(), id, req.Purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleVolunteerAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		SlotID int64 `json:"slot_id"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.SlotID <= 0 {
		return epiloop.FieldError("slot_id", "err.duty_slot_not_found")
	}
	a, err := s.Service.AssignVolunteer(r.Context(), id, req.SlotID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) handleVolunteerCheckIn(w http.ResponseWriter, r *http.Request) error {
	return s.volunteerCheck(w, r, s.Service.CheckInVolunteer)
}

func (s *Server) handleVolunteerCheckOut(w http.ResponseWriter, r *http.Request) error {
	return s.volunteerCheck(w, r, s.Service.CheckOutVolunteer)
}

func (s *Server) volunteerCheck(w http.ResponseWriter, r *http.Request,
	fn func(ctx context.Context, id, slot int64) (*epiloop.VolunteerAssignment, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	slot, err := pathID(r, "slot")
	if err != nil {
		return err
	}
	a, err := fn(r.Context(), id, slot)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) handleVolunteerFigures(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.Service.VolunteerFigures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[loop.VolunteerDistrictRow]{Items: rows, Total: len(rows)})
	return nil
}

// handleVolunteerImportCreate starts a volunteer list's import into the
// caller's pool in the background and answers 202 with it; the same list
// imported before answers 200 with it (nothing changes).
func (s *Server) handleVolunteerImportCreate(w http.ResponseWriter, r *http.Request) error {
	im, started, err := s.startVolunteerImport(w, r)
	if err != nil {
		return err
	}
	if !started {
		writeJSON(w, http.StatusOK, importResponse{Import: im})
		return nil
	}
	writeJSON(w, http.StatusAccepted, s.importJSON(im))
	return nil
}

// startVolunteerImport uploads a volunteer list and starts its import;
// started is false when it was done before.
func (s *Server) startVolunteerImport(w http.ResponseWriter, r *http.Request) (*epiloop.Import, bool, error) {
	rd, tmp, opts, err := s.uploadAs(w, r, epiloop.SourceOther)
	if err != nil {
		return nil, false, err
	}
	info := rd.Info()
	lopts := loop.ImportOptions{Name: opts.File, Fingerprint: info.SHA256, Ref: opts.Ref,
		Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers()}
	im, done, err := s.Service.StartVolunteerImport(r.Context(), lopts)
	if err != nil || done {
		rd.Close()
		os.Remove(tmp)
		return im, false, err
	}
	u := epiloop.UserFromContext(r.Context())
	err = s.Service.RunVolunteerImportInBackground(epiloop.NewContextWithUser(s.baseCtx, u), im, rd, tmp, lopts)
	return im, err == nil, err
}

func (s *Server) handleVolunteerImportView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := s.Service.FindVolunteerImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.importJSON(im))
	return nil
}

func (s *Server) handleVolunteerImportRejects(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := s.Service.FindVolunteerImport(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeRejects(w, r, im)
}
