package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
)

// allRoles are the fixture users in the order the matrix runs them.
var allRoles = []string{uCommander, uHeping, uShenhe, uStation, uCommittee, uOther, uAnalyst, uAuditor, uCheckpoint}

// TestJurisdiction runs every lead and task endpoint as every role on a
// lead of 水源地社区 (和平区): in jurisdiction the call goes through (or
// meets the lead's state, 409), a role the permission table does not
// grant the action is 403 whatever the lead, and out of jurisdiction the
// lead or task is 404, exactly as if it did not exist.
func TestJurisdiction(t *testing.T) {
	f := newFixture(t)
	seq := 0
	fresh := func(t testing.TB, address string) leadJSON {
		t.Helper()
		seq++
		return f.createLead(idNumber(seq), address)
	}
	shared := fresh(t, addrHome)

	const (
		ok        = http.StatusOK
		forbidden = http.StatusForbidden
		conflict  = http.StatusConflict
	)
	endpoints := []struct {
		name string
		// fresh endpoints change the lead: each role gets a new one.
		fresh      bool
		unroutable bool
		req        func(t testing.TB, l leadJSON) request
		// action is the endpoint's in the permission table: a role it
		// does not grant gets 403 on any lead.
		action epiloop.Action
		// want is the status by granted role; one not listed gets 404.
		want map[string]int
	}{
		{
			name: "GET lead", action: epiloop.ActReadLeads,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "GET", Path: fmt.Sprintf("/leads/%d", l.ID)}
			},
			want: map[string]int{uCommander: ok, uHeping: ok, uStation: ok, uCommittee: ok},
		},
		{
			name: "reveal", action: epiloop.ActReveal,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/leads/%d/reveal", l.ID), Body: map[string]any{"purpose": "上门核查"}}
			},
			// A district commander sees the lead but not who it is.
			want: map[string]int{uCommander: ok, uHeping: forbidden, uStation: ok, uCommittee: ok},
		},
		{
			name: "adjudicate", action: epiloop.ActAdjudicate,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/leads/%d/adjudicate", l.ID), Body: map[string]any{"action": "repush"}}
			},
			// The lead is pushed, not in conflict: those who may decide
			// reach the state check.
			want: map[string]int{uCommander: conflict, uHeping: conflict, uStation: forbidden, uCommittee: forbidden},
		},
		{
			name: "route a pushed lead", action: epiloop.ActRoute,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/leads/%d/route", l.ID), Body: map[string]any{"community": shuiyuandi}}
			},
			want: map[string]int{uCommander: conflict, uHeping: forbidden, uStation: forbidden, uCommittee: forbidden},
		},
		{
			name: "route an unroutable lead", fresh: true, unroutable: true, action: epiloop.ActRoute,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/leads/%d/route", l.ID), Body: map[string]any{"community": shuiyuandi}}
			},
			want: map[string]int{uCommander: ok},
		},
		{
			name: "accept the station's task", fresh: true, action: epiloop.ActFeedback,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", l.liveTask(t, "police_station").ID)}
			},
			want: map[string]int{uStation: ok},
		},
		{
			name: "accept the committee's task", fresh: true, action: epiloop.ActFeedback,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", l.liveTask(t, "committee").ID)}
			},
			want: map[string]int{uCommittee: ok},
		},
		{
			name: "return the station's task", fresh: true, action: epiloop.ActFeedback,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/return", l.liveTask(t, "police_station").ID), Body: map[string]any{"reason": "不在本辖区"}}
			},
			want: map[string]int{uStation: ok},
		},
		{
			name: "feedback on the committee's task", fresh: true, action: epiloop.ActFeedback,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", l.liveTask(t, "committee").ID), Body: atHome(36.6)}
			},
			want: map[string]int{uCommittee: ok},
		},
		{
			name: "feedback on the station's task", fresh: true, action: epiloop.ActFeedback,
			req: func(t testing.TB, l leadJSON) request {
				return request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", l.liveTask(t, "police_station").ID), Body: atHome(36.6)}
			},
			want: map[string]int{uStation: ok},
		},
	}
	notFound := map[string]string{}
	notFound["/leads"] = errorOf(t, f.do(request{Method: "GET", Path: "/leads/99999", As: uCommander})).Error.Message
	notFound["/tasks"] = errorOf(t, f.do(request{Method: "POST", Path: "/tasks/99999/accept", As: uStation})).Error.Message
	for _, ep := range endpoints {
		for _, as := range allRoles {
			t.Run(ep.name+"/"+as, func(t *testing.T) {
				l := shared
				if ep.fresh {
					address := addrHome
					if ep.unroutable {
						address = "沈阳市某某小区"
					}
					l = fresh(t, address)
				}
				want, ok := ep.want[as]
				if !ok {
					want = http.StatusNotFound
					if !(&epiloop.User{Role: matrixRole(as)}).Can(ep.action) {
						want = http.StatusForbidden
					}
				}
				r := ep.req(t, l)
				r.As = as
				res := f.do(r)
				if res.Status != want {
					t.Fatalf("%s %s as %s = %d, want %d: %s", r.Method, r.Path, as, res.Status, want, res.Body)
				}
				if res.Status >= 400 {
					e := errorOf(t, res)
					// Out of jurisdiction reads exactly like a missing id.
					if res.Status == http.StatusNotFound && e.Error.Message != notFound[r.Path[:6]] {
						t.Errorf("404 message %q differs from a missing id's %q", e.Error.Message, notFound[r.Path[:6]])
					}
				}
			})
		}
	}

	t.Run("every read is masked", func(t *testing.T) {
		l1 := f.createLead(id1, addrHome)
		for _, as := range []string{uCommander, uHeping, uStation, uCommittee} {
			var l leadJSON
			f.call(request{Method: "GET", Path: fmt.Sprintf("/leads/%d", l1.ID), As: as}, http.StatusOK, &l)
			if l.Person.IDNumber != id1Masked || l.Person.Phone == "13800138000" || l.Person.Phone == "" {
				t.Errorf("%s sees id %q phone %q, want %q and a masked phone", as, l.Person.IDNumber, l.Person.Phone, id1Masked)
			}
		}
	})

	t.Run("lists", func(t *testing.T) {
		for _, tt := range []struct {
			as         string
			wantLeads  int // status of GET /leads
			sees       bool
			wantTasks  int // status of GET /tasks
			holdsTasks bool
		}{
			// GET /tasks is a field unit's work list: other roles read
			// tasks through the leads.
			{uCommander, ok, true, forbidden, false},
			{uHeping, ok, true, forbidden, false},
			{uShenhe, ok, false, forbidden, false},
			{uStation, ok, true, ok, true},
			{uCommittee, ok, true, ok, true},
			{uOther, ok, false, ok, false},
			{uAnalyst, forbidden, false, forbidden, false},
			{uAuditor, forbidden, false, forbidden, false},
			{uCheckpoint, forbidden, false, forbidden, false},
		} {
			t.Run(tt.as, func(t *testing.T) {
				var leads listJSON[leadJSON]
				res := f.do(request{Method: "GET", Path: "/leads?per_page=500", As: tt.as})
				if res.Status != tt.wantLeads {
					t.Fatalf("GET /leads = %d, want %d: %s", res.Status, tt.wantLeads, res.Body)
				}
				if res.Status == ok {
					f.call(request{Method: "GET", Path: "/leads?per_page=500", As: tt.as}, ok, &leads)
					ids := make([]int64, 0, len(leads.Items))
					for _, l := range leads.Items {
						ids = append(ids, l.ID)
					}
					if got := slices.Contains(ids, shared.ID); got != tt.sees {
						t.Errorf("lists the lead = %v, want %v", got, tt.sees)
					}
					if !tt.sees && leads.Total != 0 {
						t.Errorf("lists %d leads of another jurisdiction", leads.Total)
					}
				}
				var tasks listJSON[taskJSON]
				res = f.do(request{Method: "GET", Path: "/tasks", As: tt.as})
				if res.Status != tt.wantTasks {
					t.Fatalf("GET /tasks = %d, want %d: %s", res.Status, tt.wantTasks, res.Body)
				}
				if res.Status == ok {
					f.call(request{Method: "GET", Path: "/tasks?per_page=500", As: tt.as}, ok, &tasks)
					held := false
					for _, tk := range tasks.Items {
						held = held || tk.LeadID == shared.ID
					}
					if held != tt.holdsTasks || (!tt.holdsTasks && tasks.Total != 0) {
						t.Errorf("tasks: %d, holds the lead's = %v, want %v", tasks.Total, held, tt.holdsTasks)
					}
				}
				var m map[string]int64
				f.call(request{Method: "GET", Path: "/stats/overview", As: tt.as}, ok, &m)
				inside := tt.sees || tt.as == uAnalyst || tt.as == uAuditor
				if (m["received"] > 0) != inside {
					t.Errorf("overview received %d, want it to count the lead: %v", m["received"], inside)
				}
			})
		}
	})
}
