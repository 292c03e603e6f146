package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
)

func (s *Server) registerDutyRoutes() {
	s.api("GET /api/v1/command/nodes", epiloop.ActReadCommand, s.handleNodeIndex)
	s.api("POST /api/v1/command/nodes", epiloop.ActManageRoster, s.handleNodeSave)
	s.api("GET /api/v1/command/nodes/{code}", epiloop.ActReadCommand, s.handleNodeView)
	s.api("POST /api/v1/command/nodes/{code}/posts", epiloop.ActManageRoster, s.handlePostCreate)
	s.api("POST /api/v1/duty/posts/{id}/roster", epiloop.ActManageRoster, s.handleRosterCreate)
	s.api("GET /api/v1/duty/slots", epiloop.ActReadCommand, s.handleSlotIndex)
	s.api("GET /api/v1/duty/gaps", epiloop.ActReadCommand, s.handleGapIndex)
	s.api("POST /api/v1/duty/slots/{id}/assign", epiloop.ActManageRoster, s.handleSlotAssign)
	s.api("POST /api/v1/duty/slots/{id}/unassign", epiloop.ActManageRoster, s.handleSlotUnassign)
	s.api("POST /api/v1/duty/slots/{id}/check-in", epiloop.ActCheckIn, s.handleSlotCheckIn)
	s.api("POST /api/v1/duty/slots/{id}/check-out", epiloop.ActCheckIn, s.handleSlotCheckOut)
	s.api("GET /api/v1/duty/now", epiloop.ActReadCommand, s.handleDutyNow)
}

func (s *Server) handleNodeIndex(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.Service.FindCommandNodes(r.Context())
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []epiloop.CommandNode{}
	}
	writeJSON(w, http.StatusOK, list[epiloop.CommandNode]{Items: ns, Total: len(ns)})
	return nil
}

func (s *Server) handleNodeSave(w http.ResponseWriter, r *http.Request) error {
	var n epiloop.CommandNode
	if err := decodeJSON(w, r, &n); err != nil {
		return err
	}
	if err := s.Service.SaveCommandNode(r.Context(), &n); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) handleNodeView(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Service.FindCommandNode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// postRequest is a new post of the node named in the path.
type postRequest struct {
	Kind     epiloop.PostKind `json:"kind"`
	Name     string           `json:"name"`
	Place    string           `json:"place"`
	MinStaff int              `json:"min_staff"`
	MaxStaff int              `json:"max_staff"`
	Front    string           `json:"front"`
	Phone    string           `json:"phone"`
}

func (s *Server) handlePostCreate(w http.ResponseWriter, r *http.Request) error {
	var req postRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p := &epiloop.Post{NodeCode: r.PathValue("code"), Kind: req.Kind, Name: req.Name, PlaceCode: req.Place,
		MinStaff: req.MinStaff, MaxStaff: req.MaxStaff, FrontCode: req.Front, Phone: req.Phone}
	if err := s.Service.CreatePost(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

type rosterRequest struct {
	Pattern epiloop.ShiftPattern `json:"pattern"`
	From    string               `json:"from"`
	To      string               `json:"to"`
}

func (s *Server) handleRosterCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req rosterRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n, err := s.Service.GenerateRoster(r.Context(), id, req.Pattern, req.From, req.To)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]int{"created": n})
	return nil
}

// slotFilter reads node, post, from and to (RFC 3339, or a civil date:
// its midnight in China Standard Time) and the paging.
func slotFilter(r *http.Request) (epiloop.DutySlotFilter, error) {
	var (
		f   epiloop.DutySlotFilter
		err error
	)
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if v := q.Get("node"); v != "" {
		f.Node = &v
	}
	if v := q.Get("post"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, epiloop.FieldError("post", "err.duty_post_not_found")
		}
		f.Post = &id
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		if *p.dst = epiloop.CivilMidnight(v); p.dst.IsZero() {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, epiloop.FieldError(p.name, "err.duty_time")
			}
			*p.dst = t
		}
	}
	return f, nil
}

func (s *Server) handleSlotIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := slotFilter(r)
	if err != nil {
		return err
	}
	return s.writeSlots(w, r, f)
}

func (s *Server) handleGapIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := slotFilter(r)
	if err != nil {
		return err
	}
	f.Gaps = true
	return s.writeSlots(w, r, f)
}

func (s *Server) writeSlots(w http.ResponseWriter, r *http.Request, f epiloop.DutySlotFilter) error {
	ss, total, err := s.Service.FindDutySlots(r.Context(), f)
	if err != nil {
		return err
	}
	if ss == nil {
		ss = []epiloop.DutySlot{}
	}
	writeJSON(w, http.StatusOK, list[epiloop.DutySlot]{Items: ss, Total: total})
	return nil
}

type assignRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) handleSlotAssign(w http.ResponseWriter, r *http.Request) error {
	return s.slotPerson(w, r, s.Service.Assign)
}

func (s *Server) handleSlotUnassign(w http.ResponseWriter, r *http.Request) error {
	return s.slotPerson(w, r, s.Service.Unassign)
}

func (s *Server) slotPerson(w http.ResponseWriter, r *http.Request,
	fn func(ctx context.Context, slot, user int64) (*epiloop.DutySlot, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req assignRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.UserID <= 0 {
		return epiloop.FieldError("user_id", "err.duty_user_required")
	}
	slot, err := fn(r.Context(), id, req.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, slot)
	return nil
}

func (s *Server) handleSlotCheckIn(w http.ResponseWriter, r *http.Request) error {
	return s.slotCheck(w, r, s.Service.CheckIn)
}

func (s *Server) handleSlotCheckOut(w http.ResponseWriter, r *http.Request) error {
	return s.slotCheck(w, r, s.Service.CheckOut)
}

func (s *Server) slotCheck(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, slot int64) (*epiloop.DutySlot, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	slot, err := fn(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, slot)
	return nil
}

func (s *Server) handleDutyNow(w http.ResponseWriter, r *http.Request) error {
	node := r.URL.Query().Get("node")
	if node == "" {
		return epiloop.FieldError("node", "err.duty_node_required")
	}
	posts, err := s.Service.OnDutyNow(r.Context(), node)
	if err != nil {
		return err
	}
	if posts == nil {
		posts = []epiloop.PostOnDuty{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"node": node, "posts": posts})
	return nil
}
