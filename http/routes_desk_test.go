package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The service desk's entries of the role × jurisdiction matrix. Each side
// has a measure of its department (市人社局 for 和平区's side, whose
// department user the matrix has; 市税务局 for the other) and a ticket of
// it submitted on the public form.

// mxDeskState is the desk's fixture of one matrix (made on first use).
type mxDeskState struct {
	measure [2]string
	ticket  [2]*loop.Submitted
}

var mxDesks = map[*matrix]*mxDeskState{}

// mxDeskContact is the contact of every matrix ticket: no answer but a
// reveal's holds it in full.
const (
	mxDeskContact = "矩阵联系人"
	mxDeskPhone   = "13912345678"
	mxDeskCredit  = "91350100M000100Y43"
)

func (m *matrix) desk() *mxDeskState {
	if st, ok := mxDesks[m]; ok {
		return st
	}
	m.t.Helper()
	// The matrix submits the public form once per role: above the limit
	// a person's browser meets.
	m.f.srv.DeskSubmitLimit, m.f.srv.DeskTrackLimit = 100000, 100000
	st := &mxDeskState{measure: [2]string{"MXRS", "MXSW"}}
	mxDesks[m] = st
	m.t.Cleanup(func() { delete(mxDesks, m) })
	for side, unit := range []string{deptRS, deptSW} {
		if err := m.f.svc.SaveMeasure(m.commanderCtx(), &epiloop.ServiceMeasure{Code: st.measure[side], Name: fmt.Sprintf("矩阵事项%d", side),
			Mode: epiloop.DeskBoth, UnitCode: unit, FirstResponseMin: 60, UpdateEveryMin: 240, SolutionMin: 2880, Active: true}); err != nil {
			m.t.Fatal(err)
		}
		st.ticket[side] = m.freshTicket(side)
	}
	return st
}

func (m *matrix) deskInput(side int) epiloop.TicketInput {
	return epiloop.TicketInput{Measure: mxDesks[m].measure[side], District: mxDistrict[side], Enterprise: "矩阵企业",
		CreditCode: mxDeskCredit, Contact: mxDeskContact, Phone: mxDeskPhone, Detail: "矩阵诉求内容，请协助办理"}
}

// freshTicket is a new ticket of a side, from the public form.
func (m *matrix) freshTicket(side int) *loop.Submitted {
	m.t.Helper()
	sub, err := m.f.svc.SubmitTicket(context.Background(), m.deskInput(side), epiloop.SourceOnline)
	if err != nil {
		m.t.Fatal(err)
	}
	return sub
}

// solvedTicket is a new ticket of a side its unit marked solved.
func (m *matrix) solvedTicket(side int) *loop.Submitted {
	m.t.Helper()
	sub := m.freshTicket(side)
	for _, a := range []epiloop.TicketAction{epiloop.TicketRespond, epiloop.TicketSolve} {
		if _, err := m.f.svc.StepTicket(m.commanderCtx(), sub.Ticket.ID, a, ""); err != nil {
			m.t.Fatal(err)
		}
	}
	return sub
}

func (m *matrix) deskForm(side int) url.Values {
	in := m.deskInput(side)
	return url.Values{"measure": {in.Measure}, "district": {in.District}, "enterprise": {in.Enterprise}, "credit_code": {in.CreditCode},
		"contact": {in.Contact}, "phone": {in.Phone}, "detail": {in.Detail}}
}

func (m *matrix) deskBody(side int) map[string]any {
	in := m.deskInput(side)
	return map[string]any{"measure": in.Measure, "district": in.District, "enterprise": in.Enterprise, "credit_code": in.CreditCode,
		"contact": in.Contact, "phone": in.Phone, "detail": in.Detail}
}

func (m *matrix) slotBody() map[string]any {
	m.seq++
	return map[string]any{"date": "2020-02-03", "window": fmt.Sprintf("矩阵窗口%d", m.seq), "start": "09:00", "end": "09:30", "capacity": 5}
}

