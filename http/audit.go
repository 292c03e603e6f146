package http

import (
	"net/http"
	"strconv"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerAuditRoutes() {
	s.api("GET /api/v1/audit", epiloop.ActReadAudit, s.handleAuditIndex)
	s.api("POST /api/v1/leads/{id}/reveal", epiloop.ActReveal, s.handleLeadReveal)
}

// handleAuditIndex lets auditors browse the trail: ?action=&actor=&object=&after=.
func (s *Server) handleAuditIndex(w http.ResponseWriter, r *http.Request) error {
	var f epiloop.AuditFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("action"); v != "" {
		f.Action = &v
	}
	if v := q.Get("object"); v != "" {
		f.Object = &v
	}
	if v := q.Get("actor"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return epiloop.FieldError("actor", "err.actor_must_user_id")
		}
		f.ActorID = &id
	}
	if v := q.Get("after"); v != "" {
		if f.After, err = strconv.ParseInt(v, 10, 64); err != nil || f.After < 0 {
			return epiloop.FieldError("after", "err.after_must_entry_id")
		}
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
