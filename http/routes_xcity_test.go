package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
)

// The hand-over between cities' entries of the role × jurisdiction
// matrix. The matrix's city (210100) has Dalian (210200) as a peer; each
// side has a hand-over from Dalian routed into its district and one of
// its own leads handed over by letter, the persons bearing the side's
// name.

// mxXCityState is the hand-overs' fixture of one matrix.
type mxXCityState struct {
	in, letter [2]int64
}

var mxXCity = map[*matrix]*mxXCityState{}

// xcity returns the matrix's hand-over fixture, making it on first use.
func (m *matrix) xcity() *mxXCityState {
	if st, ok := mxXCity[m]; ok {
		return st
	}
	m.t.Helper()
	keys, err := epiloop.NewCityKeys()
	if err != nil {
		m.t.Fatal(err)
	}
	m.f.svc.XCity.City, m.f.svc.XCity.Keys = "210100", keys
	peer, _ := epiloop.NewCityKeys()
	if _, err := m.f.svc.AddPeer(context.Background(), epiloop.Peer{City: "210200", URL: "https://dalian.invalid", Key: peer.PublicKey()}); err != nil {
		m.t.Fatal(err)
	}
	st := &mxXCityState{}
	mxXCity[m] = st
	m.t.Cleanup(func() { delete(mxXCity, m) })
	for side := range 2 {
		st.in[side] = m.freshXCity(side, epiloop.XCityIn, epiloop.XCityReceived)
		st.letter[side] = m.freshXCity(side, epiloop.XCityOut, epiloop.XCityLetter)
	}
	return st
}

// freshXCity records a hand-over of a side in the store.
func (m *matrix) freshXCity(side int, d epiloop.XCityDirection, s epiloop.XCityState) int64 {
	m.t.Helper()
	now := m.f.clock.Now()
	m.seq++
	h := &epiloop.XCityHandover{Direction: d, MessageID: fmt.Sprintf("mx%d", m.seq), PeerCity: "210200", State: s,
		DistrictCode: mxDistrict[side], Person: epiloop.Person{Name: mxName[side], IDNumber: m.nextID(), Phone: "13800138000"},
		Destination: mxReportAddr[side], RemoteLead: 7, CreatedAt: now, UpdatedAt: now}
	if d == epiloop.XCityOut {
		h.PeerCity, h.Destination = "110000", "北京市朝阳区"
	}
	if err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateXCityHandover(h) }); err != nil {
		m.t.Fatal(err)
	}
	return h.ID
}

func xcityRouteCases() []routeCase {
	const (
		ok       = http.StatusOK
		seeOther = http.StatusSeeOther
		notFound = http.StatusNotFound
		invalid  = http.StatusBadRequest
	)
	readers := want{others: ok}
	cityOnly := func(st int) want { return want{uCommander: st, others: notFound} }
	in := func(m *matrix, side int) string { return fmt.Sprint(m.xcity().in[side]) }
	fresh := func(m *matrix, side int) string {
		m.xcity()
		return fmt.Sprint(m.freshXCity(side, epiloop.XCityIn, epiloop.XCityReceived))
	}
	letter := func(m *matrix, side int) string { return fmt.Sprint(m.xcity().letter[side]) }
	return []routeCase{
		// xcity.go: a peer's message needs no account (its signature is the
		// credential): a malformed one is refused alike for everyone.
		{pattern: "POST /api/v1/xcity/messages", in: want{anonymous: invalid, others: invalid},
			call: func(m *matrix, as string, side int) mxCall {
				m.xcity()
				return apiCall("POST", "/api/v1/xcity/messages", map[string]any{"header": "e30=", "sealed": "", "sig": ""})
			}},
		{pattern: "GET /api/v1/xcity", in: readers,
			call: func(m *matrix, as string, side int) mxCall { m.xcity(); return apiCall("GET", "/api/v1/xcity", nil) }},
		{pattern: "GET /api/v1/xcity/figures", in: readers,
			call: func(m *matrix, as string, side int) mxCall {
				m.xcity()
				return apiCall("GET", "/api/v1/xcity/figures", nil)
			}},
		{pattern: "GET /api/v1/xcity/peers", in: readers,
			call: func(m *matrix, as string, side int) mxCall {
				m.xcity()
				return apiCall("GET", "/api/v1/xcity/peers", nil)
			}},
		{pattern: "GET /api/v1/xcity/{id}", in: readers, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/xcity/"+in(m, side), nil) }},
		{pattern: "POST /api/v1/xcity/{id}/accept", in: readers, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/xcity/"+fresh(m, side)+"/accept", nil)
			}},
		{pattern: "POST /api/v1/xcity/{id}/refuse", in: readers, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/xcity/"+fresh(m, side)+"/refuse", map[string]any{"reason": "不在本市"})
			}},
		{pattern: "GET /api/v1/xcity/{id}/letter", in: readers, out: cityOnly(ok), reveals: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/xcity/"+letter(m, side)+"/letter", nil)
			}},

		// ui_xcity.go
		{pattern: "GET /xcity", in: readers,
			call: func(m *matrix, as string, side int) mxCall { m.xcity(); return pageGet("/xcity?direction=in") }},
		{pattern: "GET /xcity/{id}", in: readers, out: cityOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/xcity/" + in(m, side)) }},
		{pattern: "POST /xcity/{id}/accept", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/xcity/"+fresh(m, side)+"/accept", url.Values{})
			}},
		{pattern: "POST /xcity/{id}/refuse", in: want{others: seeOther}, out: cityOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/xcity/"+fresh(m, side)+"/refuse", url.Values{"reason": {"不在本市"}})
			}},
		{pattern: "GET /xcity/{id}/letter", in: readers, out: cityOnly(ok), reveals: true,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/xcity/" + letter(m, side) + "/letter") }},
		{pattern: "GET /xcity/{id}/letter.xlsx", in: readers, out: cityOnly(ok), reveals: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet("/xcity/" + letter(m, side) + "/letter.xlsx")
			}},
	}
}
