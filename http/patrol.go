package http

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Patrols, drone sorties and incident statistics over the API.

func (s *Server) registerPatrolRoutes() {
	s.api("GET /api/v1/patrols", epiloop.ActReadPatrolLogs, s.handlePatrolIndex)
	s.api("POST /api/v1/patrols", epiloop.ActLogPatrol, s.handlePatrolCreate)
	s.api("POST /api/v1/patrols/{id}/correct", epiloop.ActLogPatrol, s.handlePatrolCorrect)
	s.api("POST /api/v1/patrols/{id}/void", epiloop.ActLogPatrol, s.handlePatrolVoid)
	s.api("GET /api/v1/patrols/totals", epiloop.ActReadPatrols, s.handlePatrolTotals)
	s.api("GET /api/v1/sorties", epiloop.ActReadPatrolLogs, s.handleSortieIndex)
	s.api("POST /api/v1/sorties", epiloop.ActLogPatrol, s.handleSortieCreate)
	s.api("POST /api/v1/sorties/{id}/correct", epiloop.ActLogPatrol, s.handleSortieCorrect)
	s.api("POST /api/v1/sorties/{id}/void", epiloop.ActLogPatrol, s.handleSortieVoid)
	s.api("GET /api/v1/incidents", epiloop.ActReadPatrols, s.handleIncidentIndex)
	s.api("POST /api/v1/incidents", epiloop.ActEnterIncidents, s.handleIncidentEnter)
	s.api("POST /api/v1/incidents/import", epiloop.ActEnterIncidents, s.handleIncidentImport)
}

// patrolFilter reads district, unit, from and to (civil dates, both
// included: the start's day), voided and paging.
func patrolFilter(r *http.Request) (epiloop.PatrolFilter, error) {
	var f epiloop.PatrolFilter
	q := r.URL.Query()
	if v := q.Get("district"); v != "" {
		f.District = &v
	}
	if v := q.Get("unit"); v != "" {
		f.Unit = &v
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := q.Get(d.name); v != "" {
			if epiloop.AddDays(v, 0) == "" {
				return f, epiloop.FieldError(d.name, "err.incident_date")
			}
			*d.dst = epiloop.CivilMidnight(epiloop.AddDays(v, d.add))
		}
	}
	var err error
	if f.Voided, err = queryFlag(r, "voided", "err.patrol_voided_true_or_false"); err != nil {
		return f, err
	}
	f.Offset, f.Limit, err = paging(r)
	return f, err
}

func (s *Server) handlePatrolIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := patrolFilter(r)
	if err != nil {
		return err
	}
	ps, total, err := s.Service.FindPatrolLogs(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.PatrolLog]{Items: ps, Total: total})
	return nil
}

