package http

import (
	"maps"
	"net/http"
	"strconv"

	"github.com/epiloop/epiloop"
)

// Person merge over the API (merge.go): the commander's queue of
// candidate pairs, masked; a side-by-side comparison; the merge with the
// value chosen for each field; the merges with their undo (30 days).

func init() { maps.Copy(apiDocs, mergeAPIDocs) }

var mergeAPIDocs = map[string]apiDoc{
	"GET /api/v1/persons/candidates":               {Tag: "persons", Summary: "The queue of candidate pairs that may be one person (?state=open|merged|dismissed&page=&per_page=), both sides masked, with the reason (name_birth: same name and birth date in two ID numbers; phone_name: same phone and a similar name; name_mismatch: a shared phone where an ID number arrived under another name)"},
	"POST /api/v1/persons/candidates/refresh":      {Tag: "persons", Summary: "Sweep the persons for new candidate pairs now (the server also sweeps hourly); answers {added}"},
	"POST /api/v1/persons/candidates/{id}/dismiss": {Tag: "persons", Summary: "Take a pair out of the queue: not one person (204)"},
	"GET /api/v1/persons/compare":                  {Tag: "persons", Summary: "Two persons side by side (?a=&b= person ids), masked, with each one's open lead"},
	"POST /api/v1/persons/merges":                  {Tag: "persons", Summary: "Merge person merged into survivor (201): the survivor takes the chosen value of each field (survivor|merged; empty is the survivor's, an empty value is filled from the other), every row that refers to the merged person moves, an open lead of each is folded into the survivor's by the one merge rule, the merged person stays as a tombstone", Body: "{survivor, merged, choice: {name, id_number, phone}}"},
	"GET /api/v1/persons/merges":                   {Tag: "persons", Summary: "The merges, newest first (?page=&per_page=)"},
	"POST /api/v1/persons/merges/{id}/undo":        {Tag: "persons", Summary: "Undo a merge within 30 days: both identities, every moved row and the folded lead as they were (409 when undone, expired, or the survivor has since been merged)"},
}

func (s *Server) registerMergeRoutes() {
	s.api("GET /api/v1/persons/candidates", epiloop.ActMergePersons, s.handleCandidateIndex)
	s.api("POST /api/v1/persons/candidates/refresh", epiloop.ActMergePersons, s.handleCandidateRefresh)
	s.api("POST /api/v1/persons/candidates/{id}/dismiss", epiloop.ActMergePersons, s.handleCandidateDismiss)
	s.api("GET /api/v1/persons/compare", epiloop.ActMergePersons, s.handlePersonCompare)
	s.api("POST /api/v1/persons/merges", epiloop.ActMergePersons, s.handleMergeCreate)
	s.api("GET /api/v1/persons/merges", epiloop.ActMergePersons, s.handleMergeIndex)
	s.api("POST /api/v1/persons/merges/{id}/undo", epiloop.ActMergePersons, s.handleMergeUndo)
}

// candidateState reads ?state= of the queue.
func candidateState(r *http.Request) (epiloop.CandidateState, error) {
	st := epiloop.CandidateState(r.URL.Query().Get("state"))
	switch st {
	case "", epiloop.CandidateOpen, epiloop.CandidateMerged, epiloop.CandidateDismissed:
		return st, nil
	}
	return "", epiloop.FieldError("state", "err.merge_candidate_state")
}

func (s *Server) handleCandidateIndex(w http.ResponseWriter, r *http.Request) error {
	st, err := candidateState(r)
	if err != nil {
		return err
	}
	offset, limit, err := paging(r)
	if err != nil {
		return err
	}
	items, total, err := s.Service.FindMergeCandidates(r.Context(), st, limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": epiloop.NonNil(items), "total": total})
	return nil
}

func (s *Server) handleCandidateRefresh(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Service.RefreshMergeCandidates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"added": n})
	return nil
}

func (s *Server) handleCandidateDismiss(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Service.DismissCandidate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// queryPerson reads a person id from the query.
func queryPerson(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, epiloop.FieldError(name, "err.merge_person_missing")
	}
	return id, nil
}

func (s *Server) handlePersonCompare(w http.ResponseWriter, r *http.Request) error {
	a, err := queryPerson(r, "a")
	if err != nil {
		return err
	}
	b, err := queryPerson(r, "b")
	if err != nil {
		return err
	}
	sa, sb, err := s.Service.ComparePersons(r.Context(), a, b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"a": sa, "b": sb})
	return nil
}

// mergeRequest is the body of a merge.
type mergeRequest struct {
	Survivor int64               `json:"survivor"`
	Merged   int64               `json:"merged"`
	Choice   epiloop.MergeChoice `json:"choice"`
}

func (s *Server) handleMergeCreate(w http.ResponseWriter, r *http.Request) error {
	var req mergeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	m, err := s.Service.MergePersons(r.Context(), req.Survivor, req.Merged, req.Choice)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) handleMergeIndex(w http.ResponseWriter, r *http.Request) error {
	offset, limit, err := paging(r)
	if err != nil {
		return err
	}
	items, total, err := s.Service.FindMerges(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": epiloop.NonNil(items), "total": total})
	return nil
}

func (s *Server) handleMergeUndo(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Service.UndoMerge(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
