package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
)

// The volunteers' entries of the role × jurisdiction matrix. Each side's
// volunteers are registered by that side's committee in its community
// (和平区 水源地社区, 沈河区 永顺社区) and vetted by the side's station.

// mxCommunity is the community of a side.
func (m *matrix) mxCommunity(side int) string {
	if side == 0 {
		return shuiyuandi
	}
	return strings.TrimPrefix(m.userByName(uCommitteeB).UnitCode, "CM")
}

// asUser is a context acting as the matrix user named as.
func (m *matrix) asUser(as string) context.Context {
	return epiloop.NewContextWithUser(context.Background(), m.userByName(as))
}

// freshVolunteer registers a new volunteer of a side (its name bears the
// side's), vetted by the side's station when vetted.
func (m *matrix) freshVolunteer(side int, vetted bool) int64 {
	m.t.Helper()
	station, committee := units(side)
	v, err := m.f.svc.RegisterVolunteer(m.asUser(committee), &epiloop.Volunteer{Person: epiloop.Person{
		Name: mxName[side] + "义", IDNumber: m.nextID(), Phone: "13900139000"}, CommunityCode: m.mxCommunity(side), Team: "矩阵分队"})
	if err != nil {
		m.t.Fatal(err)
	}
	if vetted {
		if _, err := m.f.svc.VetVolunteer(m.asUser(station), v.ID, epiloop.VettingVetted); err != nil {
			m.t.Fatal(err)
		}
	}
	return v.ID
}

// volunteerOnSlot is a vetted volunteer of a side assigned (by the side's
// committee) to a slot of the side's roster in force now, checked in with
// in; it answers the volunteer and the slot.
func (m *matrix) volunteerOnSlot(side int, in bool) (int64, int64) {
	m.t.Helper()
	id := m.freshVolunteer(side, true)
	day := epiloop.CivilDate(m.f.clock.Now().Add(-epiloop.ShiftDayHour * time.Hour))
	slot := m.dutySlot(side, day, 0, false)
	_, committee := units(side)
	if _, err := m.f.svc.AssignVolunteer(m.asUser(committee), id, slot); err != nil {
		m.t.Fatal(err)
	}
	if in {
		if _, err := m.f.svc.CheckInVolunteer(m.asUser(committee), id, slot); err != nil {
			m.t.Fatal(err)
		}
	}
	return id, slot
}

// volunteerImport is a volunteer list imported by as (its committee when
// as may not import), with one rejected row.
func (m *matrix) volunteerImport(as string, side int) int64 {
	m.t.Helper()
	if as == anonymous || !(&epiloop.User{Role: matrixRole(as)}).Can(epiloop.ActRegisterVolunteers) || side != sideOf(as) {
		_, as = units(side)
	}
	m.seq++
	path := filepath.Join(m.t.TempDir(), "volunteers.csv")
	body := fmt.Sprintf("姓名,身份证号,手机号,社区\n%s义%d,%s,,%s\n坏号,210102199001010000,,\n", mxName[side], m.seq, m.nextID(), m.mxCommunity(side))
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		m.t.Fatal(err)
	}
	rd, err := intake.OpenFile(path, intake.Options{})
	if err != nil {
		m.t.Fatal(err)
	}
	defer rd.Close()
	info := rd.Info()
	im, _, err := m.f.svc.ImportVolunteers(m.asUser(as), intake.NewVolunteerRows(rd),
		loop.ImportOptions{Name: "volunteers.csv", Fingerprint: info.SHA256, Format: "csv", Headers: info.Headers()})
	if err != nil || im.Counts.Rejected != 1 {
		m.t.Fatalf("volunteer import %+v %v", im, err)
	}
	return im.ID
}

// volunteerImportCall uploads a new volunteer list (no source field).
func (m *matrix) volunteerImportCall(side int) mxCall {
	m.seq++
	return volunteerUpload(fmt.Sprintf("姓名,身份证号,社区\n义勇%d,%s,%s\n", m.seq, m.nextID(), m.mxCommunity(side)))
}

// volunteerUpload is the upload of a volunteer list of content.
func volunteerUpload(content string) mxCall {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", "volunteers.csv")
	io.WriteString(w, content)
	mw.Close()
	return mxCall{method: "POST", path: "/api/v1/volunteers/imports", body: b.Bytes(), ctype: mw.FormDataContentType()}
}