// patrolRequest is a patrol as the API takes it (times RFC 3339).
type patrolRequest struct {
	Unit     string   `json:"unit"`
	District string   `json:"district"`
	Officers []string `json:"officers"`
	Vehicles []string `json:"vehicles"`
	Area     string   `json:"area"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Reason   string   `json:"reason"`
}

// apiTime reads an RFC 3339 time of field ("" is the zero time: the
// domain says it is required).
func apiTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, epiloop.FieldError(field, "err.patrol_time")
	}
	return t.UTC(), nil
}

func (req *patrolRequest) log() (epiloop.PatrolLog, error) {
	p := epiloop.PatrolLog{UnitCode: req.Unit, DistrictCode: req.District, Officers: req.Officers,
		Vehicles: req.Vehicles, Area: req.Area}
	var err error
	if p.Start, err = apiTime("start", req.Start); err != nil {
		return p, err
	}
	p.End, err = apiTime("end", req.End)
	return p, err
}

func (s *Server) handlePatrolCreate(w http.ResponseWriter, r *http.Request) error {
	var req patrolRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := req.log()
	if err != nil {
		return err
	}
	out, err := s.Service.LogPatrol(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handlePatrolCorrect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req patrolRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := req.log()
	if err != nil {
		return err
	}
	out, err := s.Service.CorrectPatrol(r.Context(), id, p, false, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// voidRequest is the optional reason of a void.
type voidRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handlePatrolVoid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req voidRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	out, err := s.Service.CorrectPatrol(r.Context(), id, epiloop.PatrolLog{}, true, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// dayRange reads from and to (civil dates; today by default).
func (s *Server) dayRange(r *http.Request) (from, to string) {
	today := epiloop.CivilDate(s.Service.Clock.Now())
	from, to = r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" && to == "" {
		return today, today
	}
	if from == "" {
		from = to
	}
	if to == "" {
		to = from
	}
	return from, to
}

func (s *Server) handlePatrolTotals(w http.ResponseWriter, r *http.Request) error {
	from, to := s.dayRange(r)
	v, err := s.Service.PatrolTotals(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleSortieIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := patrolFilter(r)
	if err != nil {
		return err
	}
	ss, total, err := s.Service.FindDroneSorties(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.DroneSortie]{Items: ss, Total: total})
	return nil
}

// sortieRequest is a sortie as the API takes it.
type sortieRequest struct {
	Unit     string `json:"unit"`
	District string `json:"district"`
	Pilot    string `json:"pilot"`
	Drone    string `json:"drone"`
	Area     string `json:"area"`
	Start    string `json:"start"`
	Minutes  int    `json:"minutes"`
	Reason   string `json:"reason"`
}

func (req *sortieRequest) sortie() (epiloop.DroneSortie, error) {
	d := epiloop.DroneSortie{UnitCode: req.Unit, DistrictCode: req.District, Pilot: req.Pilot, Drone: req.Drone,
		Area: req.Area, Minutes: req.Minutes}
	var err error
	d.Start, err = apiTime("start", req.Start)
	return d, err
}

func (s *Server) handleSortieCreate(w http.ResponseWriter, r *http.Request) error {
	var req sortieRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	d, err := req.sortie()
	if err != nil {
		return err
	}
	out, err := s.Service.LogSortie(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleSortieCorrect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req sortieRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	d, err := req.sortie()
	if err != nil {
		return err
	}
	out, err := s.Service.CorrectSortie(r.Context(), id, d, false, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleSortieVoid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req voidRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	out, err := s.Service.CorrectSortie(r.Context(), id, epiloop.DroneSortie{}, true, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleIncidentIndex(w http.ResponseWriter, r *http.Request) error {
	from, to := s.dayRange(r)
	t, err := s.Service.Incidents(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// incidentRequest is a district's counts of a day.
type incidentRequest struct {
	District    string `json:"district"`
	Date        string `json:"date"`
	PublicOrder *int64 `json:"public_order"`
	Criminal    *int64 `json:"criminal"`
}

func (s *Server) handleIncidentEnter(w http.ResponseWriter, r *http.Request) error {
	var req incidentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st := epiloop.IncidentStat{DistrictCode: req.District, Date: req.Date}
	for _, f := range []struct {
		name string
		v    *int64
		dst  *int64
	}{{"public_order", req.PublicOrder, &st.PublicOrder}, {"criminal", req.Criminal, &st.Criminal}} {
		if f.v == nil {
			return epiloop.FieldError(f.name, "err.incident_count", epiloop.MaxIncidentCount)
		}
		*f.dst = *f.v
	}
	out, err := s.Service.EnterIncidents(r.Context(), st)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// MaxIncidentUploadBytes bounds an incident table upload: a few
// thousand rows.
const MaxIncidentUploadBytes = 4 << 20

// incidentUpload reads the multipart form's one file into memory.
func incidentUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxIncidentUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, epiloop.Errorf(epiloop.EINVALID, "err.send_file_as_multipart_form")
	}
	var file []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.file_too_large_at_most", MaxIncidentUploadBytes>>20)
		} else if err != nil {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.upload_could_not_read")
		}
		if part.FormName() != "file" {
			return nil, epiloop.FieldError(part.FormName(), "err.unknown_form_field")
		}
		if file != nil {
			return nil, epiloop.FieldError("file", "err.send_one_file")
		}
		if file, err = io.ReadAll(part); err != nil {
			if errors.As(err, &big) {
				return nil, epiloop.Errorf(epiloop.EINVALID, "err.file_too_large_at_most", MaxIncidentUploadBytes>>20)
			}
			return nil, epiloop.FieldError("file", "err.upload_was_cut_short_or")
		}
	}
	if file == nil {
		return nil, epiloop.FieldError("file", "err.file_required")
	}
	return file, nil
}

// incidentRejectJSON is a reject as the API shows it.
type incidentRejectJSON struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// incidentImportJSON is an import's outcome as the API shows it.
type incidentImportJSON struct {
	Changed   int                  `json:"changed"`
	Unchanged int                  `json:"unchanged"`
	Rejects   []incidentRejectJSON `json:"rejects"`
}

func importJSONOf(res *loop.IncidentImport, lang string) incidentImportJSON {
	out := incidentImportJSON{Changed: res.Changed, Unchanged: res.Unchanged, Rejects: []incidentRejectJSON{}}
	for _, rj := range res.Rejects {
		out.Rejects = append(out.Rejects, incidentRejectJSON{Row: rj.Row, Field: epiloop.ErrorField(rj.Err),
			Message: epiloop.ErrorText(rj.Err, lang)})
	}
	return out
}

func (s *Server) handleIncidentImport(w http.ResponseWriter, r *http.Request) error {
	file, err := incidentUpload(w, r)
	if err != nil {
		return err
	}
	res, err := s.Service.ImportIncidents(r.Context(), bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, importJSONOf(res, pickLang(r)))
	return nil
}
