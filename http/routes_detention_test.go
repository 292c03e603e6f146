package http_test

import (
	"fmt"
	"net/http"
	"net/url"
)

// The detention facilities' entries of the role × jurisdiction matrix.
// Each side has a facility in its district whose responsible unit is its
// police station (so its staff are uDetention and uDetentionB), with
// isolation cells and a general area; detainees carry their side's name.

type mxDetentionState struct {
	facility [2]string
}

var mxDetention = map[*matrix]*mxDetentionState{}

var mxFacilityUnit = [2]string{shuiyuandiPS, otherPS}

// detention returns the matrix's facilities, making them on first use.
func (m *matrix) detention() *mxDetentionState {
	if st, ok := mxDetention[m]; ok {
		return st
	}
	m.t.Helper()
	st := &mxDetentionState{}
	mxDetention[m] = st
	m.t.Cleanup(func() { delete(mxDetention, m) })
	for side := range 2 {
		st.facility[side] = m.freshFacility(side, 300)
	}
	return st
}

// freshFacility registers a facility of a side with cells isolation
// cells and a general area G1, as the commander.
func (m *matrix) freshFacility(side, cells int) string {
	m.t.Helper()
	m.seq++
	code := fmt.Sprintf("MXD%d", m.seq)
	m.f.call(request{Method: "POST", Path: "/places", As: uCommander, Body: map[string]any{"code": code, "kind": "detention",
		"name": fmt.Sprintf("矩阵看守所%d", m.seq), "district": mxDistrict[side], "unit": mxFacilityUnit[side],
		"detention_kind": "detention_center", "capacity": 500}}, http.StatusCreated, nil)
	areas := []map[string]any{{"code": "G1", "name": "一监区", "kind": "general", "capacity": 1000}}
	for i := range cells {
		areas = append(areas, map[string]any{"code": fmt.Sprintf("I%03d", i), "name": fmt.Sprintf("隔离%d", i), "kind": "isolation"})
	}
	m.f.call(request{Method: "POST", Path: "/detention/" + code + "/areas", As: uCommander, Body: map[string]any{"areas": areas}}, http.StatusOK, nil)
	return code
}

// detaineeBody is a new detainee of a side: its side's name, a phone.
func (m *matrix) detaineeBody(side int) map[string]any {
	m.seq++
	return map[string]any{"person": map[string]any{"name": fmt.Sprintf("%s押%d", mxName[side], m.seq), "phone": fmt.Sprintf("137%08d", m.seq)},
		"case_ref": fmt.Sprintf("矩阵案%d", m.seq)}
}

// freshDetainee admits a new detainee into a side's facility.
func (m *matrix) freshDetainee(side int) int64 {
	m.t.Helper()
	st := m.detention()
	var d struct {
		ID int64 `json:"id"`
	}
	m.f.call(request{Method: "POST", Path: "/detention/" + st.facility[side] + "/detainees", As: uCommander, Body: m.detaineeBody(side)},
		http.StatusCreated, &d)
	return d.ID
}

func (m *matrix) cohortBody(side int, leader string) map[string]any {
	m.seq++
	return map[string]any{"name": fmt.Sprintf("矩阵班%d", m.seq), "leader_user_id": m.userByName(leader).ID,
		"members": []map[string]any{{"name": fmt.Sprintf("%s警%d", mxName[side], m.seq), "phone": fmt.Sprintf("136%08d", m.seq)}}}
}

// freshHandover is a new facility of a side whose cohort on site (led by
// the side's staff) hands over to a next one led by the commander; it
// answers the facility, the on-site cohort and the next.
func (m *matrix) freshHandover(side int) (string, int64, int64) {
	m.t.Helper()
	code := m.freshFacility(side, 0)
	staff := []string{uDetention, uDetentionB}[side]
	var c, next struct {
		ID int64 `json:"id"`
	}
	m.f.call(request{Method: "POST", Path: "/detention/" + code + "/cohorts", As: uCommander, Body: m.cohortBody(side, staff)}, http.StatusCreated, &c)
	m.f.call(request{Method: "POST", Path: "/detention/" + code + "/cohorts", As: uCommander, Body: m.cohortBody(side, uCommander)}, http.StatusCreated, &next)
	return code, c.ID, next.ID
}

