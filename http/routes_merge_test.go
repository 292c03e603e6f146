package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
)

// The person merge's entries of the role × jurisdiction matrix: a
// commander's work, city-wide; every other role is refused by the
// permission table.

// mergePersons records two persons that may be one (the same phone, a
// name one character apart) and returns their ids.
func (m *matrix) mergePersons() (int64, int64) {
	m.t.Helper()
	m.seq++
	phone := fmt.Sprintf("1370000%04d", m.seq)
	a := &epiloop.Person{Name: "合并甲", Phone: phone}
	b := &epiloop.Person{Name: "合并乙", Phone: phone}
	if err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		if err := tx.CreatePerson(a); err != nil {
			return err
		}
		return tx.CreatePerson(b)
	}); err != nil {
		m.t.Fatal(err)
	}
	return a.ID, b.ID
}

// mergeCandidate is a fresh candidate pair's id (recorded as the sweep
// would; the sweep itself is loop's test).
func (m *matrix) mergeCandidate() int64 {
	m.t.Helper()
	a, b := m.mergePersons()
	c := &epiloop.MergeCandidate{PersonA: a, PersonB: b, Reason: epiloop.CandidatePhoneName, State: epiloop.CandidateOpen,
		FoundAt: m.f.clock.Now()}
	var id int64
	if err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		if _, err := tx.AddMergeCandidate(c); err != nil {
			return err
		}
		for offset := 0; id == 0; offset += 1000 {
			cs, total, err := tx.FindMergeCandidates(epiloop.CandidateOpen, 1000, offset)
			if err != nil {
				return err
			}
			for _, x := range cs {
				if x.PersonA == a {
					id = x.ID
				}
			}
			if offset+1000 >= total {
				break
			}
		}
		return nil
	}); err != nil || id == 0 {
		m.t.Fatalf("candidate %d: %v", id, err)
	}
	return id
}

// mergeDone is a fresh merge's id.
func (m *matrix) mergeDone() int64 {
	m.t.Helper()
	a, b := m.mergePersons()
	mg, err := m.f.svc.MergePersons(m.asUser(uCommander), a, b, epiloop.MergeChoice{})
	if err != nil {
		m.t.Fatal(err)
	}
	return mg.ID
}

func mergeRouteCases() []routeCase {
	commanderOnly := func(st int) want { return want{uCommander: st, others: http.StatusForbidden} }
	ok, seeOther := http.StatusOK, http.StatusSeeOther
	return []routeCase{
		{pattern: "GET /api/v1/persons/candidates", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.mergeCandidate()
				return apiCall("GET", "/api/v1/persons/candidates", nil)
			}},
		{pattern: "POST /api/v1/persons/candidates/refresh", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.mergePersons()
				return apiCall("POST", "/api/v1/persons/candidates/refresh", nil)
			}},
		{pattern: "POST /api/v1/persons/candidates/{id}/dismiss", in: commanderOnly(http.StatusNoContent),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/persons/candidates/%d/dismiss", m.mergeCandidate()), nil)
			}},
		{pattern: "GET /api/v1/persons/compare", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				a, b := m.mergePersons()
				return apiCall("GET", fmt.Sprintf("/api/v1/persons/compare?a=%d&b=%d", a, b), nil)
			}},
		{pattern: "POST /api/v1/persons/merges", in: commanderOnly(http.StatusCreated),
			call: func(m *matrix, as string, side int) mxCall {
				a, b := m.mergePersons()
				return apiCall("POST", "/api/v1/persons/merges", map[string]any{"survivor": a, "merged": b,
					"choice": map[string]string{"name": "merged"}})
			}},
		{pattern: "GET /api/v1/persons/merges", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.mergeDone()
				return apiCall("GET", "/api/v1/persons/merges", nil)
			}},
		{pattern: "POST /api/v1/persons/merges/{id}/undo", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/persons/merges/%d/undo", m.mergeDone()), nil)
			}},

		// ui_merge.go: the queue, the comparison, the merge and its undo.
		{pattern: "GET /persons/merge", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.mergeCandidate()
				m.mergeDone()
				return pageGet("/persons/merge")
			}},
		{pattern: "POST /persons/merge/refresh", in: commanderOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall { return pagePost("/persons/merge/refresh", url.Values{}) }},
		{pattern: "POST /persons/merge/candidates/{id}/dismiss", in: commanderOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/persons/merge/candidates/%d/dismiss", m.mergeCandidate()), url.Values{})
			}},
		{pattern: "GET /persons/merge/{a}/{b}", in: commanderOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				a, b := m.mergePersons()
				return pageGet(fmt.Sprintf("/persons/merge/%d/%d", a, b))
			}},
		{pattern: "POST /persons/merge/{a}/{b}", in: commanderOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				a, b := m.mergePersons()
				return pagePost(fmt.Sprintf("/persons/merge/%d/%d", a, b), url.Values{"survivor": {"b"}, "name": {"a"}})
			}},
		{pattern: "POST /persons/merges/{id}/undo", in: commanderOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/persons/merges/%d/undo", m.mergeDone()), url.Values{})
			}},
	}
}
