package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
)

// The role × jurisdiction matrix: every route the server registers — API,
// pages, assets — called as every role and without credentials, on an
// object inside the role's jurisdiction and on one outside it. A route
// without an entry in the table fails the test, and so does an entry for a
// route that is gone.

// Roles of the matrix beyond the fixture's, and the keys of a want.
const (
	uAdmin = "admin"
	// uCommitteeB is the committee of 永顺社区 (沈河区): not a role of the
	// matrix, it gives the other side's leads their second feedback.
	uCommitteeB = "committee-yongshun"
	anonymous   = "anonymous"
	others      = "*"
	mxPassword  = "matrix-password-0"
)

// matrixRoles are the callers of every route, in the order they run.
var matrixRoles = []string{uCommander, uHeping, uShenhe, uStation, uCommittee, uOther, uAnalyst, uAuditor, uCheckpoint, uAdmin,
	uDesk, uDept, uDetention, uDetentionB, anonymous}

// The city's two sides: 和平区 (水源地社区, its station and committee,
// CK0001) and 沈河区 (永顺社区, its station, CK0002). Persons of each side
// carry their side's name, so that a response can be searched for the
// other side's.
var (
	mxName       = [2]string{"水源甲", "永顺乙"}
	mxAddr       = [2]string{addrHome, addrShenhe}
	mxReportAddr = [2]string{"沈阳市和平区水源地社区7号楼", "沈阳市沈河区永顺社区8号"}
	mxCheckpoint = [2]string{checkpoint, northCheck}
)

const (
	mxUnroutableName = "无址丙"
	mxUnroutableAddr = "沈阳市某某小区"
	mxReporterName   = "来报丁"
	mxTravelTo       = "沈阳市和平区水源地社区9号"
)

// sideOf is the side whose objects are inside a role's jurisdiction.
// City-wide roles take 和平区; for them the other side is inside too.
func sideOf(as string) int {
	if as == uShenhe || as == uOther || as == uDetentionB {
		return 1
	}
	return 0
}

// want is the status of a call by role; others is every role not listed.
// A caller without credentials, unless listed, gets 401 from the API and
// the login redirect (303) from a page.
type want map[string]int

func (w want) of(as string, api bool) int {
	if st, ok := w[as]; ok {
		return st
	}
	if as == anonymous {
		if api {
			return http.StatusUnauthorized
		}
		return http.StatusSeeOther
	}
	return w[others]
}

// mxCall is one request of the matrix.
type mxCall struct {
	method, path string
	body         []byte
	ctype        string
	// page calls sign in by session cookie and post forms with the
	// same-origin headers a browser sends; API calls use a bearer token.
	page bool
	// session, when set, replaces the role's session cookie.
	session string
	// stream calls read the status and headers only.
	stream bool
	// lang, when set, is sent as Accept-Language.
	lang string
}

func apiCall(method, path string, body any) mxCall {
	c := mxCall{method: method, path: path}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		c.body, c.ctype = b, "application/json"
	}
	return c
}

func pageGet(path string) mxCall { return mxCall{method: "GET", path: path, page: true} }

