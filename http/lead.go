package http

import (
	"net/http"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerLeadRoutes() {
	s.api("POST /api/v1/leads", epiloop.ActCreateLead, s.handleLeadCreate)
	s.api("GET /api/v1/leads", epiloop.ActReadLeads, s.handleLeadIndex)
	s.api("GET /api/v1/leads/{id}", epiloop.ActReadLeads, s.handleLeadView)
	s.api("POST /api/v1/leads/{id}/adjudicate", epiloop.ActAdjudicate, s.handleLeadAdjudicate)
	s.api("POST /api/v1/leads/{id}/route", epiloop.ActRoute, s.handleLeadRoute)
	s.api("POST /api/v1/leads/route", epiloop.ActRoute, s.handleLeadsRoute)
}

type leadRequest struct {
	Person  epiloop.Person `json:"person"`
	Address string         `json:"address"`
	Source  struct {
		Kind epiloop.SourceKind `json:"kind"`
		Ref  string             `json:"ref"`
	} `json:"source"`
	Reason epiloop.Reason `json:"reason"`
}

// leadReceiptJSON is the answer to a report whose lead the caller may not
// see.
type leadReceiptJSON struct {
	ID     int64              `json:"id"`
	Status epiloop.LeadStatus `json:"status"`
}

func (s *Server) handleLeadCreate(w http.ResponseWriter, r *http.Request) error {
	var req leadRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	rc, err := s.Service.CreateLead(r.Context(), loop.LeadInput{
		Person:  req.Person,
		Address: req.Address,
		Source:  epiloop.Source{Kind: req.Source.Kind, Ref: req.Source.Ref},
		Reason:  req.Reason,
	})
	switch {
	case err != nil:
		return err
	case rc.Lead == nil:
		// Outside the caller's jurisdiction: the id and status only, and
		// one status code for a new lead and a merge alike.
		writeJSON(w, http.StatusAccepted, leadReceiptJSON{ID: rc.ID, Status: rc.Status})
	case rc.Created:
		writeJSON(w, http.StatusCreated, s.leadJSON(rc.Lead, nil))
	default:
		writeJSON(w, http.StatusOK, s.leadJSON(rc.Lead, nil))
	}
	return nil
}

func (s *Server) handleLeadIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := leadFilter(r)
	if err != nil {
		return err
	}
	if x, err := wantXLSX(r); err != nil {
		return err
	} else if x {
		return s.exportLeads(w, r, pickLang(r), loop.ExportKindLeads, f, "")
	}
	leads, total, err := s.findLeads(r, f)
	if err != nil {
		return err
	}
	s.writeLeadList(w, leads, total)
	return nil
}

