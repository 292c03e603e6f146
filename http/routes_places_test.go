package http_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
)

// The places' entries of the role × jurisdiction matrix. Each side has a
// compound and a gathering place in its district, in its community (水源地
// / 永顺), under its police station; the compound has a deployment of the
// station's people and the gathering place a rectification.

// mxPlaceSide are one side's shared places' objects.
type mxPlaceSide struct {
	compound, gathering string
	rectification       int64
	deployment          int64
}

// mxPlaceState is the places' fixture of one matrix (made on first use).
type mxPlaceState struct {
	side      [2]mxPlaceSide
	community [2]string
	station   [2]string
}

var mxPlaces = map[*matrix]*mxPlaceState{}

// commanderCtx is a context signed in as the matrix's commander.
func (m *matrix) commanderCtx() context.Context {
	return epiloop.NewContextWithUser(context.Background(), m.userByName(uCommander))
}

// places returns the matrix's places' fixture, making it on first use.
func (m *matrix) places() *mxPlaceState {
	if st, ok := mxPlaces[m]; ok {
		return st
	}
	m.t.Helper()
	st := &mxPlaceState{station: [2]string{shuiyuandiPS, otherPS}, community: [2]string{shuiyuandi, ""}}
	for _, c := range tree.Communities {
		if c.Name == "永顺社区" && c.DistrictCode == shenhe {
			st.community[1] = c.Code
		}
	}
	mxPlaces[m] = st
	m.t.Cleanup(func() { delete(mxPlaces, m) })
	for side := range 2 {
		st.side[side].compound = m.freshPlace(side, epiloop.PlaceCompound)
		st.side[side].gathering = m.freshPlace(side, epiloop.PlaceGathering)
		st.side[side].rectification = m.freshRectification(side)
		st.side[side].deployment = m.freshDeployment(side, "")
	}
	return st
}

// placeBody is a new place of a side, of a kind (a gathering place open).
func (m *matrix) placeBody(side int, kind epiloop.PlaceKind) map[string]any {
	st := mxPlaces[m]
	m.seq++
	b := map[string]any{"code": fmt.Sprintf("MXP%d", m.seq), "kind": kind, "name": fmt.Sprintf("矩阵场所%d", m.seq),
		"district": mxDistrict[side], "community": st.community[side], "unit": st.station[side]}
	switch kind {
	case epiloop.PlaceCompound:
		b["openness"], b["households"], b["gates"], b["min_guard"] = "open", 300, 2, 2
	case epiloop.PlaceGathering:
		b["category"] = "internet_cafe"
	}
	return b
}

// freshPlace registers a new place of a side, as the commander.
func (m *matrix) freshPlace(side int, kind epiloop.PlaceKind) string {
	m.t.Helper()
	b := m.placeBody(side, kind)
	m.f.call(request{Method: "POST", Path: "/places", As: uCommander, Body: b}, http.StatusCreated, nil)
	return b["code"].(string)
}

// freshClosed is a new gathering place of a side, closed by order.
func (m *matrix) freshClosed(side int) string {
	code := m.freshPlace(side, epiloop.PlaceGathering)
	m.f.call(request{Method: "POST", Path: "/places/" + code + "/close", As: uCommander,
		Body: map[string]any{"order_no": "矩阵令1号", "from": "2020-01-28"}}, http.StatusOK, nil)
	return code
}

// okItems marks every item of a place's checklist ok.
func okItems(kind epiloop.PlaceKind) []map[string]any {
	var out []map[string]any
	for _, it := range epiloop.Checklists[kind] {
		out = append(out, map[string]any{"item": it, "ok": true})
	}
	return out
}

// freshRectification is a rectification of a side's new gathering place:
// an inspection by the commander found its crowding a defect.
func (m *matrix) freshRectification(side int) int64 {
	m.t.Helper()
	code := m.freshPlace(side, epiloop.PlaceGathering)
	items := okItems(epiloop.PlaceGathering)
	items[1]["ok"] = false
	var res struct {
		Rectification struct {
			ID int64 `json:"id"`
		} `json:"rectification"`
	}
	m.f.call(request{Method: "POST", Path: "/inspections", As: uCommander,
		Body: map[string]any{"place": code, "kind": "check", "items": items}}, http.StatusCreated, &res)
	return res.Rectification.ID
}

