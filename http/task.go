package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerTaskRoutes() {
	s.api("GET /api/v1/tasks", epiloop.ActFeedback, s.handleTaskIndex)
	s.api("POST /api/v1/tasks/{id}/accept", epiloop.ActFeedback, s.handleTaskAccept)
	s.api("POST /api/v1/tasks/{id}/return", epiloop.ActFeedback, s.handleTaskReturn)
	s.api("POST /api/v1/tasks/{id}/feedback", epiloop.ActFeedback, s.handleTaskFeedback)
}

// taskItem is a task in a unit's list, with what the unit needs of its
// lead to go and find the person.
type taskItem struct {
	taskJSON
	Lead leadResponse `json:"lead"`
}

func (s *Server) handleTaskIndex(w http.ResponseWriter, r *http.Request) error {
	var f epiloop.TaskFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return err
	}
	switch v := r.URL.Query().Get("status"); v {
	case "":
	case "open":
		f.Open = true
	default:
		st := epiloop.TaskStatus(v)
		if !st.Valid() {
			return epiloop.FieldError("status", "err.unknown_task_status")
		}
		f.Status = &st
	}
	tasks, total, err := s.Service.FindTasks(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.Service.Clock.Now()
	out := list[taskItem]{Items: make([]taskItem, 0, len(tasks)), Total: total}
	for _, t := range tasks {
		lj := s.leadJSON(t.Lead, nil)
		lj.Tasks = nil
		out.Items = append(out.Items, taskItem{taskJSON: taskToJSON(t.Task, now), Lead: lj})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleTaskAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.ContentLength > 0 {
		var empty struct{}
		if err := decodeJSON(w, r, &empty); err != nil {
			return err
		}
	}
	t, err := s.Service.AcceptTask(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, taskToJSON(t, s.Service.Clock.Now()))
	return nil
}

func (s *Server) handleTaskReturn(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.Service.ReturnTask(r.Context(), id, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, taskToJSON(t, s.Service.Clock.Now()))
	return nil
}

// feedbackRequest is the body of a feedback submission: the unit's fields
// only (when and by whom are the server's to record).
type feedbackRequest struct {
	Located     epiloop.Located `json:"located"`
	Address     string          `json:"address"`
	Destination string          `json:"destination"`
	Contact     epiloop.Contact `json:"contact"`
	Temperature *float64        `json:"temperature"`
	Symptoms    bool            `json:"symptoms"`
	ArrivalDate string          `json:"arrival_date"`
	Measure     epiloop.Measure `json:"measure"`
	Site        string          `json:"site"`
	Note        string          `json:"note"`
}

func (f feedbackRequest) feedback() epiloop.Feedback {
	return epiloop.Feedback{
		Located: f.Located, Address: f.Address, Destination: f.Destination, Contact: f.Contact,
		Temperature: f.Temperature, Symptoms: f.Symptoms, ArrivalDate: f.ArrivalDate,
		Measure: f.Measure, Site: f.Site, Note: f.Note,
	}
}

func (s *Server) handleTaskFeedback(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req feedbackRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.Service.SubmitFeedback(r.Context(), id, req.feedback())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, taskToJSON(t, s.Service.Clock.Now()))
	return nil
}