func pagePost(path string, form url.Values) mxCall {
	return mxCall{method: "POST", path: path, body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded", page: true}
}

// routeCase is one registered pattern: how to call it as a role on an
// object of a side, and what each role gets inside its jurisdiction (in)
// and outside it (out).
type routeCase struct {
	pattern string
	call    func(m *matrix, as string, side int) mxCall
	in      want
	// out is nil for a route that names no object (a list, a form that
	// creates): it runs once per role, the list being filtered by the
	// jurisdiction (which the leak checks watch).
	out want
	// reveals marks a route whose answer may show an identity in full, to
	// the roles that may unmask.
	reveals bool
	// refusesGranted marks a route that refuses some roles the permission
	// table grants its action, for a reason of the object (a district
	// commander sees a checkpoint of its district but screens only as a
	// city-wide screener).
	refusesGranted bool
}

// matrixRole is the role a matrix caller signs in with.
func matrixRole(as string) epiloop.Role {
	if as == uAdmin {
		return epiloop.RoleAdmin
	}
	for _, u := range users {
		if u.name == as {
			return u.role
		}
	}
	panic("no role for " + as)
}

func (rc routeCase) api() bool { return strings.Contains(rc.pattern, "/api/") }

// mxRun is one side a route is called on: the role's own, or the other.
type mxRun struct {
	name string
	side int
	want want
}

// TestEveryRouteEveryRole walks every registered route with every role,
// inside and outside its jurisdiction, and checks the status; every answer
// is also searched for personal data the role may not see.
func TestEveryRouteEveryRole(t *testing.T) {
	m := newMatrix(t)
	table := routeTable()

	t.Run("every route has an entry", func(t *testing.T) {
		registered := m.f.srv.Routes()
		var listed []string
		for _, rc := range table {
			if slices.Contains(listed, rc.pattern) {
				t.Errorf("pattern %q has two entries", rc.pattern)
			}
			listed = append(listed, rc.pattern)
		}
		for _, p := range registered {
			if !slices.Contains(listed, p) {
				t.Errorf("route %q has no entry in the role × jurisdiction table", p)
			}
		}
		for _, p := range listed {
			if !slices.Contains(registered, p) {
				t.Errorf("table entry %q names no registered route", p)
			}
		}
	})

	t.Run("every route has an action of the permission table", func(t *testing.T) {
		for _, p := range m.f.srv.Routes() {
			if a, ok := m.f.srv.RouteAction(p); !ok || !epiloop.KnownAction(a) {
				t.Errorf("route %q is registered with action %q, not one of the table's", p, a)
			}
		}
	})

	for _, rc := range table {
		action, _ := m.f.srv.RouteAction(rc.pattern)
		for _, as := range matrixRoles {
			runs := []mxRun{{"in", sideOf(as), rc.in}}
			if rc.out != nil {
				runs = append(runs, mxRun{"out", 1 - sideOf(as), rc.out})
			}
			for _, run := range runs {
				// Objects are made here, on the test's goroutine, by the
				// fixture's helpers; the subtest only calls and checks.
				c := rc.call(m, as, run.side)
				wantStatus := run.want.of(as, rc.api())
				// The permission table decides who is refused: a signed-in
				// role it does not grant the route's action gets 403,
				// whatever the object; the entries above say what the
				// granted roles get inside and outside their jurisdiction.
				if as != anonymous && !(&epiloop.User{Role: matrixRole(as)}).Can(action) {
					wantStatus = http.StatusForbidden
				} else if wantStatus == http.StatusForbidden && !rc.refusesGranted {
					t.Errorf("%s: the table refuses %s, whom the permission table grants %q", rc.pattern, as, action)
				}
				t.Run(rc.pattern+"/"+as+"/"+run.name, func(t *testing.T) {
					if wantStatus == 0 {
						t.Fatalf("the table gives no status for %s", as)
					}
					status, body, loc := m.do(t, as, c)
					if status != wantStatus {
						t.Errorf("%s %s as %s: status %d, want %d: %.300s", c.method, c.path, as, status, wantStatus, body)
					}
					// A signed-in page sent to the login has lost its
					// session: its 303 is not the form's.
					if c.page && as != anonymous && status == http.StatusSeeOther &&
						strings.HasPrefix(loc, "/login") && rc.pattern != "POST /logout" {
						t.Errorf("%s %s as %s: sent to %s", c.method, c.path, as, loc)
					}
					for _, leak := range m.leaks(as, rc, status, body) {
						t.Errorf("%s %s as %s: the answer holds %s", c.method, c.path, as, leak)
					}
					// An object a role may not see reads exactly as one
					// that does not exist.
					if rc.out != nil && status == http.StatusNotFound {
						if got, want := m.notFound(t, as, c), m.notFound(t, as, missing(rc.pattern, c)); got != want {
							t.Errorf("%s %s as %s: 404 reads %q, a missing object's %q", c.method, c.path, as, got, want)
						}
					}
				})
			}
		}
	}
}

// routeTable is the matrix: one entry per registered pattern, in the
// order the server registers them.
func routeTable() []routeCase {
	const (
		ok          = http.StatusOK
		created     = http.StatusCreated
		accepted    = http.StatusAccepted
		noContent   = http.StatusNoContent
		seeOther    = http.StatusSeeOther
		forbidden   = http.StatusForbidden
		notFound    = http.StatusNotFound
		unauthorize = http.StatusUnauthorized
	)
	// Common rows: who reads leads, who reports them.
	leadReaders := want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uCommittee: ok, uOther: ok, uAdmin: ok, others: forbidden}
	reporters := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uCheckpoint: st, uAdmin: st, others: forbidden}
	}
	everyone := want{others: ok}
	// The roster: managers inside their jurisdiction, city-wide ones
	// outside it too.
	dutyIn := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uAdmin: st, others: forbidden}
	}
	dutyOut := func(st int) want { return want{uCommander: st, uAdmin: st, others: forbidden} }
	// A unit's own task: the unit acts, every other role finds nothing.
	unitTask := want{uStation: ok, uCommittee: ok, uOther: ok, others: notFound}
	nobodyOutside := want{others: notFound}
	// Plans: their committee, its district's commander and commanders act;
	// an admin sees but may not act.
	obsActors := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uCommittee: st, uAdmin: forbidden, others: notFound}
	}
	obsActorsOut := func(st int) want { return want{uCommander: st, uAdmin: forbidden, others: notFound} }
	// Field pages: stations and committees only; the role gate comes
	// before the lead is read, so other roles are 403 on any lead.
	fieldPage := func(st int) want { return want{uStation: st, uCommittee: st, uOther: st, others: forbidden} }
	fieldPageOut := want{uStation: notFound, uCommittee: notFound, uOther: notFound, others: forbidden}
	adminOnly := func(st int) want { return want{uAdmin: st, others: forbidden} }
	obsPage := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uCommittee: st, uDetention: notFound, uDetentionB: notFound, others: forbidden}
	}
	obsPageOut := func(st int) want {
		return want{uCommander: st, uHeping: notFound, uShenhe: notFound, uCommittee: notFound, uDetention: notFound, uDetentionB: notFound, others: forbidden}
	}
	intakePage := func(st int) want {
		return want{uCommander: st, uHeping: st, uShenhe: st, uAdmin: st, uCheckpoint: st, others: forbidden}
	}

	core := []routeCase{
		// server.go
		{pattern: "GET /healthz", in: want{others: ok, anonymous: ok},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/healthz", nil) }},

		// auth.go
		{pattern: "POST /api/v1/login", in: want{others: ok, anonymous: unauthorize},
			call: func(m *matrix, as string, side int) mxCall {
				if as == anonymous {
					return apiCall("POST", "/api/v1/login", map[string]string{"name": "nobody", "password": "wrong-password"})
				}
				return apiCall("POST", "/api/v1/login", map[string]string{"name": as, "password": mxPassword})
			}},
		{pattern: "POST /api/v1/logout", in: want{others: noContent},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("POST", "/api/v1/logout", nil) }},
		{pattern: "GET /api/v1/me", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/me", nil) }},

		// lead.go. A report may name any address: a district commander
		// reports a person living in another district.
		// A reporter who may read the lead gets it (201); one who may not
		// gets its id and status only (202).
		{pattern: "POST /api/v1/leads",
			in:  want{uCommander: created, uHeping: created, uShenhe: created, uCheckpoint: accepted, uAdmin: accepted, others: forbidden},
			out: want{uCommander: created, uHeping: accepted, uShenhe: accepted, uCheckpoint: accepted, uAdmin: accepted, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				b := leadBody(m.nextID(), mxReportAddr[side])
				b["person"].(map[string]any)["name"] = mxReporterName
				return apiCall("POST", "/api/v1/leads", b)
			}},
		{pattern: "GET /api/v1/leads", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/leads?per_page=500", nil) }},
		// search.go: a person search is a lead list read.
		{pattern: "GET /api/v1/persons", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/persons?q="+url.QueryEscape(mxReporterName), nil)
			}},
		{pattern: "POST /api/v1/persons/search", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/persons/search", map[string]string{"q": mxReporterName})
			}},
		{pattern: "GET /api/v1/leads/{id}",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uCommittee: ok, uOther: ok, uAdmin: ok, others: notFound},
			out: want{uCommander: ok, uAdmin: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/leads/%d", m.lead[side].ID), nil)
			}},
		{pattern: "POST /api/v1/leads/{id}/adjudicate",
			in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: forbidden, uCommittee: forbidden, uOther: forbidden,
				uAdmin: forbidden, others: notFound},
			out: want{uCommander: ok, uAdmin: forbidden, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/leads/%d/adjudicate", m.freshConflict(side).ID),
					map[string]any{"action": "repush", "note": "复核"})
			}},
		// An unroutable lead has no district: only city-wide readers see it.
		{pattern: "POST /api/v1/leads/{id}/route", in: want{uCommander: ok, uAdmin: forbidden, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/leads/%d/route", m.freshUnroutable().ID), map[string]any{"community": shuiyuandi})
			}},
		{pattern: "POST /api/v1/leads/route", in: want{uCommander: ok, uAdmin: forbidden, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/leads/route", map[string]any{"lead_ids": []int64{m.freshUnroutable().ID}, "community": shuiyuandi})
			}},

		// task.go
		{pattern: "GET /api/v1/tasks",
			in:   want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uCommittee: ok, uOther: ok, uCheckpoint: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/tasks?per_page=500", nil) }},
		{pattern: "POST /api/v1/tasks/{id}/accept", in: unitTask, out: nobodyOutside,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/tasks/%d/accept", m.freshTask(as, side)), nil)
			}},
		{pattern: "POST /api/v1/tasks/{id}/return", in: unitTask, out: nobodyOutside,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/tasks/%d/return", m.freshTask(as, side)), map[string]any{"reason": "不在本辖区"})
			}},
		{pattern: "POST /api/v1/tasks/{id}/feedback", in: unitTask, out: nobodyOutside,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/tasks/%d/feedback", m.freshTask(as, side)), atHome(36.6))
			}},

		// stats.go, events.go
		{pattern: "GET /api/v1/stats/overview", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/stats/overview", nil) }},
		{pattern: "GET /api/v1/events", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				c := apiCall("GET", "/api/v1/events", nil)
				c.stream = true
				return c
			}},

		// audit.go
		{pattern: "GET /api/v1/notices", in: want{uAuditor: ok, uAdmin: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/notices?log=true", nil) }},
		{pattern: "GET /api/v1/audit", in: want{uAuditor: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/audit", nil) }},
		{pattern: "POST /api/v1/leads/{id}/reveal", reveals: true,
			// A district commander sees the lead but not who it is; an
			// admin likewise.
			in: want{uCommander: ok, uStation: ok, uCommittee: ok, uOther: ok, uHeping: forbidden, uShenhe: forbidden,
				uAdmin: forbidden, others: notFound},
			out: want{uCommander: ok, uAdmin: forbidden, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/leads/%d/reveal", m.lead[side].ID), map[string]any{"purpose": "上门核查"})
			}},

		// import.go. An import is its creator's (and the commander's); the
		// 和平区 one was made by its district commander, the 沈河区 one by
		// theirs.
		{pattern: "POST /api/v1/imports", in: reporters(accepted),
			call: func(m *matrix, as string, side int) mxCall { return m.importCall("/api/v1/imports") }},
		{pattern: "POST /api/v1/imports/preview", in: reporters(ok),
			call: func(m *matrix, as string, side int) mxCall { return m.importCall("/api/v1/imports/preview") }},
		{pattern: "GET /api/v1/imports/{id}",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, others: notFound},
			out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/imports/%d", m.imports[side]), nil)
			}},
		{pattern: "GET /api/v1/imports/{id}/rejects",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, others: notFound},
			out: want{uCommander: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/imports/%d/rejects", m.imports[side]), nil)
			}},

		// report.go
		{pattern: "GET /api/v1/reports/daily", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/reports/daily?format=csv", nil)
			}},

		// openapi.go: the API's description is public.
		{pattern: "GET /api/v1/openapi.json", in: want{others: ok, anonymous: ok},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/openapi.json", nil) }},

		// checkpoint.go
		{pattern: "GET /api/v1/checkpoints", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/checkpoints", nil) }},
		{pattern: "POST /api/v1/checkpoints", in: want{uCommander: created, uAdmin: created, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				m.seq++
				return apiCall("POST", "/api/v1/checkpoints", map[string]any{
					"code": fmt.Sprintf("CKM%04d", m.seq), "kind": "road", "name": "矩阵卡点", "district": heping, "location": "测试路1号"})
			}},
		{pattern: "POST /api/v1/checkpoints/{code}/screenings",
			// A district commander sees their district's checkpoint but
			// may not screen at it.
			in: want{uCommander: created, uCheckpoint: created, uHeping: forbidden, uShenhe: forbidden, uAdmin: forbidden,
				others: notFound},
			out: want{uCommander: created, uAdmin: forbidden, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/checkpoints/"+mxCheckpoint[side]+"/screenings", map[string]any{
					"direction": "in", "occupants": []any{m.traveller()}})
			}},
		{pattern: "GET /api/v1/checkpoints/{code}/screenings",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, uCheckpoint: ok, uAdmin: ok, others: notFound},
			out: want{uCommander: ok, uAdmin: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/checkpoints/"+mxCheckpoint[side]+"/screenings", nil)
			}},
		{pattern: "GET /api/v1/risk-areas", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/risk-areas?history=true", nil)
			}},
		{pattern: "POST /api/v1/risk-areas", in: want{uCommander: created, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/risk-areas", map[string]any{"code": "4201", "level": "high", "from": "2020-01-01", "to": "2020-03-31"})
			}},
		{pattern: "GET /api/v1/stats/checkpoints", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/stats/checkpoints", nil) }},

		// duty.go: everyone reads the structure and who is on duty; roster
		// managers change the nodes of their jurisdiction (a district
		// commander their district's sub-command); a person checks in to
		// their own slot.
		{pattern: "GET /api/v1/command/nodes", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/command/nodes", nil) }},
		{pattern: "POST /api/v1/command/nodes", in: dutyIn(created), out: dutyOut(created), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				m.seq++
				return apiCall("POST", "/api/v1/command/nodes", map[string]any{"code": fmt.Sprintf("MXN%04d", m.seq),
					"kind": "working_group", "name": "矩阵工作组", "parent": mxDutyNode[side], "district": mxDistrict[side], "leader": "矩阵组长"})
			}},
		{pattern: "GET /api/v1/command/nodes/{code}", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/command/nodes/"+mxDutyNode[side], nil)
			}},
		{pattern: "POST /api/v1/command/nodes/{code}/posts", in: dutyIn(created), out: dutyOut(created), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", "/api/v1/command/nodes/"+mxDutyNode[side]+"/posts", map[string]any{
					"kind": "duty_officer", "name": "矩阵值班员", "min_staff": 1, "max_staff": 2})
			}},
		{pattern: "POST /api/v1/duty/posts/{id}/roster", in: dutyIn(created), out: dutyOut(created), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/posts/%d/roster", m.dutyPost[side]), map[string]any{
					"pattern": "12h", "from": "2031-01-01", "to": "2031-01-02"})
			}},
		{pattern: "GET /api/v1/duty/slots", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/duty/slots?node="+mxDutyNode[side], nil)
			}},
		{pattern: "GET /api/v1/duty/gaps", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/duty/gaps?node="+mxDutyNode[side]+"&from=2020-01-01", nil)
			}},
		{pattern: "POST /api/v1/duty/slots/{id}/assign", in: dutyIn(ok), out: dutyOut(ok), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/slots/%d/assign", m.freshSlot(side, 0)),
					map[string]any{"user_id": m.userID})
			}},
		{pattern: "POST /api/v1/duty/slots/{id}/unassign", in: dutyIn(ok), out: dutyOut(ok), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/slots/%d/unassign", m.freshSlot(side, m.userID)),
					map[string]any{"user_id": m.userID})
			}},
		// Only the person on the slot checks in: the other side's slot is
		// another person's.
		{pattern: "POST /api/v1/duty/slots/{id}/check-in", in: everyone, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/slots/%d/check-in", m.nowSlot(as, side, false)), nil)
			}},
		{pattern: "POST /api/v1/duty/slots/{id}/check-out", in: everyone, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/slots/%d/check-out", m.nowSlot(as, side, true)), nil)
			}},
		{pattern: "GET /api/v1/duty/now", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/duty/now?node="+mxDutyNode[side], nil)
			}},
		// handover.go: a hand-over is confirmed by a person of its slots
		// only; the duty inbox is one's own.
		{pattern: "GET /api/v1/duty/handovers", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/duty/handovers?node="+mxDutyNode[side]+"&open=true", nil)
			}},
		{pattern: "GET /api/v1/duty/handovers/mine", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/duty/handovers/mine", nil) }},
		{pattern: "POST /api/v1/duty/posts/{id}/handover", in: everyone, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				post, boundary := m.handoverSlot(as, side)
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/posts/%d/handover", post), map[string]any{
					"boundary": boundary, "open_conflicts": 1, "overdue_tasks": 2, "alerts": 0, "note": "交接正常"})
			}},
		{pattern: "GET /api/v1/duty/inbox", in: everyone,
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/duty/inbox?open=true", nil)
			}},
		{pattern: "POST /api/v1/duty/inbox/{id}/done", in: everyone, out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/duty/inbox/%d/done", m.dutyItem(as, side)), nil)
			}},

		// observation.go. A home observation is its committee's: the
		// station that found the person does not see the plan.
		// A facility's staff read their facility's plans (none here).
		{pattern: "GET /api/v1/observations", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uStation: ok, uCommittee: ok, uOther: ok, uAdmin: ok,
			uDetention: ok, uDetentionB: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", "/api/v1/observations?per_page=500", nil)
			}},
		{pattern: "GET /api/v1/observations/{id}",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, uCommittee: ok, uAdmin: ok, others: notFound},
			out: want{uCommander: ok, uAdmin: ok, others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("GET", fmt.Sprintf("/api/v1/observations/%d", m.observation[side]), nil)
			}},
		{pattern: "POST /api/v1/observations/{id}/checks", in: obsActors(created), out: obsActorsOut(created),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/observations/%d/checks", m.freshObservation(side)),
					map[string]any{"temperature": 36.5, "symptoms": false, "present": true})
			}},
		{pattern: "POST /api/v1/observations/{id}/release", in: obsActors(ok), out: obsActorsOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/observations/%d/release", m.freshObservation(side)),
					map[string]any{"reason": "专家组评估解除"})
			}},
		{pattern: "POST /api/v1/observations/{id}/transfer", in: obsActors(ok), out: obsActorsOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/observations/%d/transfer", m.freshObservation(side)),
					map[string]any{"hospital": "沈阳市第六人民医院"})
			}},
		{pattern: "POST /api/v1/observations/{id}/place",
			// Placing is for commanders: the committee may act on the plan
			// but not move it.
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, uCommittee: forbidden, uAdmin: forbidden, others: notFound},
			out: obsActorsOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return apiCall("POST", fmt.Sprintf("/api/v1/observations/%d/place", m.freshObservation(side)),
					map[string]any{"site": mxSite[side]})
			}},
		{pattern: "GET /api/v1/sites", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/sites", nil) }},
		{pattern: "POST /api/v1/sites", in: want{uCommander: created, uAdmin: created, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				m.seq++
				return apiCall("POST", "/api/v1/sites", map[string]any{
					"code": fmt.Sprintf("SITEM%04d", m.seq), "name": fmt.Sprintf("矩阵隔离点%d", m.seq), "district": heping, "capacity": 10})
			}},
		{pattern: "GET /api/v1/stats/observations", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/stats/observations", nil) }},

		// The API's catch-all answers JSON 404 to anyone.
		{pattern: "/api/", in: want{others: notFound, anonymous: notFound},
			call: func(m *matrix, as string, side int) mxCall { return apiCall("GET", "/api/v1/nowhere", nil) }},

		// ui.go
		{pattern: "GET /static/{hash}/{file...}", in: want{others: ok, anonymous: ok},
			call: func(m *matrix, as string, side int) mxCall { return pageGet(m.asset) }},
		{pattern: "GET /{$}", in: want{others: seeOther, anonymous: seeOther},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/") }},
		{pattern: "/", in: want{others: notFound, anonymous: notFound},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/nowhere") }},
		{pattern: "POST /lang", in: want{others: seeOther, anonymous: seeOther},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/lang", url.Values{"lang": {"zh"}, "next": {"/leads"}})
			}},

		// ui_auth.go
		{pattern: "GET /login", in: want{others: seeOther, anonymous: ok},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/login") }},
		{pattern: "POST /login", in: want{others: seeOther, anonymous: unauthorize},
			call: func(m *matrix, as string, side int) mxCall {
				if as == anonymous {
					return pagePost("/login", url.Values{"name": {"nobody"}, "password": {"wrong-password"}})
				}
				return pagePost("/login", url.Values{"name": {as}, "password": {mxPassword}})
			}},
		{pattern: "POST /logout", in: want{others: seeOther, anonymous: seeOther},
			call: func(m *matrix, as string, side int) mxCall {
				c := pagePost("/logout", nil)
				if as != anonymous {
					c.session = m.login(as) // a session of its own: the role's stays open
				}
				return c
			}},
		{pattern: "GET /account", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/account") }},

		// ui_dashboard.go
		{pattern: "GET /dashboard", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/dashboard") }},

		// ui_leads.go
		{pattern: "GET /leads", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/leads") }},
		{pattern: "POST /search", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/search", url.Values{"q": {mxReporterName}})
			}},
		{pattern: "GET /leads/{id}", in: leadReaders,
			out: want{uCommander: ok, uAdmin: ok, uHeping: notFound, uShenhe: notFound, uStation: notFound, uCommittee: notFound,
				uOther: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet(fmt.Sprintf("/leads/%d", m.lead[side].ID)) }},
		{pattern: "POST /leads/{id}/reveal", reveals: true,
			// A refused reveal must answer 403 as the API does, not a
			// page of 200 with the refusal in it.
			in: want{uCommander: ok, uStation: ok, uCommittee: ok, uOther: ok, uHeping: forbidden, uShenhe: forbidden,
				uAdmin: forbidden, others: forbidden},
			out: want{uCommander: ok, uAdmin: forbidden, uHeping: notFound, uShenhe: notFound, uStation: notFound,
				uCommittee: notFound, uOther: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/leads/%d/reveal", m.lead[side].ID), url.Values{"purpose": {"电话联系核实"}})
			}},

		// ui_duty.go: everyone signed-in reads the structure and the board.
		{pattern: "GET /command", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/command") }},
		{pattern: "GET /duty/now", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/duty/now?node=" + mxDutyNode[side]) }},
		// The board's check-in and check-out: one's own slot only.
		{pattern: "POST /duty/slots/{id}/check-in", in: want{others: seeOther}, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/duty/slots/%d/check-in", m.nowSlot(as, side, false)), nil)
			}},
		{pattern: "POST /duty/slots/{id}/check-out", in: want{others: seeOther}, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/duty/slots/%d/check-out", m.nowSlot(as, side, true)), nil)
			}},
		// ui_roster.go: everyone signed-in reads the week's roster; its
		// managers assign by account name and take a person off.
		{pattern: "GET /roster", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/roster?node=" + mxDutyNode[side]) }},
		{pattern: "POST /roster/slots/{id}/assign", in: dutyIn(seeOther), out: dutyOut(seeOther), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/roster/slots/%d/assign", m.freshSlot(side, 0)), url.Values{"name": {uStation}})
			}},
		{pattern: "POST /roster/slots/{id}/unassign", in: dutyIn(seeOther), out: dutyOut(seeOther), refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/roster/slots/%d/unassign", m.freshSlot(side, m.userID)),
					url.Values{"user_id": {strconv.FormatInt(m.userID, 10)}})
			}},

		// ui_handover.go: one's own hand-overs and duty inbox.
		{pattern: "GET /duty/handover", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/duty/handover") }},
		{pattern: "POST /duty/handover", in: want{others: seeOther}, out: want{others: forbidden}, refusesGranted: true,
			call: func(m *matrix, as string, side int) mxCall {
				post, boundary := m.handoverSlot(as, side)
				b, _ := time.Parse(time.RFC3339, boundary)
				return pagePost("/duty/handover", url.Values{"post": {fmt.Sprint(post)}, "boundary": {fmt.Sprint(b.Unix())},
					"open_conflicts": {"0"}, "overdue_tasks": {"0"}, "alerts": {"0"}})
			}},
		{pattern: "GET /duty/inbox", in: everyone,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/duty/inbox") }},
		{pattern: "POST /duty/inbox/{id}/done", in: want{others: seeOther}, out: want{others: notFound},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/duty/inbox/%d/done", m.dutyItem(as, side)), nil)
			}},

		// ui_audit.go: the auditor's page, newest first.
		{pattern: "GET /audit", in: want{uAuditor: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/audit?action=reveal&from=2020-01-01") }},

		// ui_queues.go
		{pattern: "GET /conflicts", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/conflicts") }},
		{pattern: "POST /leads/{id}/adjudicate",
			in:  want{uCommander: seeOther, uHeping: seeOther, uShenhe: seeOther, others: forbidden},
			out: want{uCommander: seeOther, uHeping: notFound, uShenhe: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/leads/%d/adjudicate", m.freshConflict(side).ID),
					url.Values{"action": {"repush"}, "note": {"复核"}})
			}},
		{pattern: "GET /unroutable", in: want{uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/unroutable") }},
		{pattern: "GET /leads/{id}/route", in: want{uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/leads/%d/route", m.unroutable.ID))
			}},
		{pattern: "POST /leads/{id}/route", in: want{uCommander: seeOther, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/leads/%d/route", m.freshUnroutable().ID), url.Values{"community": {shuiyuandi}})
			}},
		{pattern: "GET /unroutable/route", in: want{uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/unroutable/route?lead=%d", m.unroutable.ID))
			}},
		{pattern: "POST /unroutable/route", in: want{uCommander: seeOther, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/unroutable/route", url.Values{"lead": {strconv.FormatInt(m.freshUnroutable().ID, 10)}, "community": {shuiyuandi}})
			}},

		// ui_inbox.go
		{pattern: "GET /inbox", in: fieldPage(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/inbox") }},
		{pattern: "GET /inbox/leads/{id}", in: fieldPage(ok), out: fieldPageOut,
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/inbox/leads/%d", m.lead[side].ID))
			}},
		{pattern: "POST /inbox/leads/{id}/accept", in: fieldPage(seeOther), out: fieldPageOut,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/inbox/leads/%d/accept", m.freshLead(side).ID), nil)
			}},
		{pattern: "POST /inbox/leads/{id}/feedback", in: fieldPage(seeOther), out: fieldPageOut,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/inbox/leads/%d/feedback", m.freshLead(side).ID), url.Values{
					"located": {"at_address"}, "contact": {"in_person"}, "temperature": {"36.4"}, "measure": {"home_observation"}})
			}},
		{pattern: "POST /inbox/leads/{id}/return", in: fieldPage(seeOther), out: fieldPageOut,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/inbox/leads/%d/return", m.freshLead(side).ID), url.Values{"reason": {"不在本辖区"}})
			}},
		{pattern: "POST /inbox/leads/{id}/reveal", reveals: true, in: fieldPage(ok), out: fieldPageOut,
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/inbox/leads/%d/reveal", m.lead[side].ID), url.Values{"purpose": {"电话联系核实"}})
			}},

		// ui_admin.go. Users have no jurisdiction: outside is a user that
		// does not exist.
		{pattern: "GET /admin/users", in: adminOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/admin/users") }},
		{pattern: "POST /admin/users", in: adminOnly(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				m.seq++
				return pagePost("/admin/users", url.Values{"name": {fmt.Sprintf("matrix-new-%d", m.seq)}, "role": {"committee"},
					"unit": {shuiyuandiCM}, "password": {"0123456789ab"}})
			}},
		{pattern: "GET /admin/users/{id}", in: adminOnly(ok), out: adminOnly(notFound),
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/admin/users/%d", m.user(as, side, false)))
			}},
		{pattern: "POST /admin/users/{id}", in: adminOnly(seeOther), out: adminOnly(notFound),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/admin/users/%d", m.user(as, side, true)),
					url.Values{"role": {"committee"}, "unit": {shuiyuandiCM}, "disabled": {"yes"}})
			}},
		{pattern: "POST /admin/users/{id}/password", in: adminOnly(seeOther), out: adminOnly(notFound),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/admin/users/%d/password", m.user(as, side, true)), url.Values{"password": {"0123456789ab"}})
			}},
		{pattern: "GET /admin/units", in: adminOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/admin/units?district=" + heping) }},
		{pattern: "GET /admin/mapping", in: adminOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/admin/mapping") }},
		{pattern: "POST /admin/mapping", in: adminOnly(ok),
			call: func(m *matrix, as string, side int) mxCall { return m.mappingCall() }},

		// ui_checkpoint.go. An officer's page is their checkpoint's; a
		// district commander's, their district's.
		{pattern: "GET /checkpoints",
			in:   want{uCheckpoint: seeOther, uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/checkpoints") }},
		{pattern: "GET /checkpoints/origins", in: want{uCheckpoint: ok, uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet("/checkpoints/origins?q=" + url.QueryEscape("武汉"))
			}},
		{pattern: "GET /checkpoints/{code}",
			in:   want{uCheckpoint: ok, uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			out:  want{uCheckpoint: notFound, uCommander: ok, uHeping: notFound, uShenhe: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/checkpoints/" + mxCheckpoint[side]) }},
		// Commanders screen anywhere (a mobile team at a crossing); a
		// district commander reads its checkpoints but does not screen.
		{pattern: "POST /checkpoints/{code}/screenings",
			in:  want{uCheckpoint: ok, uCommander: ok, others: forbidden},
			out: want{uCheckpoint: notFound, uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				o := m.traveller()
				return pagePost("/checkpoints/"+mxCheckpoint[side]+"/screenings", url.Values{"direction": {"in"},
					"o.0.id_number": {o["id_number"].(string)}, "o.0.name": {"旅客"}, "o.0.phone": {""}, "o.0.origin": {"大连"},
					"o.0.destination": {mxTravelTo}, "o.0.temperature": {"36.5"}})
			}},

		// ui_observation.go. The plan's committee, its district's
		// commander and commanders; placing is for commanders.
		{pattern: "GET /observations", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uCommittee: ok, uDetention: ok, uDetentionB: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/observations?status=all") }},
		{pattern: "GET /observations/sites", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/observations/sites") }},
		{pattern: "GET /observations/{id}", in: obsPage(ok), out: obsPageOut(ok),
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/observations/%d", m.observation[side]))
			}},
		{pattern: "POST /observations/{id}/checks", in: obsPage(seeOther), out: obsPageOut(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/observations/%d/checks", m.freshObservation(side)),
					url.Values{"temperature": {"36.5"}, "symptoms": {"no"}, "present": {"yes"}})
			}},
		{pattern: "POST /observations/{id}/release", in: obsPage(seeOther), out: obsPageOut(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/observations/%d/release", m.freshObservation(side)), url.Values{"reason": {"专家组评估解除"}})
			}},
		{pattern: "POST /observations/{id}/transfer", in: obsPage(seeOther), out: obsPageOut(seeOther),
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/observations/%d/transfer", m.freshObservation(side)), url.Values{"hospital": {"沈阳市第六人民医院"}})
			}},
		{pattern: "POST /observations/{id}/place",
			in:  want{uCommander: seeOther, uHeping: seeOther, uShenhe: seeOther, others: forbidden},
			out: want{uCommander: seeOther, uHeping: notFound, uShenhe: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost(fmt.Sprintf("/observations/%d/place", m.freshObservation(side)), url.Values{"site": {mxSite[side]}})
			}},

		// ui_intake.go. A previewed file is its uploader's: another's
		// token answers as an expired one.
		{pattern: "GET /imports", in: intakePage(ok),
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/imports") }},
		{pattern: "POST /imports/preview", in: intakePage(ok),
			call: func(m *matrix, as string, side int) mxCall {
				c := m.importCall("/imports/preview")
				c.page = true
				return c
			}},
		{pattern: "POST /imports/commit", in: intakePage(seeOther), out: intakePage(http.StatusGone),
			call: func(m *matrix, as string, side int) mxCall {
				owner := as
				if side != sideOf(as) {
					owner = uCommander
					if as == uCommander {
						owner = uHeping
					}
				}
				return pagePost("/imports/commit", url.Values{"token": {m.previewToken(owner)}})
			}},
		{pattern: "GET /imports/{id}",
			in:  want{uCommander: ok, uHeping: ok, uShenhe: ok, uAdmin: notFound, uCheckpoint: notFound, others: forbidden},
			out: want{uCommander: ok, uHeping: notFound, uShenhe: notFound, uAdmin: notFound, uCheckpoint: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet(fmt.Sprintf("/imports/%d", m.imports[side]))
			}},

		// ui_report.go: the daily report's page, workbook and print view.
		{pattern: "GET /reports/daily", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/reports/daily") }},
		{pattern: "GET /reports/daily.xlsx", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/reports/daily.xlsx") }},
		{pattern: "GET /reports/daily/print", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uAnalyst: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/reports/daily/print") }},

		// export.go: the lists' workbooks, as the lists are scoped; the
		// full identities only by a reveal's purpose.
		{pattern: "GET /leads.xlsx", in: leadReaders,
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/leads.xlsx") }},
		{pattern: "POST /leads.xlsx", reveals: true, in: want{uCommander: ok, uStation: ok, uCommittee: ok, uOther: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pagePost("/leads.xlsx", url.Values{"purpose": {"核查需要"}})
			}},
		{pattern: "GET /conflicts.xlsx", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/conflicts.xlsx") }},
		{pattern: "GET /unroutable.xlsx", in: want{uCommander: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/unroutable.xlsx") }},
		{pattern: "GET /observations.xlsx", in: want{uCommander: ok, uHeping: ok, uShenhe: ok, uCommittee: ok, uDetention: ok, uDetentionB: ok, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall { return pageGet("/observations.xlsx?status=all") }},
		{pattern: "GET /checkpoints/{code}/screenings.xlsx",
			in:  want{uCheckpoint: ok, uCommander: ok, uHeping: ok, uShenhe: ok, others: forbidden},
			out: want{uCheckpoint: notFound, uCommander: ok, uHeping: notFound, uShenhe: notFound, others: forbidden},
			call: func(m *matrix, as string, side int) mxCall {
				return pageGet("/checkpoints/" + mxCheckpoint[side] + "/screenings.xlsx")
			}},
	}
	return slices.Concat(core, placeRouteCases(), patrolRouteCases(), volunteerRouteCases(), mergeRouteCases(), deskRouteCases(), caseRouteCases(), detentionRouteCases(), xcityRouteCases())
}

// mxSite is each side's isolation site: a plan placed at its own side's
// site stays in its district (a site elsewhere would move it there).
var mxSite = [2]string{"SITEM0", "SITEM1"}

// matrix is the fixture of the matrix: the API fixture with an admin,
// every user signed in to the pages, and the shared objects of each side.
type matrix struct {
	t        *testing.T
	f        *fixture
	root     string
	client   *http.Client // follows no redirect
	sessions map[string]string
	seq      int

	lead        [2]leadJSON // pushed to both units, never changed
	observation [2]int64    // active home observations
	imports     [2]int64
	unroutable  leadJSON
	userID      int64    // a user for the admin pages
	dutyPost    [2]int64 // a post of each side's sub-command
	asset       string   // a fingerprinted asset URL
	mapping     []byte   // a station mapping that changes nothing
	// ids are the ID numbers the matrix reported: no answer holds one in
	// full but a reveal to a role that may unmask.
	ids map[string]bool
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	f := newFixture(t)
	m := &matrix{t: t, f: f, root: strings.TrimSuffix(f.url, "/api/v1"), sessions: map[string]string{}, ids: map[string]bool{},
		client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(m.client.CloseIdleConnections)
	ctx := context.Background()
	admin := &epiloop.User{Name: uAdmin, Role: epiloop.RoleAdmin}
	if err := f.svc.CreateUser(ctx, admin, ""); err != nil {
		t.Fatal(err)
	}
	m.addToken(uAdmin)
	f.withCheckpoints()

	// Each side's shared lead; the second side's committee gets a user.
	for side := range 2 {
		m.lead[side] = m.freshLead(side)
	}
	cmB := m.lead[1].liveTask(t, "committee").Unit.Code
	if err := f.svc.CreateUser(ctx, &epiloop.User{Name: uCommitteeB, Role: epiloop.RoleCommittee, UnitCode: cmB}, ""); err != nil {
		t.Fatal(err)
	}
	m.addToken(uCommitteeB)
	for side := range 2 {
		m.observation[side] = m.freshObservation(side)
	}
	m.unroutable = m.report(mxUnroutableName, mxUnroutableAddr) // never routed
	for side, district := range []string{heping, shenhe} {
		f.call(request{Method: "POST", Path: "/sites", As: uCommander, Body: map[string]any{
			"code": mxSite[side], "name": fmt.Sprintf("矩阵集中隔离点%d", side), "district": district, "capacity": 1000}}, http.StatusCreated, nil)
	}

	// Imports of each side, by its district commander, read to the end.
	for side, as := range []string{uHeping, uShenhe} {
		c := m.importCall("/api/v1/imports")
		var im importJSON
		f.call(request{Method: "POST", Path: "/imports", As: as, Body: c.body, Header: map[string]string{"Content-Type": c.ctype}},
			http.StatusAccepted, &im)
		if im = f.waitImport(as, im.ID); im.Status != "done" || im.Counts.Rejected != 1 {
			t.Fatalf("import %+v, want done with one reject", im)
		}
		m.imports[side] = im.ID
	}

	// Passwords, set by the admin, and a session for each user.
	actx := epiloop.NewContextWithUser(ctx, admin)
	for _, as := range matrixRoles {
		if as == anonymous {
			continue
		}
		if err := f.svc.ResetPassword(actx, m.userByName(as).ID, mxPassword); err != nil {
			t.Fatalf("password of %s: %v", as, err)
		}
		m.addToken(as) // the reset ended the user's bearer token
		m.sessions[as] = m.login(as)
	}
	m.userID = m.userByName(uStation).ID

	status, body, _ := m.do(t, anonymous, pageGet("/login"))
	m.asset = regexp.MustCompile(`/static/[0-9a-f]{12}/app\.css`).FindString(string(body))
	if status != http.StatusOK || m.asset == "" {
		t.Fatalf("login page: %d, no fingerprinted app.css", status)
	}
	// 水源地社区 to the station that serves it, under the name it has.
	var stationName string
	for _, u := range tree.Units {
		if u.Code == shuiyuandiPS {
			stationName = u.Name
		}
	}
	m.mapping = fmt.Appendf(nil, "community,station_code,station_name\n%s,%s,%s\n", shuiyuandi, shuiyuandiPS, stationName)
	m.seedDuty()
	return m
}

func (m *matrix) addToken(name string) {
	m.t.Helper()
	tok, err := m.f.svc.CreateToken(context.Background(), name, 24*time.Hour)
	if err != nil {
		m.t.Fatal(err)
	}
	m.f.tokens[name] = tok
}

func (m *matrix) userByName(name string) *epiloop.User {
	m.t.Helper()
	var u *epiloop.User
	err := m.f.store.View(context.Background(), func(tx epiloop.Tx) (err error) {
		u, err = tx.FindUserByName(name)
		return err
	})
	if err != nil {
		m.t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// login opens a session through the API and returns its cookie.
func (m *matrix) login(as string) string {
	m.t.Helper()
	res := m.f.do(request{Method: "POST", Path: "/login", Body: map[string]string{"name": as, "password": mxPassword}})
	if res.Status != http.StatusOK {
		m.t.Fatalf("login %s: %d %s", as, res.Status, res.Body)
	}
	resp := http.Response{Header: res.Header}
	for _, c := range resp.Cookies() {
		if c.Name == ehttp.SessionCookie {
			return c.Value
		}
	}
	m.t.Fatalf("login %s set no session cookie", as)
	return ""
}

// nextID returns a new valid ID number and remembers it.
func (m *matrix) nextID() string {
	m.seq++
	id := seriesID(m.seq)
	m.ids[id] = true
	return id
}

// seriesID returns the n-th of a series of valid ID numbers of 和平区, a
// thousand for each birth day from 1 January 1950 on (so the fixture's
// idNumber series, born 1 January 1990, is met only past n = 14,610,000).
func seriesID(n int) string {
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	base := fmt.Sprintf("210102%s%03d", born.Format("20060102"), n%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

// report reports a new person of the given name at address as the
// commander.
func (m *matrix) report(name, address string) leadJSON {
	m.t.Helper()
	b := leadBody(m.nextID(), address)
	b["person"].(map[string]any)["name"] = name
	var l leadJSON
	m.f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: b}, http.StatusCreated, &l)
	return l
}

// freshLead is a new lead of a side, pushed to its two units.
func (m *matrix) freshLead(side int) leadJSON { return m.report(mxName[side], mxAddr[side]) }

// freshUnroutable is a new lead whose address routes nowhere. Routed by
// hand to 水源地社区, it joins the 和平区 side, whose name it bears.
func (m *matrix) freshUnroutable() leadJSON { return m.report(mxName[0], mxUnroutableAddr) }

// units are the station and committee users of a side.
func units(side int) (station, committee string) {
	if side == 1 {
		return uOther, uCommitteeB
	}
	return uStation, uCommittee
}

// freshTask is the task a role would act on in a new lead of a side: a
// committee's the committee task, anyone else's the station's.
func (m *matrix) freshTask(as string, side int) int64 {
	l := m.freshLead(side)
	kind := "police_station"
	if as == uCommittee {
		kind = "committee"
	}
	return l.liveTask(m.t, kind).ID
}

// freshConflict is a new lead of a side whose units disagree on the
// measure.
func (m *matrix) freshConflict(side int) leadJSON {
	l := m.freshLead(side)
	st, cm := units(side)
	m.f.feedback(st, l.liveTask(m.t, "police_station").ID, atHome(36.5))
	none := atHome(36.5)
	none["measure"] = "none_required"
	m.f.feedback(cm, l.liveTask(m.t, "committee").ID, none)
	if got := m.f.lead(l.ID); got.Status != "conflict" {
		m.t.Fatalf("lead %d is %s, want conflict", l.ID, got.Status)
	}
	return l
}

// freshObservation is the active home observation of a new lead of a
// side whose units agreed on it.
func (m *matrix) freshObservation(side int) int64 {
	l := m.freshLead(side)
	st, cm := units(side)
	m.f.feedback(st, l.liveTask(m.t, "police_station").ID, atHome(36.5))
	m.f.feedback(cm, l.liveTask(m.t, "committee").ID, atHome(36.6))
	var list listJSON[observationJSON]
	m.f.call(request{Method: "GET", Path: "/observations?status=active&per_page=500", As: uCommander}, http.StatusOK, &list)
	for _, o := range list.Items {
		if o.LeadID == l.ID {
			return o.ID
		}
	}
	m.t.Fatalf("lead %d has no active observation", l.ID)
	return 0
}

// user is the user an admin page names: outside the admin's reach is a
// user that does not exist; with throwaway, a new user the call may change.
func (m *matrix) user(as string, side int, throwaway bool) int64 {
	if side != sideOf(as) {
		return 999999
	}
	if !throwaway {
		return m.userID
	}
	m.seq++
	u := &epiloop.User{Name: fmt.Sprintf("matrix-throwaway-%d", m.seq), Role: epiloop.RoleCommittee, UnitCode: shuiyuandiCM}
	if err := m.f.svc.CreateUser(context.Background(), u, ""); err != nil {
		m.t.Fatal(err)
	}
	return u.ID
}

// traveller is an occupant released at the gate: no fever, from a place
// that is not a risk area, bound for an address of no lead.
func (m *matrix) traveller() map[string]any {
	o := occupant(m.nextID(), "大连", 36.5)
	o["destination"] = mxTravelTo
	return o
}

// importCall uploads a new one-row manifest whose row is rejected (the ID
// number's check character is wrong), so an import creates no lead.
func (m *matrix) importCall(path string) mxCall {
	m.seq++
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("source", "rail")
	mw.WriteField("ref", fmt.Sprintf("G%d", m.seq))
	w, err := mw.CreateFormFile("file", "manifest.csv")
	if err != nil {
		m.t.Fatal(err)
	}
	fmt.Fprintf(w, "姓名,身份证号,手机号,目的地址\n旅客%d,110105194912310021,,沈阳市和平区水源地社区1号\n", m.seq)
	mw.Close()
	return mxCall{method: "POST", path: path, body: b.Bytes(), ctype: mw.FormDataContentType()}
}

// previewToken previews a new manifest on the intake page as a role that
// may import, and returns the token its commit sends; any other role gets
// a token that names nothing.
func (m *matrix) previewToken(as string) string {
	m.t.Helper()
	if as == anonymous || !(&epiloop.User{Role: matrixRole(as)}).Can(epiloop.ActImport) {
		return strings.Repeat("0", 32)
	}
	c := m.importCall("/imports/preview")
	c.page = true
	status, body, _ := m.do(m.t, as, c)
	tok := regexp.MustCompile(`name="token" value="([0-9a-f]{32})"`).FindSubmatch(body)
	if status != http.StatusOK || tok == nil {
		m.t.Fatalf("preview as %s: %d, no token: %.300s", as, status, body)
	}
	return string(tok[1])
}

func (m *matrix) mappingCall() mxCall {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile("file", "mapping.csv")
	if err != nil {
		m.t.Fatal(err)
	}
	w.Write(m.mapping)
	mw.Close()
	return mxCall{method: "POST", path: "/admin/mapping", body: b.Bytes(), ctype: mw.FormDataContentType(), page: true}
}

// do sends c as a role and returns the status, the body (none for a
// stream) and the Location.
func (m *matrix) do(t *testing.T, as string, c mxCall) (status int, body []byte, location string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, m.root+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	switch {
	case c.page && c.session != "":
		req.AddCookie(&http.Cookie{Name: ehttp.SessionCookie, Value: c.session})
	case as == anonymous:
	case c.page:
		req.AddCookie(&http.Cookie{Name: ehttp.SessionCookie, Value: m.sessions[as]})
	default:
		req.Header.Set("Authorization", "Bearer "+m.f.tokens[as])
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if c.page && c.method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", m.root)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	location = resp.Header.Get("Location")
	if c.stream {
		return resp.StatusCode, nil, location
	}
	if body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatalf("%s %s: read: %v", c.method, c.path, err)
	}
	return resp.StatusCode, body, location
}

// unmaskers may see an identity in full, by a reveal.
var unmaskers = []string{uCommander, uStation, uCommittee, uOther}

// leaks lists the personal data in an answer that the role may not see:
// names and addresses of persons outside its jurisdiction, and any ID
// number in full except in a reveal to a role that may unmask.
func (m *matrix) leaks(as string, rc routeCase, status int, body []byte) []string {
	var foreign []string
	switch as {
	case uCommander, uAdmin:
	case uHeping, uStation, uCommittee, uDetention:
		foreign = []string{mxName[1], mxAddr[1], mxUnroutableName}
	case uShenhe, uOther, uDetentionB:
		foreign = []string{mxName[0], mxAddr[0], mxUnroutableName}
	default:
		foreign = []string{mxName[0], mxName[1], mxAddr[0], mxAddr[1], mxUnroutableName}
	}
	var out []string
	for _, s := range foreign {
		if bytes.Contains(body, []byte(s)) {
			out = append(out, fmt.Sprintf("%q, of a person outside its jurisdiction", s))
		}
	}
	if rc.reveals && status == http.StatusOK && slices.Contains(unmaskers, as) {
		return out
	}
	for id := range m.ids {
		if bytes.Contains(body, []byte(id)) {
			out = append(out, "an ID number in full")
			break
		}
	}
	return out
}

// missing is c with the object its pattern names replaced by one that does
// not exist.
func missing(pattern string, c mxCall) mxCall {
	_, ppath, _ := strings.Cut(pattern, " ")
	path, query, hasQuery := strings.Cut(c.path, "?")
	want, got := strings.Split(ppath, "/"), strings.Split(path, "/")
	for i := range min(len(want), len(got)) {
		switch want[i] {
		case "{id}":
			got[i] = "999999"
		case "{code}":
			got[i] = "CK9999"
		}
	}
	c.path = strings.Join(got, "/")
	if hasQuery {
		c.path += "?" + query
	}
	return c
}

var errorSection = regexp.MustCompile(`(?s)<section class="card narrow error-page".*?</section>`)

// notFound sends c (which must fail and change nothing) in English and
// returns what its error says: the code and message of an API error, the
// error section of a page.
func (m *matrix) notFound(t *testing.T, as string, c mxCall) string {
	t.Helper()
	c.lang = "en"
	status, body, _ := m.do(t, as, c)
	if !c.page {
		var e apiError
		json.Unmarshal(body, &e)
		return fmt.Sprintf("%d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	return fmt.Sprintf("%d %s", status, errorSection.Find(body))
}
