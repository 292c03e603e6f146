package http_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"
)

// The role × jurisdiction matrix of the patrol routes (patrol.go,
// ui_patrol.go): logs are read and written within the caller's
// jurisdiction (a station its own, a district commander its district's),
// the figures by analysts too, incident counts entered by district and
// city commanders.

// mxPatrolStation and mxPatrolDistrict are each side's station and
// district.
var (
	mxPatrolStation  = [2]string{shuiyuandiPS, otherPS}
	mxPatrolDistrict = [2]string{heping, shenhe}
)

// patrolTimes is a patrol of the fixture's morning.
func (m *matrix) patrolTimes() (start, end string) {
	now := m.f.clock.Now()
	return now.Add(-3 * time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339)
}

// freshPatrol is a new patrol of a side's station, logged by the
// commander.
func (m *matrix) freshPatrol(side int) int64 {
	start, end := m.patrolTimes()
	var out struct{ ID int64 }
	m.f.call(request{Method: "POST", Path: "/patrols", As: uCommander, Body: map[string]any{"unit": mxPatrolStation[side],
		"officers": []string{"巡警甲", "巡警乙"}, "vehicles": []string{"辽A12345"}, "area": "矩阵路线", "start": start, "end": end}},
		http.StatusCreated, &out)
	return out.ID
}

// freshSortie is a new sortie of a side's station.
func (m *matrix) freshSortie(side int) int64 {
	start, _ := m.patrolTimes()
	var out struct{ ID int64 }
	m.f.call(request{Method: "POST", Path: "/sorties", As: uCommander, Body: map[string]any{"unit": mxPatrolStation[side],
		"pilot": "飞手甲", "drone": "UAV-01", "area": "矩阵区域", "start": start, "minutes": 30}}, http.StatusCreated, &out)
	return out.ID
}

// patrolBody is a new patrol of the caller's own unit (headquarters
// names a district).
func (m *matrix) patrolBody(as string) map[string]any {
	start, end := m.patrolTimes()
	b := map[string]any{"officers": []string{"巡警丙"}, "area": "矩阵路线", "start": start, "end": end}
	if as == uCommander || as == uAdmin {
		b["district"] = heping
	}
	return b
}

// incidentCSV is an incident table of a side's district.
func incidentCSV(side int) mxCall {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", "incidents.csv")
	fmt.Fprintf(w, "区县,日期,治安警情,刑事警情\n%s,2020-01-31,25,3\n", mxPatrolDistrict[side])
	mw.Close()
	return mxCall{method: "POST", body: b.Bytes(), ctype: mw.FormDataContentType()}
}

