package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerAuditRoutes() {
	s.api("GET /api/v1/audit", epiloop.ActReadAudit, s.handleAuditIndex)
	s.api("POST /api/v1/leads/{id}/reveal", epiloop.ActReveal, s.handleLeadReveal)
}

// handleAuditIndex lets auditors browse the trail:
// ?action=&actor=&object=&from=&to=&after=&before=&order=asc|desc.
func (s *Server) handleAuditIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilterOf(r)
	if err != nil {
		return err
	}
	entries, total, err := s.Service.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []*epiloop.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, list[*epiloop.AuditEntry]{Items: entries, Total: total})
	return nil
}

// auditFilterOf reads an audit query, the API's and the auditor page's:
// action, actor (a user id, or a name as recorded), object, from and to
// (civil dates, China Standard Time, both included), after or before (an
// entry id), order (asc, the default for the API, or desc), and paging.
func auditFilterOf(r *http.Request) (epiloop.AuditFilter, error) {
	var f epiloop.AuditFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("action")); v != "" {
		f.Action = &v
	}
	if v := strings.TrimSpace(q.Get("object")); v != "" {
		f.Object = &v
	}
	if v := strings.TrimSpace(q.Get("actor")); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			f.ActorID = &id
		} else {
			f.Actor = &v
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
		days int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := q.Get(d.name); v != "" {
			t, err := time.ParseInLocation(time.DateOnly, v, epiloop.CivilZone())
			if err != nil {
				return f, epiloop.FieldError(d.name, "err.date_must_yyyy_mm_dd")
			}
			*d.to = t.AddDate(0, 0, d.days)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, epiloop.FieldError("to", "err.must_not_before_from")
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return f, epiloop.FieldError("order", "err.order_asc_or_desc")
	}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"after", &f.After}, {"before", &f.Before}} {
		if v := q.Get(p.name); v != "" {
			if *p.to, err = strconv.ParseInt(v, 10, 64); err != nil || *p.to < 0 {
				return f, epiloop.FieldError(p.name, "err.after_must_entry_id")
			}
		}
	}
	if f.Before > 0 {
		f.Desc = true
	}
	return f, nil
}

// handleLeadReveal answers a lead's full ID number and phone for a stated
// purpose; the reveal is audited.
func (s *Server) handleLeadReveal(w http.ResponseWriter, r *http.Request) error {
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
	p, err := s.Service.Reveal(r.Context(), id, req.Purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id_number": p.IDNumber, "phone": p.Phone, "name": p.Name})
	return nil
}
