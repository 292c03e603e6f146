package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The shift hand-over (交接班) and the duty inbox over the API.

func (s *Server) registerHandoverRoutes() {
	s.api("GET /api/v1/duty/handovers", epiloop.ActReadCommand, s.handleHandoverIndex)
	s.api("GET /api/v1/duty/handovers/mine", epiloop.ActCheckIn, s.handleHandoverMine)
	s.api("POST /api/v1/duty/posts/{id}/handover", epiloop.ActCheckIn, s.handleHandoverConfirm)
	s.api("GET /api/v1/duty/inbox", epiloop.ActReadCommand, s.handleDutyInbox)
	s.api("POST /api/v1/duty/inbox/{id}/done", epiloop.ActReadCommand, s.handleDutyItemDone)
}

// handoverFilter reads node, post, from, to (as slotFilter) and open.
func handoverFilter(r *http.Request) (epiloop.HandoverFilter, error) {
	sf, err := slotFilter(r)
	if err != nil {
		return epiloop.HandoverFilter{}, err
	}
	f := epiloop.HandoverFilter{Node: sf.Node, Post: sf.Post, From: sf.From, To: sf.To, Limit: sf.Limit}
	f.Open, err = queryFlag(r, "open", "err.handover_open_true_or_false")
	return f, err
}

func (s *Server) handleHandoverIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := handoverFilter(r)
	if err != nil {
		return err
	}
	hs, err := s.Service.FindHandovers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.Handover]{Items: hs, Total: len(hs)})
	return nil
}

func (s *Server) handleHandoverMine(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.Service.MyHandovers(r.Context())
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []loop.HandoverView{}
	}
	writeJSON(w, http.StatusOK, list[loop.HandoverView]{Items: hs, Total: len(hs)})
	return nil
}

// handoverRequest is one side of a hand-over: the boundary (RFC 3339) and
// the figures handed over.
type handoverRequest struct {
	Boundary      string `json:"boundary"`
	OpenConflicts *int   `json:"open_conflicts"`
	OverdueTasks  *int   `json:"overdue_tasks"`
	Alerts        *int   `json:"alerts"`
	Note          string `json:"note"`
}

func (req *handoverRequest) report() (time.Time, epiloop.HandoverReport, error) {
	b, err := time.Parse(time.RFC3339, req.Boundary)
	if err != nil {
		return b, epiloop.HandoverReport{}, epiloop.FieldError("boundary", "err.duty_time")
	}
	return b, epiloop.HandoverReport{OpenConflicts: req.OpenConflicts, OverdueTasks: req.OverdueTasks,
		Alerts: req.Alerts, Note: req.Note}, nil
}

func (s *Server) handleHandoverConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req handoverRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	boundary, rep, err := req.report()
	if err != nil {
		return err
	}
	h, err := s.Service.ConfirmHandover(r.Context(), id, boundary, rep)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) handleDutyInbox(w http.ResponseWriter, r *http.Request) error {
	open, err := queryFlag(r, "open", "err.handover_open_true_or_false")
	if err != nil {
		return err
	}
	items, err := s.Service.DutyInbox(r.Context(), open)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[epiloop.DutyItem]{Items: items, Total: len(items)})
	return nil
}

func (s *Server) handleDutyItemDone(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Service.DoneDutyItem(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": strconv.FormatInt(id, 10), "status": "done"})
	return nil
}