func patrolRouteCases() []routeCase {
	const (
		ok         = http.StatusOK
		created    = http.StatusCreated
		seeOther   = http.StatusSeeOther
		forbidden  = http.StatusForbidden
		notFound   = http.StatusNotFound
		badRequest = http.StatusBadRequest
		unproc     = http.StatusUnprocessableEntity
	)
	// Readers of the logs, of the figures; loggers inside their
	// jurisdiction, and outside it (city commanders see both sides).
	logReaders := want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uOther: ok, others: forbidden}
	figureReaders := want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uOther: ok, uAnalyst: ok, others: forbidden}
	loggers := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uStation: st, uOther: st, others: forbidden}
	}
	loggersOut := func(st int) want {
		return want{uCommander: st, uHeping: notFound, uShenhe: notFound, uStation: notFound, uOther: notFound, others: forbidden}
	}
	apiPath := func(format string, id int64) string { return fmt.Sprintf(format, id) }
	return []routeCase{
		// patrol.go
		{pattern: "GET /api/v1/patrols", in: logReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/patrols?from=2020-01-01&to=2020-02-01&per_page=10", nil)
			}},
		{pattern: "POST /api/v1/patrols", in: loggers(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/patrols", m.patrolBody(as))
			}},
		{pattern: "POST /api/v1/patrols/{id}/correct", in: loggers(ok), out: loggersOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				b := m.patrolBody(as)
				delete(b, "district")
				b["reason"] = "更正"
				return apiCall("POST", apiPath("/api/v1/patrols/%d/correct", m.freshPatrol(side)), b)
			}},
		{pattern: "POST /api/v1/patrols/{id}/void", in: loggers(ok), out: loggersOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", apiPath("/api/v1/patrols/%d/void", m.freshPatrol(side)), map[string]string{"reason": "重复"})
			}},
		{pattern: "GET /api/v1/patrols/totals", in: figureReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/patrols/totals?from=2020-01-26&to=2020-02-01", nil)
			}},
		{pattern: "GET /api/v1/sorties", in: logReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/sorties?district="+heping, nil)
			}},
		{pattern: "POST /api/v1/sorties", in: loggers(created),
			call: func(m *matrix, as string, side int) mxCall {
				b := m.patrolBody(as)
				delete(b, "officers")
				delete(b, "end")
				b["pilot"], b["drone"], b["minutes"] = "飞手乙", "UAV-02", 20
				return apiCall("POST", "/api/v1/sorties", b)
			}},
		{pattern: "POST /api/v1/sorties/{id}/correct", in: loggers(ok), out: loggersOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				start, _ := m.patrolTimes()
				return apiCall("POST", apiPath("/api/v1/sorties/%d/correct", m.freshSortie(side)), map[string]any{
					"pilot": "飞手甲", "drone": "UAV-03", "area": "矩阵区域", "start": start, "minutes": 25})
			}},
		{pattern: "POST /api/v1/sorties/{id}/void", in: loggers(ok), out: loggersOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", apiPath("/api/v1/sorties/%d/void", m.freshSortie(side)), nil)
			}},
		{pattern: "GET /api/v1/incidents", in: figureReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/incidents?from=2020-01-25&to=2020-01-31", nil)
			}},
		{pattern: "POST /api/v1/incidents",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			out: want{uCommander: ok, uHeping: badRequest, uShenhe: badRequest, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/incidents", map[string]any{"district": mxPatrolDistrict[side], "date": "2020-01-31",
					"public_order": 22, "criminal": 2})
			}},
		{pattern: "POST /api/v1/incidents/import", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				c := incidentCSV(side)
				c.path = "/api/v1/incidents/import"
				return c
			}},

		// ui_patrol.go
		{pattern: "GET /patrols", in: figureReaders,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/patrols?date=2020-02-01&days=7") }},
		{pattern: "POST /patrols/log", in: loggers(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				now := m.f.clock.Now().In(time.FixedZone("CST", 8*3600))
				form := url.Values{"officers": {"巡警丁、巡警戊"}, "vehicles": {"辽A12345"}, "area": {"矩阵路线"},
					"start": {now.Add(-2 * time.Hour).Format("2006-01-02T15:04")}, "end": {now.Add(-time.Hour).Format("2006-01-02T15:04")}}
				if as == uCommander {
					form.Set("district", heping)
				}
				return pagePost("/patrols/log", form)
			}},
		{pattern: "POST /patrols/sortie", in: loggers(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				now := m.f.clock.Now().In(time.FixedZone("CST", 8*3600))
				form := url.Values{"pilot": {"飞手丙"}, "drone": {"UAV-04"}, "area": {"矩阵区域"},
					"start": {now.Add(-2 * time.Hour).Format("2006-01-02T15:04")}, "minutes": {"30"}}
				if as == uCommander {
					form.Set("district", heping)
				}
				return pagePost("/patrols/sortie", form)
			}},
		{pattern: "POST /patrols/{id}/void", in: loggers(seeOther), out: loggersOut(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/patrols/%d/void", m.freshPatrol(side)), nil)
			}},
		{pattern: "POST /patrols/sorties/{id}/void", in: loggers(seeOther), out: loggersOut(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/patrols/sorties/%d/void", m.freshSortie(side)), nil)
			}},
		{pattern: "POST /patrols/incidents",
			in:  want{uCommander: seeOther, uHeping: seeOther, uShenhe: seeOther, others: forbidden},
			out: want{uCommander: seeOther, uHeping: unproc, uShenhe: unproc, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/patrols/incidents", url.Values{"district": {mxPatrolDistrict[side]}, "date": {"2020-01-30"},
					"public_order": {"21"}, "criminal": {"1"}})
			}},
		{pattern: "POST /patrols/incidents/import", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				c := incidentCSV(side)
				c.path, c.page = "/patrols/incidents/import", true
				return c
			}},
	}
}