// freshDeployment is a deployment of a side's station to its compound,
// requested by the commander and taken through steps.
func (m *matrix) freshDeployment(side int, steps ...string) int64 {
	m.t.Helper()
	st := mxPlaces[m]
	var d struct {
		ID int64 `json:"id"`
	}
	m.f.call(request{Method: "POST", Path: "/places/" + st.side[side].compound + "/deployments", As: uCommander,
		Body: m.deploymentBody(side)}, http.StatusCreated, &d)
	for _, s := range steps {
		if s != "" {
			m.f.call(request{Method: "POST", Path: fmt.Sprintf("/deployments/%d/%s", d.ID, s), As: uCommander}, http.StatusOK, nil)
		}
	}
	return d.ID
}

func (m *matrix) deploymentBody(side int) map[string]any {
	return map[string]any{"person_name": "下沉民警", "person_kind": "police", "unit": mxPlaces[m].station[side],
		"from": "2020-02-01", "to": "2020-02-29"}
}

// onDutyIfUnit gives a station or committee user of the side a duty slot
// now (they inspect only on duty).
func (m *matrix) onDutyIfUnit(as string, side int) {
	if (as == uStation || as == uCommittee || as == uOther) && side == sideOf(as) {
		m.nowSlot(as, side, true)
	}
}

// inspectForm is the inspection form of a place with every item ok.
func inspectForm(kind epiloop.PlaceKind) url.Values {
	v := url.Values{"kind": {"supervision"}}
	for _, it := range epiloop.Checklists[kind] {
		v.Set("item."+it, "ok")
	}
	return v
}

func (m *matrix) placeImportCall(side int) mxCall {
	st := m.places()
	m.seq++
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile("file", "places.csv")
	if err != nil {
		m.t.Fatal(err)
	}
	fmt.Fprintf(w, "编码,类别,名称,区县,社区,责任单位,医院等级,发热定点\nMXI%d,医院,矩阵医院%d,%s,,%s,III,是\nMXI%d-bad,医院,坏行,%s,,%s,IV,否\n",
		m.seq, m.seq, mxDistrict[side], st.station[side], m.seq, mxDistrict[side], st.station[side])
	mw.Close()
	return mxCall{method: "POST", path: "/api/v1/places/import", body: b.Bytes(), ctype: mw.FormDataContentType()}
}

