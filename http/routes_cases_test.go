package http_test

import (
	"fmt"
	"net/http"
	"net/url"
)

// The case register's entries of the role × jurisdiction matrix. Each
// side has a case handled by its police station (水源地's in 和平区, the
// other in 沈河区), with a suspect carrying the side's name and a lot of
// seized goods; calls that change a case's state take a fresh one.

type mxCaseSide struct {
	id, suspect, goods int64
}

var mxCases = map[*matrix]*[2]mxCaseSide{}

var mxCaseStation = [2]string{shuiyuandiPS, otherPS}

// cases returns the matrix's cases' fixture, making it on first use.
func (m *matrix) cases() *[2]mxCaseSide {
	if st, ok := mxCases[m]; ok {
		return st
	}
	m.t.Helper()
	st := &[2]mxCaseSide{}
	mxCases[m] = st
	m.t.Cleanup(func() { delete(mxCases, m) })
	for side := range 2 {
		st[side].id = m.freshCase(side)
		st[side].suspect = m.freshSuspect(side, st[side].id)
		var g struct {
			ID int64 `json:"id"`
		}
		m.f.call(request{Method: "POST", Path: fmt.Sprintf("/cases/%d/goods", st[side].id), As: uCommander,
			Body: map[string]any{"description": "口罩", "quantity": 1000, "unit": "只"}}, http.StatusCreated, &g)
		st[side].goods = g.ID
	}
	return st
}

// caseBody is a new case of a side's station.
func (m *matrix) caseBody(side int) map[string]any {
	m.seq++
	return map[string]any{"kind": "counterfeit", "title": fmt.Sprintf("矩阵案件%d", m.seq), "unit": mxCaseStation[side],
		"amount_fen": 100000, "provinces": []string{"21"}, "cities": []string{"2101"}}
}

// freshCase registers a new case of a side, as the commander.
func (m *matrix) freshCase(side int) int64 {
	m.t.Helper()
	var c struct {
		ID int64 `json:"id"`
	}
	m.f.call(request{Method: "POST", Path: "/cases", As: uCommander, Body: m.caseBody(side)}, http.StatusCreated, &c)
	return c.ID
}

// freshSuspect adds a person of the side's name to a case.
func (m *matrix) freshSuspect(side int, id int64) int64 {
	m.t.Helper()
	var sp struct {
		ID int64 `json:"id"`
	}
	m.f.call(request{Method: "POST", Path: fmt.Sprintf("/cases/%d/suspects", id), As: uCommander,
		Body: map[string]any{"id_number": m.nextID(), "name": mxName[side]}}, http.StatusCreated, &sp)
	return sp.ID
}

func caseRouteCases() []routeCase {
	const (
		ok       = http.StatusOK
		created  = http.StatusCreated
		seeOther = http.StatusSeeOther
		notFound = http.StatusNotFound
		invalid  = http.StatusBadRequest
		refused  = http.StatusUnprocessableEntity
	)
	all := want{others: ok}
	cityOnly := func(st int) want { return want{uCommander: st, others: notFound} }
	path := func(m *matrix, side int, format string, args ...any) string {
		st := m.cases()
		return fmt.Sprintf("/cases/%d"+format, append([]any{st[side].id}, args...)...)
	}
	return []routeCase{
		// case.go
		{pattern: "GET /api/v1/cases", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.cases()
				return apiCall("GET", "/api/v1/cases?per_page=500", nil)
			}},
		{pattern: "POST /api/v1/cases", in: want{others: created}, out: want{uCommander: created, others: invalid},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("POST", "/api/v1/cases", m.caseBody(side)) }},
		{pattern: "GET /api/v1/cases/figures", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.cases()
				return apiCall("GET", "/api/v1/cases/figures", nil)
			}},
		{pattern: "GET /api/v1/cases/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1"+path(m, side, ""), nil) }},
		{pattern: "POST /api/v1/cases/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				b := m.caseBody(side)
				delete(b, "unit")
				return apiCall("POST", "/api/v1"+path(m, side, ""), b)
			}},
		{pattern: "POST /api/v1/cases/{id}/transitions", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", m.freshCase(side)), map[string]any{"to": "filed", "doc_no": "立字1号"})
			}},
		{pattern: "POST /api/v1/cases/{id}/suspects", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1"+path(m, side, "/suspects"), map[string]any{"id_number": m.nextID(), "name": mxName[side]})
			}},
		{pattern: "POST /api/v1/cases/{id}/suspects/{suspect}/measures", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1"+path(m, side, "/suspects/%d/measures", m.cases()[side].suspect),
					map[string]any{"kind": "summons", "date": "2020-02-01"})
			}},
		{pattern: "POST /api/v1/cases/{id}/suspects/{suspect}/reveal", in: all, out: cityOnly(ok), reveals: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1"+path(m, side, "/suspects/%d/reveal", m.cases()[side].suspect), map[string]any{"purpose": "核对身份"})
			}},
		{pattern: "POST /api/v1/cases/{id}/goods", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1"+path(m, side, "/goods"), map[string]any{"description": "防护服", "quantity": 50, "unit": "件"})
			}},
		{pattern: "POST /api/v1/cases/{id}/custody", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1"+path(m, side, "/custody"), map[string]any{"goods_id": m.cases()[side].goods, "action": "stored", "place": "保管室"})
			}},
		{pattern: "GET /api/v1/cases/{id}/custody/verify", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1"+path(m, side, "/custody/verify"), nil)
			}},

		// ui_case.go
		{pattern: "GET /cases", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.cases(); return pageGet("/cases") }},
		{pattern: "GET /cases/new", in: all,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/cases/new") }},
		{pattern: "POST /cases", in: want{others: seeOther}, out: want{uCommander: seeOther, others: refused},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/cases", url.Values{"kind": {"fraud"}, "title": {"表单案件"}, "unit": {mxCaseStation[side]}, "amount": {"1,000"}})
			}},
		{pattern: "GET /cases/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet(path(m, side, "")) }},
		{pattern: "POST /cases/{id}/transition", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				m.cases()
				return pagePost(fmt.Sprintf("/cases/%d/transition", m.freshCase(side)), url.Values{"to": {"filed"}, "doc_no": {"立字2号"}})
			}},
		{pattern: "POST /cases/{id}/suspects", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(path(m, side, "/suspects"), url.Values{"id_number": {m.nextID()}, "name": {mxName[side]}})
			}},
		{pattern: "POST /cases/{id}/suspects/{suspect}/measures", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(path(m, side, "/suspects/%d/measures", m.cases()[side].suspect), url.Values{"kind": {"bail"}, "date": {"2020-02-02"}})
			}},
		{pattern: "POST /cases/{id}/suspects/{suspect}/reveal", in: all, out: cityOnly(ok), reveals: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(path(m, side, "/suspects/%d/reveal", m.cases()[side].suspect), url.Values{"purpose": {"核对身份"}})
			}},
		{pattern: "POST /cases/{id}/goods", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(path(m, side, "/goods"), url.Values{"description": {"测温枪"}, "quantity": {"20"}, "unit": {"把"}})
			}},
		{pattern: "POST /cases/{id}/custody", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(path(m, side, "/custody"), url.Values{"action": {"sampled"}, "holder": {"检验所"}, "quantity": {"5"}})
			}},
	}
}
