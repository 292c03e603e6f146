package http

import (
	"net/http"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerCheckpointRoutes() {
	s.api("GET /api/v1/checkpoints", epiloop.ActSignedIn, s.handleCheckpointIndex)
	s.api("POST /api/v1/checkpoints", epiloop.ActManageCheck, s.handleCheckpointSave)
	s.api("POST /api/v1/checkpoints/{code}/screenings", epiloop.ActScreen, s.handleScreeningCreate)
	s.api("GET /api/v1/checkpoints/{code}/screenings", epiloop.ActReadScreen, s.handleScreeningIndex)
	s.api("GET /api/v1/risk-areas", epiloop.ActSignedIn, s.handleRiskAreaIndex)
	s.api("POST /api/v1/risk-areas", epiloop.ActManageRisk, s.handleRiskAreaCreate)
	s.api("GET /api/v1/stats/checkpoints", epiloop.ActSignedIn, s.handleStatsCheckpoints)
}

func (s *Server) handleCheckpointIndex(w http.ResponseWriter, r *http.Request) error {
	var f epiloop.CheckpointFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("kind"); v != "" {
		k := epiloop.CheckpointKind(v)
		if !k.Valid() {
			return epiloop.FieldError("kind", "err.kind_must_road_rail_air")
		}
		f.Kind = &k
	}
	if v := q.Get("district"); v != "" {
		f.District = &v
	}
	cks, total, err := s.Service.FindCheckpoints(r.Context(), f)
	if err != nil {
		return err
	}
	out := list[epiloop.Checkpoint]{Items: cks, Total: total}
	if out.Items == nil {
		out.Items = []epiloop.Checkpoint{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCheckpointSave(w http.ResponseWriter, r *http.Request) error {
	var req epiloop.Checkpoint
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	cs := []epiloop.Checkpoint{req}
	if err := s.Service.SaveCheckpoints(r.Context(), cs); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cs[0])
	return nil
}

// screeningRequest is a crossing as the gate's page or device sends it.
type screeningRequest struct {
	Time      string            `json:"time"`
	Direction epiloop.Direction `json:"direction"`
	Plate     string            `json:"plate"`
	Train     string            `json:"train"`
	Carriage  string            `json:"carriage"`
	Occupants []occupantRequest `json:"occupants"`
}

type occupantRequest struct {
	IDNumber    string   `json:"id_number"`
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
	Origin      string   `json:"origin"`
	Destination string   `json:"destination"`
	Temperature *float64 `json:"temperature"`
	Symptoms    bool     `json:"symptoms"`
}

func (req *screeningRequest) input() (loop.ScreeningInput, error) {
	in := loop.ScreeningInput{Direction: req.Direction, Plate: req.Plate, Train: req.Train, Carriage: req.Carriage}
	if req.Time != "" {
		t, err := time.Parse(time.RFC3339, req.Time)
		if err != nil {
			return in, epiloop.FieldError("time", "err.time_must_rfc_3339_e")
		}
		in.Time = t
	}
	for _, o := range req.Occupants {
		in.Occupants = append(in.Occupants, loop.OccupantInput{
			Person:      epiloop.Person{IDNumber: o.IDNumber, Name: o.Name, Phone: o.Phone},
			Origin:      o.Origin,
			Destination: o.Destination,
			Temperature: o.Temperature,
			Symptoms:    o.Symptoms,
		})
	}
	return in, nil
}

// screeningResult is what the officer at the gate reads back: per
// occupant, what happened.
type screeningResult struct {
	ID          int64            `json:"id"`
	Checkpoint  string           `json:"checkpoint"`
	Time        time.Time        `json:"time"`
	RiskVersion int64            `json:"risk_version"`
	Occupants   []occupantResult `json:"occupants"`
}

type occupantResult struct {
	Seq      int              `json:"seq"`
	Decision epiloop.Decision `json:"decision"`
	LeadID   *int64           `json:"lead_id"`
	Message  string           `json:"message"`
}

func (s *Server) handleScreeningCreate(w http.ResponseWriter, r *http.Request) error {
	var req screeningRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	sc, err := s.Service.Screen(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	out := screeningResult{ID: sc.ID, Checkpoint: sc.CheckpointCode, Time: sc.Time, RiskVersion: sc.RiskVersion,
		Occupants: make([]occupantResult, 0, len(sc.Occupants))}
	for _, o := range sc.Occupants {
		res := occupantResult{Seq: o.Seq, Decision: o.Decision, Message: o.Decision.Text(pickLang(r))}
		if o.LeadID != 0 {
			id := o.LeadID
			res.LeadID = &id
		}
		out.Occupants = append(out.Occupants, res)
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// screeningJSON is a screening in a checkpoint's list.
type screeningJSON struct {
	*epiloop.Screening
	Occupants []occupantJSON `json:"occupants"`
}

type occupantJSON struct {
	*epiloop.Occupant
	Message string `json:"message"`
}

func (s *Server) handleScreeningIndex(w http.ResponseWriter, r *http.Request) error {
	offset, limit, err := paging(r)
	if err != nil {
		return err
	}
	if x, err := wantXLSX(r); err != nil {
		return err
	} else if x {
		return s.exportScreenings(w, r, pickLang(r), r.PathValue("code"))
	}
	ss, total, err := s.Service.FindScreenings(r.Context(), r.PathValue("code"), offset, limit)
	if err != nil {
		return err
	}
	out := list[screeningJSON]{Items: make([]screeningJSON, 0, len(ss)), Total: total}
	for _, sc := range ss {
		sj := screeningJSON{Screening: sc, Occupants: make([]occupantJSON, 0, len(sc.Occupants))}
		for _, o := range sc.Occupants {
			sj.Occupants = append(sj.Occupants, occupantJSON{Occupant: o, Message: o.Decision.Text(pickLang(r))})
		}
		out.Items = append(out.Items, sj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// riskAreaList is the list in force with its version, or with history
// every version ever made.
type riskAreaList struct {
	Items   []epiloop.RiskArea `json:"items"`
	Total   int                `json:"total"`
	Version int64              `json:"version,omitempty"`
}

func (s *Server) handleRiskAreaIndex(w http.ResponseWriter, r *http.Request) error {
	offset, limit, err := paging(r)
	if err != nil {
		return err
	}
	out := riskAreaList{}
	switch r.URL.Query().Get("history") {
	case "true", "1":
		if out.Items, out.Total, err = s.Service.RiskAreaHistory(r.Context(), offset, limit); err != nil {
			return err
		}
	case "", "false", "0":
		set, err := s.Service.RiskAreaSet(r.Context())
		if err != nil {
			return err
		}
		out.Items, out.Total, out.Version = set.Areas, len(set.Areas), set.Version
	default:
		return epiloop.FieldError("history", "err.history_must_true_or_false")
	}
	if out.Items == nil {
		out.Items = []epiloop.RiskArea{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleRiskAreaCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Code  string            `json:"code"`
		Level epiloop.RiskLevel `json:"level"`
		From  string            `json:"from"`
		To    string            `json:"to"`
		Note  string            `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.Service.AddRiskArea(r.Context(), loop.RiskAreaInput{Code: req.Code, Level: req.Level, From: req.From, To: req.To, Note: req.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// checkpointStats is the throughput of the caller's checkpoints on one
// day, with totals over them.
// checkpointStats answers /stats/checkpoints: Totals are the civil day's
// (China Standard Time), AllTime since each checkpoint opened.
type checkpointStats struct {
	Date    string                 `json:"date"`
	Totals  map[string]int64       `json:"totals"`
	AllTime map[string]int64       `json:"all_time"`
	Items   []loop.CheckpointStats `json:"items"`
}

func (s *Server) handleStatsCheckpoints(w http.ResponseWriter, r *http.Request) error {
	date := r.URL.Query().Get("date")
	if date != "" {
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return epiloop.FieldError("date", "err.date_must_yyyy_mm_dd")
		}
	} else {
		date = epiloop.CivilDate(s.Service.Clock.Now())
	}
	items, err := s.Service.StatsOfCheckpoints(r.Context(), date)
	if err != nil {
		return err
	}
	out := checkpointStats{Date: date, Totals: map[string]int64{}, AllTime: map[string]int64{}, Items: items}
	for _, m := range epiloop.CheckpointMetrics {
		out.Totals[m], out.AllTime[m] = 0, 0
	}
	for _, it := range items {
		for m, n := range it.Totals {
			out.Totals[m] += n
		}
		for m, n := range it.AllTime {
			out.AllTime[m] += n
		}
	}
	if out.Items == nil {
		out.Items = []loop.CheckpointStats{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