func volunteerRouteCases() []routeCase {
	const (
		ok        = http.StatusOK
		created   = http.StatusCreated
		accepted  = http.StatusAccepted
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
		seeOther  = http.StatusSeeOther
	)
	readers := want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uCommittee: ok, uOther: ok, others: forbidden}
	unitsIn := func(st int) want { return want{uStation: st, uCommittee: st, uOther: st, others: forbidden} }
	readersOut := want{uCommander: ok, others: notFound}
	vol := func(path string) func(m *matrix, as string, side int) string {
		return func(m *matrix, as string, side int) string {
			return fmt.Sprintf(path, m.freshVolunteer(side, false))
		}
	}
	return []routeCase{
		{pattern: "GET /api/v1/volunteers", in: readers,
			call: func(m *matrix, as string, side int) mxCall {
				m.freshVolunteer(side, false)
				return apiCall("GET", "/api/v1/volunteers?per_page=500", nil)
			}},
		{pattern: "POST /api/v1/volunteers", in: unitsIn(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/volunteers", map[string]any{"name": mxName[side] + "登记", "id_number": m.nextID(),
					"community": m.mxCommunity(side), "skills": []string{"gate"}})
			}},
		{pattern: "GET /api/v1/volunteers/figures", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/volunteers/figures", nil) }},
		{pattern: "GET /api/v1/volunteers/{id}", in: readers, out: readersOut,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", vol("/api/v1/volunteers/%d")(m, as, side), nil)
			}},
		{pattern: "PATCH /api/v1/volunteers/{id}", in: unitsIn(ok), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("PATCH", vol("/api/v1/volunteers/%d")(m, as, side), map[string]any{"team": "二分队"})
			}},
		{pattern: "POST /api/v1/volunteers/{id}/status", in: unitsIn(ok), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", vol("/api/v1/volunteers/%d/status")(m, as, side), map[string]any{"status": "paused"})
			}},
		// Only the community's station vets: the committee is refused.
		{pattern: "POST /api/v1/volunteers/{id}/vet", in: want{uStation: ok, uOther: ok, others: forbidden}, out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", vol("/api/v1/volunteers/%d/vet")(m, as, side), map[string]any{"vetting": "vetted"})
			}},
		{pattern: "POST /api/v1/volunteers/{id}/reveal", reveals: true,
			in:  want{uCommander: ok, uStation: ok, uCommittee: ok, uOther: ok, others: forbidden},
			out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", vol("/api/v1/volunteers/%d/reveal")(m, as, side), map[string]any{"purpose": "核实身份"})
			}},
		// A slot of the side's sub-command: its district commander manages
		// that roster, the pool's units assign their own volunteers.
		{pattern: "POST /api/v1/volunteers/{id}/assignments",
			in:  want{uCommander: created, uHeping: created, uShenhe: created, uStation: created, uCommittee: created, uOther: created, others: forbidden},
			out: want{uCommander: created, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/volunteers/%d/assignments", m.freshVolunteer(side, true)),
					map[string]any{"slot_id": m.freshSlot(side, 0)})
			}},
		{pattern: "POST /api/v1/volunteers/{id}/assignments/{slot}/check-in", in: readers, out: readersOut,
			call: func(m *matrix, as string, side int) mxCall {
				id, slot := m.volunteerOnSlot(side, false)
				return apiCall("POST", fmt.Sprintf("/api/v1/volunteers/%d/assignments/%d/check-in", id, slot), nil)
			}},
		{pattern: "POST /api/v1/volunteers/{id}/assignments/{slot}/check-out", in: readers, out: readersOut,
			call: func(m *matrix, as string, side int) mxCall {
				id, slot := m.volunteerOnSlot(side, true)
				return apiCall("POST", fmt.Sprintf("/api/v1/volunteers/%d/assignments/%d/check-out", id, slot), nil)
			}},
		{pattern: "POST /api/v1/volunteers/imports", in: unitsIn(accepted),
			call: func(m *matrix, as string, side int) mxCall { return m.volunteerImportCall(side) }},
		// An import is its importer's.
		{pattern: "GET /api/v1/volunteers/imports/{id}", in: unitsIn(ok), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/volunteers/imports/%d", m.volunteerImport(as, side)), nil)
			}},
		{pattern: "GET /api/v1/volunteers/imports/{id}/rejects", in: unitsIn(ok), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/volunteers/imports/%d/rejects", m.volunteerImport(as, side)), nil)
			}},

		// ui_volunteer.go: the pool page 队伍 and its forms.
		{pattern: "GET /forces", in: readers,
			call: func(m *matrix, as string, side int) mxCall {
				m.freshVolunteer(side, false)
				return pageGet("/forces")
			}},
		{pattern: "POST /forces", in: unitsIn(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/forces", url.Values{"name": {mxName[side] + "页登记"}, "id_number": {m.nextID()},
					"community": {m.mxCommunity(side)}, "skills": {"gate"}})
			}},
		{pattern: "POST /forces/volunteers/{id}/vet", in: want{uStation: seeOther, uOther: seeOther, others: forbidden}, out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(vol("/forces/volunteers/%d/vet")(m, as, side), url.Values{"vetting": {"vetted"}})
			}},
		{pattern: "POST /forces/volunteers/{id}/status", in: unitsIn(seeOther), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(vol("/forces/volunteers/%d/status")(m, as, side), url.Values{"status": {"paused"}})
			}},
		{pattern: "POST /forces/import", in: unitsIn(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				c := m.volunteerImportCall(side)
				c.path, c.page = "/forces/import", true
				return c
			}},
		{pattern: "GET /forces/imports/{id}/rejects", in: unitsIn(ok), out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/forces/imports/%d/rejects", m.volunteerImport(as, side)))
			}},
	}
}