func deskRouteCases() []routeCase {
	const (
		ok        = http.StatusOK
		created   = http.StatusCreated
		seeOther  = http.StatusSeeOther
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	public := func(st int) want { return want{others: st, anonymous: st} }
	all := want{others: ok}
	cityOnly := func(st int) want { return want{uCommander: st, uDesk: st, others: notFound} }
	id := func(m *matrix, side int) int64 { return m.desk().ticket[side].Ticket.ID }
	return []routeCase{
		// desk.go: the public routes.
		{pattern: "GET /api/v1/desk/measures", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("GET", "/api/v1/desk/measures", nil)
			}},
		{pattern: "GET /api/v1/desk/slots", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("GET", "/api/v1/desk/slots", nil)
			}},
		{pattern: "POST /api/v1/desk/tickets", in: public(created),
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("POST", "/api/v1/desk/tickets", m.deskBody(side))
			}},
		{pattern: "POST /api/v1/desk/track", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall {
				t := m.desk().ticket[side]
				return apiCall("POST", "/api/v1/desk/track", map[string]any{"number": t.Number, "code": t.Code})
			}},
		{pattern: "POST /api/v1/desk/track/steps", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				t := m.solvedTicket(side)
				return apiCall("POST", "/api/v1/desk/track/steps", map[string]any{"number": t.Number, "code": t.Code, "action": "confirm"})
			}},
		// desk.go: the staff's routes.
		{pattern: "POST /api/v1/desk/measures", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("POST", "/api/v1/desk/measures", map[string]any{"code": "MXRS", "name": "矩阵事项0", "mode": "both",
					"unit": deptRS, "first_response_min": 60, "update_every_min": 240, "solution_min": 2880, "active": true})
			}},
		{pattern: "POST /api/v1/desk/slots", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("POST", "/api/v1/desk/slots", m.slotBody())
			}},
		{pattern: "POST /api/v1/desk/hotline", in: want{others: created},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("POST", "/api/v1/desk/hotline", m.deskBody(side))
			}},
		{pattern: "GET /api/v1/desk/tickets", in: all,
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("GET", "/api/v1/desk/tickets?open=true", nil)
			}},
		{pattern: "GET /api/v1/desk/figures", refusesGranted: true,
			in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, uDesk: ok, uDept: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("GET", "/api/v1/desk/figures", nil)
			}},
		{pattern: "GET /api/v1/desk/tickets/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/desk/tickets/%d", id(m, side)), nil)
			}},
		{pattern: "POST /api/v1/desk/tickets/{id}/steps", in: all, out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return apiCall("POST", fmt.Sprintf("/api/v1/desk/tickets/%d/steps", m.freshTicket(side).Ticket.ID),
					map[string]any{"action": "respond", "note": "已联系企业"})
			}},
		{pattern: "POST /api/v1/desk/tickets/{id}/reveal", reveals: true, in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/desk/tickets/%d/reveal", id(m, side)), map[string]any{"purpose": "电话回访"})
			}},

		// ui_desk.go
		{pattern: "GET /desk", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall { m.desk(); return pageGet("/desk") }},
		{pattern: "POST /desk", in: public(created),
			call: func(m *matrix, as string, side int) mxCall { m.desk(); return pagePost("/desk", m.deskForm(side)) }},
		{pattern: "GET /desk/track", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/desk/track") }},
		{pattern: "POST /desk/track", in: public(ok),
			call: func(m *matrix, as string, side int) mxCall {
				t := m.desk().ticket[side]
				return pagePost("/desk/track", url.Values{"number": {t.Number}, "code": {t.Code}})
			}},
		{pattern: "GET /desk/tickets", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.desk(); return pageGet("/desk/tickets?breached=true") }},
		{pattern: "GET /desk/tickets/{id}", in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/desk/tickets/%d", id(m, side)))
			}},
		{pattern: "POST /desk/tickets/{id}", in: want{others: seeOther}, out: want{uCommander: seeOther, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return pagePost(fmt.Sprintf("/desk/tickets/%d", m.freshTicket(side).Ticket.ID), url.Values{"action": {"wait"}, "note": {"请补充材料"}})
			}},
		{pattern: "POST /desk/tickets/{id}/reveal", reveals: true, in: all, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/desk/tickets/%d/reveal", id(m, side)), url.Values{"purpose": {"电话回访"}})
			}},
		{pattern: "GET /desk/hotline", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.desk(); return pageGet("/desk/hotline") }},
		{pattern: "POST /desk/hotline", in: want{others: created},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				return pagePost("/desk/hotline", m.deskForm(side))
			}},
		{pattern: "GET /desk/slots", in: all,
			call: func(m *matrix, as string, side int) mxCall { m.desk(); return pageGet("/desk/slots") }},
		{pattern: "POST /desk/slots", in: want{others: seeOther},
			call: func(m *matrix, as string, side int) mxCall {
				m.desk()
				v := url.Values{}
				for k, x := range m.slotBody() {
					v.Set(k, fmt.Sprint(x))
				}
				return pagePost("/desk/slots", v)
			}},
	}
}