func detentionRouteCases() []routeCase {
	const (
		ok        = http.StatusOK
		created   = http.StatusCreated
		seeOther  = http.StatusSeeOther
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	all := want{others: ok}
	cityOnly := func(st int) want { return want{uCommander: st, others: notFound} }
	return []routeCase{
		// detention.go
		{pattern: "GET /api/v1/detention", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				return apiCall("GET", "/api/v1/detention", nil)
			}},
		{pattern: "GET /api/v1/detention/figures", refusesGranted: true,
			in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, uDetention: ok, uDetentionB: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				return apiCall("GET", "/api/v1/detention/figures", nil)
			}},
		{pattern: "GET /api/v1/detention/{code}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.freshDetainee(side)
				return apiCall("GET", "/api/v1/detention/"+m.detention().facility[side], nil)
			}},
		{pattern: "POST /api/v1/detention/{code}/areas", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/detention/"+m.detention().facility[side]+"/areas",
					map[string]any{"areas": []map[string]any{{"code": "G2", "name": "二监区", "kind": "general", "capacity": 40}}})
			}},
		{pattern: "POST /api/v1/detention/{code}/closure", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/detention/"+m.detention().facility[side]+"/closure",
					map[string]any{"state": "closed", "from": "2020-02-21", "order_no": "矩阵监令1号",
						"exemptions": []map[string]any{{"name": "驻所医生", "reason": "医疗", "from": "2020-02-21", "to": "2020-03-06"}}})
			}},
		{pattern: "POST /api/v1/detention/{code}/detainees", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/detention/"+m.detention().facility[side]+"/detainees", m.detaineeBody(side))
			}},
		{pattern: "POST /api/v1/detention/{code}/cohorts", in: want{others: created}, out: cityOnly(created),
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				staff := []string{uDetention, uDetentionB}[side]
				return apiCall("POST", "/api/v1/detention/"+m.freshFacility(side, 0)+"/cohorts", m.cohortBody(side, staff))
			}},
		// An early move out of isolation: a supervisor's override (the
		// commander, the facility's district); the staff may not.
		{pattern: "POST /api/v1/detainees/{id}/move", refusesGranted: true,
			in: want{uDetention: forbidden, uDetentionB: forbidden, others: ok}, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/detainees/%d/move", m.freshDetainee(side)),
					map[string]any{"area": "G1", "override": true, "override_reason": "转监区医务室治疗"})
			}},
		{pattern: "POST /api/v1/detainees/{id}/release", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/detainees/%d/release", m.freshDetainee(side)),
					map[string]any{"status": "released", "reason": "取保候审"})
			}},
		{pattern: "POST /api/v1/detainees/{id}/reveal", reveals: true, in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/detainees/%d/reveal", m.freshDetainee(side)), map[string]any{"purpose": "提审核对"})
			}},
		// The outgoing leader (the side's staff) and the incoming one (the
		// commander) confirm; no one else is a party.
		{pattern: "POST /api/v1/cohorts/{id}/handover", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				_, c, next := m.freshHandover(side)
				return apiCall("POST", fmt.Sprintf("/api/v1/cohorts/%d/handover", c), map[string]any{"next_id": next, "note": "交接"})
			}},

		// ui_detention.go
		{pattern: "GET /detention", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.detention(); return pageGet("/detention") }},
		{pattern: "GET /detention/{code}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.freshDetainee(side)
				return pageGet("/detention/" + m.detention().facility[side])
			}},
		{pattern: "POST /detention/{code}/intake", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				m.seq++
				return pagePost("/detention/"+m.detention().facility[side]+"/intake", url.Values{
					"name": {fmt.Sprintf("%s押%d", mxName[side], m.seq)}, "phone": {fmt.Sprintf("137%08d", m.seq)}})
			}},
		{pattern: "POST /detention/{code}/move", refusesGranted: true,
			in: want{uDetention: forbidden, uDetentionB: forbidden, others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				id := m.freshDetainee(side)
				return pagePost("/detention/"+m.detention().facility[side]+"/move", url.Values{"detainee": {fmt.Sprint(id)},
					"area": {"G1"}, "override": {"1"}, "override_reason": {"转监区医务室治疗"}})
			}},
		{pattern: "POST /detention/{code}/release", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				id := m.freshDetainee(side)
				return pagePost("/detention/"+m.detention().facility[side]+"/release", url.Values{"detainee": {fmt.Sprint(id)},
					"status": {"transferred"}, "reason": {"移送市看守所"}})
			}},
		{pattern: "POST /detention/{code}/cohorts", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				m.seq++
				return pagePost("/detention/"+m.freshFacility(side, 0)+"/cohorts", url.Values{"name": {fmt.Sprintf("矩阵班%d", m.seq)},
					"members": {fmt.Sprintf("%s警%d 136%08d", mxName[side], m.seq, m.seq)}})
			}},
		{pattern: "POST /detention/{code}/handover", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				m.detention()
				code, c, next := m.freshHandover(side)
				return pagePost("/detention/"+code+"/handover", url.Values{"cohort": {fmt.Sprint(c)},
					"next_id": {fmt.Sprint(next)}})
			}},
		{pattern: "POST /detention/{code}/closure", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/detention/"+m.detention().facility[side]+"/closure", url.Values{"state": {"closed"},
					"from": {"2020-02-21"}, "order_no": {"矩阵监令2号"}})
			}},
	}
}