func placeRouteCases() []routeCase {
	const (
		ok        = http.StatusOK
		created   = http.StatusCreated
		seeOther  = http.StatusSeeOther
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
		invalid   = http.StatusBadRequest
	)
	// Roles the permission table does not grant a route's action get 403
	// whatever the entry says: "others" are the granted ones.
	all := want{others: ok}
	cityOnly := func(st int) want { return want{uCommander: st, uAdmin: st, others: notFound} }
	return []routeCase{
		// place.go
		{pattern: "GET /api/v1/places", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("GET", "/api/v1/places?per_page=500", nil)
			}},
		{pattern: "POST /api/v1/places", in: want{others: created}, out: want{uCommander: created, uAdmin: created, others: invalid},
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", "/api/v1/places", m.placeBody(side, epiloop.PlaceCompound))
			}},
		{pattern: "POST /api/v1/places/import", in: all,
			call: func(m *matrix, as string, side int) mxCall { return m.placeImportCall(side) }},
		{pattern: "GET /api/v1/places/figures", in: want{uAuditor: forbidden, uCheckpoint: forbidden, uDesk: forbidden, uDept: forbidden, uDetention: forbidden, uDetentionB: forbidden, others: ok}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("GET", "/api/v1/places/figures", nil)
			}},
		{pattern: "GET /api/v1/places/{code}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/places/"+m.places().side[side].compound, nil)
			}},
		{pattern: "POST /api/v1/places/{code}/close", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", "/api/v1/places/"+m.freshPlace(side, epiloop.PlaceGathering)+"/close",
					map[string]any{"order_no": "矩阵令2号", "from": "2020-02-01", "to": "2020-02-14"})
			}},
		{pattern: "POST /api/v1/places/{code}/reopen", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", "/api/v1/places/"+m.freshClosed(side)+"/reopen", nil)
			}},
		{pattern: "POST /api/v1/places/{code}/deployments", in: want{others: created}, out: want{uCommander: created, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/places/"+m.places().side[side].compound+"/deployments", m.deploymentBody(side))
			}},
		// An inspection is recorded by a commander, or by a unit's officer
		// on duty now (the matrix gives them a slot).
		{pattern: "POST /api/v1/inspections", in: want{others: created}, out: want{uCommander: created, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				st := m.places()
				m.onDutyIfUnit(as, side)
				return apiCall("POST", "/api/v1/inspections", map[string]any{"place": st.side[side].compound, "kind": "check",
					"items": okItems(epiloop.PlaceCompound)})
			}},
		{pattern: "GET /api/v1/rectifications", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("GET", "/api/v1/rectifications?open=true", nil)
			}},
		{pattern: "GET /api/v1/rectifications/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/rectifications/%d", m.places().side[side].rectification), nil)
			}},
		// Only the responsible unit (the side's station) reports a fix; the
		// community's committee sees the rectification but may not.
		{pattern: "POST /api/v1/rectifications/{id}/fixed", in: want{uCommittee: forbidden, others: ok}, out: want{others: notFound},
			refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", fmt.Sprintf("/api/v1/rectifications/%d/fixed", m.freshRectification(side)), map[string]any{"note": "已整改"})
			}},
		{pattern: "GET /api/v1/deployments", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("GET", "/api/v1/deployments", nil)
			}},
		{pattern: "GET /api/v1/deployments/{id}", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/deployments/%d", m.places().side[side].deployment), nil)
			}},
		{pattern: "POST /api/v1/deployments/{id}/approve", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", fmt.Sprintf("/api/v1/deployments/%d/approve", m.freshDeployment(side)), nil)
			}},
		{pattern: "POST /api/v1/deployments/{id}/check-in", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", fmt.Sprintf("/api/v1/deployments/%d/check-in", m.freshDeployment(side, "approve")), nil)
			}},
		{pattern: "POST /api/v1/deployments/{id}/end", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return apiCall("POST", fmt.Sprintf("/api/v1/deployments/%d/end", m.freshDeployment(side)), nil)
			}},

		// ui_place.go
		{pattern: "GET /places", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.places(); return pageGet("/places") }},
		{pattern: "GET /places/{code}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet("/places/" + m.places().side[side].gathering)
			}},
		{pattern: "GET /places/{code}/inspect", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet("/places/" + m.places().side[side].compound + "/inspect")
			}},
		{pattern: "POST /places/{code}/inspect", in: want{others: seeOther}, out: want{uCommander: seeOther, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				st := m.places()
				m.onDutyIfUnit(as, side)
				return pagePost("/places/"+st.side[side].compound+"/inspect", inspectForm(epiloop.PlaceCompound))
			}},
		{pattern: "POST /places/rectifications/{id}/fixed", in: want{uCommittee: forbidden, others: seeOther}, out: want{others: notFound},
			refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return pagePost(fmt.Sprintf("/places/rectifications/%d/fixed", m.freshRectification(side)), url.Values{"note": {"已整改"}})
			}},
		{pattern: "GET /forces/deployments", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.places(); return pageGet("/forces/deployments") }},
		{pattern: "POST /forces/deployments", in: want{others: seeOther},
			call: func(m *matrix, as string, side int) mxCall {
				st := m.places()
				v := url.Values{"place": {st.side[side].compound}}
				for k, x := range m.deploymentBody(side) {
					v.Set(k, fmt.Sprint(x))
				}
				return pagePost("/forces/deployments", v)
			}},
		{pattern: "POST /forces/deployments/{id}", in: want{others: seeOther}, out: want{uCommander: seeOther, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.places()
				return pagePost(fmt.Sprintf("/forces/deployments/%d", m.freshDeployment(side)), url.Values{"action": {"end"}})
			}},
	}
}