// writeLeadList answers a page of leads: {"items":[…],"total":N}.
func (s *Server) writeLeadList(w http.ResponseWriter, leads []*epiloop.Lead, total int) {
	out := list[leadResponse]{Items: make([]leadResponse, 0, len(leads)), Total: total}
	for _, l := range leads {
		out.Items = append(out.Items, s.leadJSON(l, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

// leadFilter reads the list query: status, priority, district, overdue.
func leadFilter(r *http.Request) (epiloop.LeadFilter, error) {
	var f epiloop.LeadFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("status"); v != "" {
		st := epiloop.LeadStatus(v)
		if !st.Valid() {
			return f, epiloop.FieldError("status", "err.unknown_lead_status")
		}
		f.Status = &st
	}
	if v := q.Get("priority"); v != "" {
		p := epiloop.Priority(v)
		if !p.Valid() {
			return f, epiloop.FieldError("priority", "err.unknown_priority")
		}
		f.Priority = &p
	}
	if v := q.Get("district"); v != "" {
		if len(v) != 6 {
			return f, epiloop.FieldError("district", "err.district_must_6_digit_division")
		}
		f.District = &v
	}
	if v := q.Get("community"); v != "" {
		f.Community = &v
	}
	switch q.Get("overdue") {
	case "":
	case "true", "1":
		t := true
		f.Overdue = &t
	case "false", "0":
		b := false
		f.Overdue = &b
	default:
		return f, epiloop.FieldError("overdue", "err.overdue_must_true_or_false")
	}
	return f, nil
}

func (s *Server) handleLeadView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Service.FindLeadView(r.Context(), id, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.leadJSON(v.Lead, v.Timeline))
	return nil
}

type adjudicateRequest struct {
	Outcome *epiloop.Feedback `json:"outcome"`
	Action  string            `json:"action"`
	Note    string            `json:"note"`
}

func (s *Server) handleLeadAdjudicate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req adjudicateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Outcome != nil {
		req.Outcome.SubmittedAt, req.Outcome.SubmittedBy = time.Time{}, 0
	}
	l, err := s.Service.Adjudicate(r.Context(), id, loop.Adjudication{Outcome: req.Outcome, Action: req.Action, Note: req.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.leadJSON(l, nil))
	return nil
}

func (s *Server) handleLeadRoute(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Community string `json:"community"`
		// Alias, optional, teaches the gazetteer the name in the
		// address that should have found the community.
		Alias string `json:"alias"`
		// Confirm routes to a community outside the district the
		// address names.
		Confirm bool `json:"confirm"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	res, err := s.Service.RouteLeads(r.Context(), loop.RouteRequest{LeadIDs: []int64{id}, Community: req.Community,
		Teach: req.Alias != "", Alias: req.Alias, Confirm: req.Confirm})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.leadJSON(res.Leads[0], nil))
	return nil
}

// routeResponse is the answer to a routing of several leads: the leads,
// pushed, and the names the gazetteer learnt.
type routeResponse struct {
	Leads  []leadResponse `json:"leads"`
	Taught []aliasJSON    `json:"taught"`
}

type aliasJSON struct {
	Alias     string `json:"alias"`
	Community string `json:"community"`
}

// handleLeadsRoute routes several unroutable leads to one community in
// one step, all or none; teach teaches the gazetteer each address's place
// name for it.
func (s *Server) handleLeadsRoute(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		LeadIDs   []int64 `json:"lead_ids"`
		Community string  `json:"community"`
		Teach     bool    `json:"teach"`
		Confirm   bool    `json:"confirm"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	res, err := s.Service.RouteLeads(r.Context(), loop.RouteRequest{LeadIDs: req.LeadIDs, Community: req.Community,
		Teach: req.Teach, Confirm: req.Confirm})
	if err != nil {
		return err
	}
	out := routeResponse{Leads: make([]leadResponse, 0, len(res.Leads)), Taught: make([]aliasJSON, 0, len(res.Taught))}
	for _, l := range res.Leads {
		out.Leads = append(out.Leads, s.leadJSON(l, nil))
	}
	for _, a := range res.Taught {
		out.Taught = append(out.Taught, aliasJSON{Alias: a.Name, Community: a.Community})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// leadResponse is the API shape of a lead.
type leadResponse struct {
	ID        int64              `json:"id"`
	Status    epiloop.LeadStatus `json:"status"`
	Priority  epiloop.Priority   `json:"priority"`
	Person    epiloop.Person     `json:"person"`
	Address   string             `json:"address"`
	Community *communityJSON     `json:"community"`
	Reason    epiloop.Reason     `json:"reason"`
	Outcome   *epiloop.Feedback  `json:"outcome"`
	Conflict  []string           `json:"conflict,omitempty"`
	Marks     []string           `json:"marks,omitempty"`
	Round     int                `json:"round"`
	Overdue   bool               `json:"overdue"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	ClosedAt  *time.Time         `json:"closed_at,omitempty"`
	Tasks     []taskJSON         `json:"tasks"`
	Sources   []*epiloop.Source  `json:"sources,omitempty"`
	Timeline  []*epiloop.Event   `json:"timeline,omitempty"`
}

type communityJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	DistrictCode string `json:"district"`
	District     string `json:"district_name,omitempty"`
}

type taskJSON struct {
	ID           int64              `json:"id"`
	LeadID       int64              `json:"lead_id"`
	Round        int                `json:"round"`
	Status       epiloop.TaskStatus `json:"status"`
	Priority     epiloop.Priority   `json:"priority"`
	Deadline     *time.Time         `json:"deadline"`
	AcceptBy     time.Time          `json:"accept_by"`
	FeedbackBy   time.Time          `json:"feedback_by"`
	Overdue      bool               `json:"overdue"`
	Escalation   string             `json:"escalation,omitempty"`
	Unit         unitJSON           `json:"unit"`
	Feedback     *epiloop.Feedback  `json:"feedback"`
	ReturnReason string             `json:"return_reason,omitempty"`
	CreatedAt    time.Time          `json:"created_at"`
	AcceptedAt   *time.Time         `json:"accepted_at,omitempty"`
	SubmittedAt  *time.Time         `json:"submitted_at,omitempty"`
}

type unitJSON struct {
	Code string           `json:"code"`
	Kind epiloop.UnitKind `json:"kind"`
	Name string           `json:"name"`
}

func (s *Server) leadJSON(l *epiloop.Lead, timeline []*epiloop.Event) leadResponse {
	out := leadResponse{
		ID: l.ID, Status: l.Status, Priority: l.Priority, Person: l.Person, Address: l.Address,
		Reason: l.Reason, Outcome: l.Outcome, Conflict: l.Conflict, Marks: l.Marks, Round: l.Round, Overdue: l.Overdue,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, ClosedAt: l.ClosedAt, Sources: l.Sources,
		Timeline: timeline, Tasks: make([]taskJSON, 0, len(l.Tasks)),
	}
	if c, ok := s.Service.Community(l.CommunityCode); ok {
		out.Community = &communityJSON{Code: c.Code, Name: c.Name, DistrictCode: c.DistrictCode}
		if d, ok := s.Service.District(c.DistrictCode); ok {
			out.Community.District = d.Name
		}
	}
	now := s.Service.Clock.Now()
	for _, t := range l.Tasks {
		out.Tasks = append(out.Tasks, taskToJSON(t, now))
	}
	return out
}

func taskToJSON(t *epiloop.Task, now time.Time) taskJSON {
	out := taskJSON{
		ID: t.ID, LeadID: t.LeadID, Round: t.Round, Status: t.Status, Priority: t.Priority,
		AcceptBy: t.AcceptBy, FeedbackBy: t.FeedbackBy, Overdue: t.Overdue(now),
		Escalation: epiloop.EscalationLevelName(t.Escalation), Feedback: t.Feedback,
		ReturnReason: t.ReturnReason, CreatedAt: t.CreatedAt, AcceptedAt: t.AcceptedAt, SubmittedAt: t.SubmittedAt,
		Unit: unitJSON{Code: t.UnitCode, Kind: t.Side},
	}
	if d := t.Deadline(); !d.IsZero() {
		out.Deadline = &d
	}
	if t.Unit != nil {
		out.Unit.Name = t.Unit.Name
	}
	return out
}
