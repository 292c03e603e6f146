package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	res := f.do(request{Method: "GET", Path: f.srv.URL() + "/healthz"})
	if res.Status != http.StatusOK || string(res.Body) != `{"status":"ok"}` {
		t.Errorf("healthz = %d %s", res.Status, res.Body)
	}
	for _, path := range []string{f.srv.URL() + "/healthz", "/leads"} {
		res := f.do(request{Method: "GET", Path: path})
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
}

func TestLeadLoopOverHTTP(t *testing.T) {
	f := newFixture(t)
	var l leadJSON
	res := f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: leadBody(id1, addrHome)}, http.StatusCreated, &l)
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if l.ID == 0 || l.Status != "pushed" || l.Priority != "normal" || l.Round != 1 {
		t.Fatalf("created lead = id %d %s %s round %d, want pushed normal round 1", l.ID, l.Status, l.Priority, l.Round)
	}
	if l.Community == nil || l.Community.Code != shuiyuandi || l.Community.District != heping || l.Community.Name == "" {
		t.Errorf("community = %+v, want %s in %s", l.Community, shuiyuandi, heping)
	}
	if l.Person.IDNumber != id1Masked || l.Person.Phone == "13800138000" {
		t.Errorf("commander sees id %q phone %q, want them masked until revealed", l.Person.IDNumber, l.Person.Phone)
	}
	if got := f.reveal(uCommander, l.ID); got != id1 {
		t.Errorf("commander reveals %q, want %s", got, id1)
	}
	if l.Reason.Origin != "4201" {
		t.Errorf("origin = %q, want the canonical code 4201", l.Reason.Origin)
	}
	if len(l.Tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(l.Tasks))
	}
	st, cm := l.liveTask(t, "police_station"), l.liveTask(t, "committee")
	for _, tt := range []struct {
		task     taskJSON
		wantUnit string
	}{{st, shuiyuandiPS}, {cm, shuiyuandiCM}} {
		if tt.task.Unit.Code != tt.wantUnit || tt.task.Unit.Name == "" || tt.task.Status != "pushed" {
			t.Errorf("task unit = %+v status %s, want %s pushed", tt.task.Unit, tt.task.Status, tt.wantUnit)
		}
		if want := time.Date(2020, 2, 1, 12, 0, 0, 0, time.UTC); tt.task.Deadline == nil || !tt.task.Deadline.Equal(want) {
			t.Errorf("task deadline = %v, want %v (accept within 4 h)", tt.task.Deadline, want)
		}
	}

	t.Run("a second report merges", func(t *testing.T) {
		body := leadBody("110105 19491231 002x", addrHome)
		body["source"] = map[string]any{"kind": "rail", "ref": "G1234"}
		var again leadJSON
		f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: body}, http.StatusOK, &again)
		if again.ID != l.ID {
			t.Errorf("merged into lead %d, want %d", again.ID, l.ID)
		}
		got := f.lead(l.ID)
		var srcs []string
		for _, s := range got.Sources {
			srcs = append(srcs, s.Kind+":"+s.Ref)
		}
		if want := []string{"hotline:12345", "rail:G1234"}; !slices.Equal(srcs, want) {
			t.Errorf("sources = %v, want %v", srcs, want)
		}
		var list listJSON[leadJSON]
		f.call(request{Method: "GET", Path: "/leads", As: uCommander}, http.StatusOK, &list)
		if list.Total != 1 || len(list.Items) != 1 {
			t.Errorf("leads total %d (%d items), want 1", list.Total, len(list.Items))
		}
	})

	t.Run("the station lists and accepts its task", func(t *testing.T) {
		var tasks listJSON[taskJSON]
		f.call(request{Method: "GET", Path: "/tasks?status=open", As: uStation}, http.StatusOK, &tasks)
		if tasks.Total != 1 || len(tasks.Items) != 1 || tasks.Items[0].ID != st.ID {
			t.Fatalf("station's open tasks = %+v, want task %d", tasks, st.ID)
		}
		if lead := tasks.Items[0].Lead; lead == nil || lead.Person.IDNumber != id1Masked || lead.Address != addrHome {
			t.Errorf("task's lead = %+v, want the person (masked) at the address", lead)
		}
		if got := f.reveal(uStation, l.ID); got != id1 {
			t.Errorf("station reveals %q, want %s", got, id1)
		}
		var tk taskJSON
		f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", st.ID), As: uStation}, http.StatusOK, &tk)
		if tk.Status != "accepted" {
			t.Errorf("accepted task status = %s", tk.Status)
		}
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/accept", st.ID), As: uStation})
		if e := errorOf(t, res); res.Status != http.StatusConflict || e.Error.Code != "conflict" {
			t.Errorf("second accept = %d %s, want 409 conflict", res.Status, e.Error.Code)
		}
		if got := f.lead(l.ID).Status; got != "verifying" {
			t.Errorf("lead status after accept = %s, want verifying", got)
		}
		f.call(request{Method: "GET", Path: "/tasks?status=accepted", As: uStation}, http.StatusOK, &tasks)
		if tasks.Total != 1 {
			t.Errorf("station's accepted tasks = %d, want 1", tasks.Total)
		}
	})

	t.Run("agreeing feedback closes the lead", func(t *testing.T) {
		if tk := f.feedback(uStation, st.ID, atHome(36.5)); tk.Status != "submitted" || tk.Feedback == nil {
			t.Errorf("station's task after feedback = %+v", tk)
		}
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", st.ID), As: uStation, Body: atHome(36.5)})
		if e := errorOf(t, res); res.Status != http.StatusConflict || e.Error.Code != "conflict" {
			t.Errorf("second feedback = %d %s, want 409 conflict", res.Status, e.Error.Code)
		}
		f.feedback(uCommittee, cm.ID, atHome(36.9))
		got := f.lead(l.ID)
		if got.Status != "closed" || got.ClosedAt == nil || got.Outcome == nil {
			t.Fatalf("lead = %s closed_at %v outcome %+v, want closed with an outcome", got.Status, got.ClosedAt, got.Outcome)
		}
		if got.Outcome.Located != "at_address" || got.Outcome.Measure != "home_observation" || got.Outcome.Temperature == nil {
			t.Errorf("outcome = %+v", got.Outcome)
		}
		want := []string{
			"lead.created", "lead.pushed", "task.pushed", "task.pushed", "lead.merged",
			"task.accepted", "task.submitted", "task.accepted", "task.submitted", "lead.closed",
		}
		if k := kinds(got.Timeline); !slices.Equal(k, want) {
			t.Errorf("timeline = %v\nwant       %v", k, want)
		}
		for i := 1; i < len(got.Timeline); i++ {
			if got.Timeline[i].ID <= got.Timeline[i-1].ID || got.Timeline[i].LeadID != l.ID {
				t.Errorf("timeline event %d = %+v, want ascending ids of lead %d", i, got.Timeline[i], l.ID)
			}
		}
	})

	t.Run("overview", func(t *testing.T) {
		// The funnel is cumulative: the closed lead was pushed.
		want := map[string]int64{"received": 1, "closed": 1, "open": 0, "pushed": 1, "conflict": 0, "agreed": 1}
		for _, as := range []string{uCommander, uHeping, uStation, uCommittee, uAnalyst} {
			var m map[string]int64
			f.call(request{Method: "GET", Path: "/stats/overview", As: as}, http.StatusOK, &m)
			for k, v := range want {
				if as == uAnalyst {
					v = 0 // under epiloop.MinPublishedCount
				}
				if m[k] != v {
					t.Errorf("%s: overview[%s] = %d, want %d", as, k, m[k], v)
				}
			}
		}
	})
}

func TestConflictAndAdjudication(t *testing.T) {
	f := newFixture(t)
	conflicted := func(id string) leadJSON {
		t.Helper()
		l := f.createLead(id, addrHome)
		f.feedback(uStation, l.liveTask(t, "police_station").ID, atHome(38.2))
		f.feedback(uCommittee, l.liveTask(t, "committee").ID, atHome(36.5))
		got := f.lead(l.ID)
		if got.Status != "conflict" || len(got.Conflict) == 0 {
			t.Fatalf("lead = %s %v, want conflict with reasons", got.Status, got.Conflict)
		}
		return got
	}
	l := conflicted(id1)
	path := fmt.Sprintf("/leads/%d/adjudicate", l.ID)
	outcome := map[string]any{
		"outcome": map[string]any{"located": "at_address", "contact": "in_person", "temperature": 38.2, "symptoms": true, "measure": "hospital"},
		"note":    "发热，转诊",
	}

	tests := []struct {
		name      string
		as        string
		body      any
		want      int
		wantCode  string
		wantField string
	}{
		{"another district", uShenhe, outcome, http.StatusNotFound, "not_found", ""},
		// A role that may not adjudicate is refused whatever the lead: the
		// answer says nothing of the lead.
		{"another station", uOther, outcome, http.StatusForbidden, "forbidden", ""},
		{"analyst", uAnalyst, outcome, http.StatusForbidden, "forbidden", ""},
		{"the station of the lead", uStation, outcome, http.StatusForbidden, "forbidden", ""},
		{"the committee of the lead", uCommittee, map[string]any{"action": "repush"}, http.StatusForbidden, "forbidden", ""},
		{"bad outcome", uCommander, map[string]any{"outcome": map[string]any{"located": "moon"}}, http.StatusBadRequest, "invalid", "outcome.located"},
		{"outcome temperature", uCommander, map[string]any{"outcome": map[string]any{"located": "at_address", "measure": "none_required", "temperature": 45}}, http.StatusBadRequest, "invalid", "outcome.temperature"},
		{"unknown action", uCommander, map[string]any{"action": "explode"}, http.StatusBadRequest, "invalid", "outcome"},
		{"outcome and action", uCommander, map[string]any{"action": "repush", "outcome": map[string]any{"located": "not_found"}}, http.StatusBadRequest, "invalid", "action"},
		{"neither", uCommander, map[string]any{"note": "?"}, http.StatusBadRequest, "invalid", "outcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(request{Method: "POST", Path: path, As: tt.as, Body: tt.body})
			e := errorOf(t, res)
			if res.Status != tt.want || e.Error.Code != tt.wantCode || e.Error.Field != tt.wantField {
				t.Errorf("got %d %s field %q, want %d %s field %q", res.Status, e.Error.Code, e.Error.Field, tt.want, tt.wantCode, tt.wantField)
			}
		})
	}
	if got := f.lead(l.ID).Status; got != "conflict" {
		t.Fatalf("refused adjudications changed the lead to %s", got)
	}

	t.Run("outcome closes", func(t *testing.T) {
		var got leadJSON
		f.call(request{Method: "POST", Path: path, As: uCommander, Body: outcome}, http.StatusOK, &got)
		if got.Status != "closed" || got.Outcome == nil || got.Outcome.Measure != "hospital" {
			t.Fatalf("adjudicated lead = %s %+v, want closed in hospital", got.Status, got.Outcome)
		}
		res := f.do(request{Method: "POST", Path: path, As: uCommander, Body: outcome})
		if e := errorOf(t, res); res.Status != http.StatusConflict || e.Error.Code != "conflict" {
			t.Errorf("adjudicating a closed lead = %d %s, want 409 conflict", res.Status, e.Error.Code)
		}
		want := []string{"lead.conflict", "lead.adjudicated", "lead.closed"}
		if k := kinds(f.lead(l.ID).Timeline); !slices.Equal(k[len(k)-3:], want) {
			t.Errorf("timeline ends %v, want %v", k, want)
		}
	})

	t.Run("the district of the lead adjudicates", func(t *testing.T) {
		l := conflicted(idNumber(1))
		var got leadJSON
		f.call(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/adjudicate", l.ID), As: uHeping, Body: outcome}, http.StatusOK, &got)
		if got.Status != "closed" {
			t.Errorf("status = %s, want closed", got.Status)
		}
		if want := masked(idNumber(1)); got.Person.IDNumber != want {
			t.Errorf("district commander sees id %q, want %q", got.Person.IDNumber, want)
		}
	})

	t.Run("an outcome elsewhere in the city reroutes", func(t *testing.T) {
		l := conflicted(idNumber(3))
		var got leadJSON
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/adjudicate", l.ID), As: uHeping,
			Body: map[string]any{"outcome": movedTo(addrShenhe), "note": "已搬至沈河区"}})
		if res.Status != http.StatusOK {
			t.Errorf("district commander moving the lead out of the district = %d %s, want 200", res.Status, res.Body)
		}
		got = f.lead(l.ID)
		if got.Status != "pushed" || got.Round != 2 || got.Community == nil || got.Community.District != shenhe {
			t.Errorf("lead = %s round %d in %+v, want pushed in round 2 to %s", got.Status, got.Round, got.Community, shenhe)
		}
	})

	t.Run("an outcome of left the city hands over", func(t *testing.T) {
		l := conflicted(idNumber(4))
		var got leadJSON
		f.call(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/adjudicate", l.ID), As: uCommander,
			Body: map[string]any{"outcome": map[string]any{"located": "left_city", "destination": "大连市", "contact": "phone"}}}, http.StatusOK, &got)
		if got.Status != "handed_over" || got.Outcome == nil || got.Outcome.Located != "left_city" {
			t.Errorf("lead = %s %+v, want handed_over", got.Status, got.Outcome)
		}
	})

	t.Run("repush starts a new round", func(t *testing.T) {
		l := conflicted(idNumber(2))
		var got leadJSON
		f.call(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/adjudicate", l.ID), As: uCommander,
			Body: map[string]any{"action": "repush", "note": "请重新核查"}}, http.StatusOK, &got)
		if got.Status != "pushed" || got.Round != 2 || len(got.Tasks) != 4 {
			t.Fatalf("after repush: %s round %d with %d tasks, want pushed round 2 with 4", got.Status, got.Round, len(got.Tasks))
		}
		for _, tk := range got.Tasks {
			if tk.Round == 1 && tk.Status != "cancelled" {
				t.Errorf("old task %d is %s, want cancelled", tk.ID, tk.Status)
			}
		}
		newSt := got.liveTask(t, "police_station")
		var tasks listJSON[taskJSON]
		f.call(request{Method: "GET", Path: "/tasks?status=open", As: uStation}, http.StatusOK, &tasks)
		if tasks.Total != 1 || tasks.Items[0].ID != newSt.ID {
			t.Errorf("station's open tasks = %+v, want the new task %d", tasks.Items, newSt.ID)
		}
		// The old round's task takes no more feedback.
		old := l.liveTask(t, "police_station")
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", old.ID), As: uStation, Body: atHome(36.5)})
		if e := errorOf(t, res); res.Status != http.StatusConflict {
			t.Errorf("feedback on the old round's task = %d %s, want 409", res.Status, e.Error.Code)
		}
		want := []string{"lead.conflict", "lead.adjudicated", "task.cancelled", "task.cancelled", "lead.repushed", "lead.pushed", "task.pushed", "task.pushed"}
		if k := kinds(f.lead(l.ID).Timeline); len(k) < len(want) || !slices.Equal(k[len(k)-len(want):], want) {
			t.Errorf("timeline = %v\nwant it to end %v", k, want)
		}
	})
}

func TestBothElsewhereReroutes(t *testing.T) {
	f := newFixture(t)
	l := f.createLead(id1, addrHome)
	oldSt, oldCm := l.liveTask(t, "police_station"), l.liveTask(t, "committee")
	f.feedback(uStation, oldSt.ID, movedTo(addrShenhe))
	f.feedback(uCommittee, oldCm.ID, movedTo(addrShenhe))

	got := f.lead(l.ID)
	if got.Status != "pushed" || got.Round != 2 || got.Community == nil || got.Community.District != shenhe {
		t.Fatalf("rerouted lead = %s round %d community %+v, want pushed round 2 in %s", got.Status, got.Round, got.Community, shenhe)
	}
	if got.Address != addrShenhe {
		t.Errorf("address = %q, want %q", got.Address, addrShenhe)
	}
	if len(got.Tasks) != 4 {
		t.Fatalf("%d tasks, want 4", len(got.Tasks))
	}
	for _, tk := range got.Tasks {
		switch {
		case tk.Round == 1 && tk.Status != "cancelled":
			t.Errorf("old task %d (%s) is %s, want cancelled", tk.ID, tk.Unit.Code, tk.Status)
		case tk.Round == 2 && (tk.Status != "pushed" || tk.Unit.Code == shuiyuandiPS || tk.Unit.Code == shuiyuandiCM):
			t.Errorf("new task %d is %s for %s, want pushed to a unit of %s", tk.ID, tk.Status, tk.Unit.Code, shenhe)
		}
	}
	newSt, newCm := got.liveTask(t, "police_station"), got.liveTask(t, "committee")
	if newCm.Unit.Code != "CM"+got.Community.Code {
		t.Errorf("new committee = %s, want CM%s", newCm.Unit.Code, got.Community.Code)
	}
	if want := []string{"task.cancelled", "task.cancelled", "lead.rerouted", "lead.pushed", "task.pushed", "task.pushed"}; !slices.Equal(kinds(got.Timeline)[len(got.Timeline)-6:], want) {
		t.Errorf("timeline = %v\nwant it to end %v", kinds(got.Timeline), want)
	}
	for _, tt := range []struct {
		as   string
		want int
	}{{uShenhe, http.StatusOK}, {uStation, http.StatusNotFound}, {uCommittee, http.StatusNotFound}, {uHeping, http.StatusNotFound}} {
		// The units whose tasks the re-route cancelled lose the lead at
		// once: they neither read it nor unmask the person any more.
		if res := f.do(request{Method: "GET", Path: fmt.Sprintf("/leads/%d", l.ID), As: tt.as}); res.Status != tt.want {
			t.Errorf("%s reading the rerouted lead: %d, want %d", tt.as, res.Status, tt.want)
		}
	}
	for _, as := range []string{uStation, uCommittee} {
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/reveal", l.ID), As: as, Body: map[string]any{"purpose": "上门核查"}})
		if res.Status != http.StatusNotFound || bytes.Contains(res.Body, []byte(id1)) {
			t.Errorf("%s revealing the rerouted lead: %d %s, want 404", as, res.Status, res.Body)
		}
	}
	var tasks listJSON[taskJSON]
	f.call(request{Method: "GET", Path: "/tasks?status=open", As: uStation}, http.StatusOK, &tasks)
	if tasks.Total != 0 {
		t.Errorf("old station still has %d open tasks", tasks.Total)
	}
	if newSt.Unit.Code != otherPS {
		t.Fatalf("new station = %s, want %s (it serves 永顺社区)", newSt.Unit.Code, otherPS)
	}
	f.call(request{Method: "GET", Path: "/tasks?status=open", As: uOther}, http.StatusOK, &tasks)
	if tasks.Total != 1 || tasks.Items[0].ID != newSt.ID || tasks.Items[0].Lead == nil || tasks.Items[0].Lead.Address != addrShenhe {
		t.Errorf("new station's open tasks = %+v, want task %d at the new address", tasks.Items, newSt.ID)
	}
	if got := f.reveal(uOther, l.ID); got != id1 {
		t.Errorf("new station reveals %q, want %s", got, id1)
	}
}

func TestUnroutableAndManualRouting(t *testing.T) {
	f := newFixture(t)
	var l leadJSON
	f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: leadBody(id1, "沈阳市某某小区")}, http.StatusCreated, &l)
	if l.Status != "unroutable" || l.Community != nil || len(l.Tasks) != 0 {
		t.Fatalf("lead = %s community %+v with %d tasks, want unroutable without community or tasks", l.Status, l.Community, len(l.Tasks))
	}
	var list listJSON[leadJSON]
	f.call(request{Method: "GET", Path: "/leads?status=unroutable", As: uCommander}, http.StatusOK, &list)
	if list.Total != 1 || list.Items[0].ID != l.ID {
		t.Errorf("unroutable queue = %d leads, want lead %d", list.Total, l.ID)
	}
	path := fmt.Sprintf("/leads/%d/route", l.ID)
	tests := []struct {
		name      string
		as        string
		body      any
		want      int
		wantField string
	}{
		{"short code", uCommander, map[string]any{"community": "12345"}, http.StatusBadRequest, "community"},
		{"letters", uCommander, map[string]any{"community": "21010200100A"}, http.StatusBadRequest, "community"},
		{"unknown code", uCommander, map[string]any{"community": "999999999999"}, http.StatusBadRequest, "community"},
		{"a number, not a string", uCommander, `{"community":210102001002}`, http.StatusBadRequest, "community"},
		{"empty", uCommander, map[string]any{}, http.StatusBadRequest, "community"},
		{"district cannot route", uHeping, map[string]any{"community": shuiyuandi}, http.StatusForbidden, ""},
		{"station cannot route", uStation, map[string]any{"community": shuiyuandi}, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(request{Method: "POST", Path: path, As: tt.as, Body: tt.body})
			if e := errorOf(t, res); res.Status != tt.want || e.Error.Field != tt.wantField {
				t.Errorf("got %d %s field %q, want %d field %q", res.Status, e.Error.Code, e.Error.Field, tt.want, tt.wantField)
			}
		})
	}
	var got leadJSON
	f.call(request{Method: "POST", Path: path, As: uCommander, Body: map[string]any{"community": shuiyuandi}}, http.StatusOK, &got)
	if got.Status != "pushed" || got.Community == nil || got.Community.Code != shuiyuandi || len(got.Tasks) != 2 {
		t.Fatalf("routed lead = %s %+v with %d tasks, want pushed to %s with 2", got.Status, got.Community, len(got.Tasks), shuiyuandi)
	}
	res := f.do(request{Method: "POST", Path: path, As: uCommander, Body: map[string]any{"community": shuiyuandi}})
	if e := errorOf(t, res); res.Status != http.StatusConflict || e.Error.Code != "conflict" {
		t.Errorf("routing a pushed lead = %d %s, want 409 conflict", res.Status, e.Error.Code)
	}
	if want := []string{"lead.created", "lead.unroutable", "lead.routed", "lead.pushed", "task.pushed", "task.pushed"}; !slices.Equal(kinds(f.lead(l.ID).Timeline), want) {
		t.Errorf("timeline = %v\nwant       %v", kinds(f.lead(l.ID).Timeline), want)
	}

	t.Run("a returned task sends the lead back to the queue", func(t *testing.T) {
		st := got.liveTask(t, "police_station")
		var tk taskJSON
		f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/return", st.ID), As: uStation, Body: map[string]any{"reason": "此人不在本辖区"}}, http.StatusOK, &tk)
		if tk.Status != "returned" {
			t.Errorf("returned task status = %s", tk.Status)
		}
		back := f.lead(l.ID)
		if back.Status != "unroutable" {
			t.Errorf("lead status = %s, want unroutable", back.Status)
		}
		if live := back.liveTask(t, "police_station"); live.ID != st.ID || live.Status != "returned" {
			t.Errorf("live station task = %d %s, want the returned %d", live.ID, live.Status, st.ID)
		}
		for _, tk := range back.Tasks {
			if tk.Unit.Kind == "committee" && tk.Status != "cancelled" {
				t.Errorf("committee task = %s, want cancelled", tk.Status)
			}
		}
	})
}

func TestOverdue(t *testing.T) {
	f := newFixture(t)
	late := f.createLead(id1, addrHome)
	f.clock.Add(4*time.Hour + time.Minute) // past the normal accept deadline
	n, err := f.svc.Escalate(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("escalate = %d, %v; want 2 escalations", n, err)
	}
	onTime := f.createLead(idNumber(1), addrHome)

	tests := []struct {
		name      string
		query     string
		as        string
		wantTotal int
		wantID    int64
	}{
		{"district overdue", "/leads?overdue=true", uHeping, 1, late.ID},
		{"district not overdue", "/leads?overdue=false", uHeping, 1, onTime.ID},
		{"district all", "/leads", uHeping, 2, 0},
		{"commander overdue", "/leads?overdue=1", uCommander, 1, late.ID},
		{"commander overdue in district", "/leads?overdue=true&district=" + heping, uCommander, 1, late.ID},
		{"commander overdue in another district", "/leads?overdue=true&district=" + shenhe, uCommander, 0, 0},
		{"other district", "/leads?overdue=true", uShenhe, 0, 0},
		{"station", "/leads?overdue=true", uStation, 1, late.ID},
		{"paged", "/leads?per_page=1&page=2", uCommander, 2, late.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list listJSON[leadJSON]
			f.call(request{Method: "GET", Path: tt.query, As: tt.as}, http.StatusOK, &list)
			if list.Total != tt.wantTotal {
				t.Errorf("total = %d, want %d", list.Total, tt.wantTotal)
			}
			if tt.wantID != 0 && (len(list.Items) != 1 || list.Items[0].ID != tt.wantID) {
				t.Errorf("items = %d leads, want only lead %d", len(list.Items), tt.wantID)
			}
			for _, l := range list.Items {
				if l.Overdue != (l.ID == late.ID) {
					t.Errorf("lead %d overdue = %v", l.ID, l.Overdue)
				}
			}
		})
	}
	for _, as := range []string{uHeping, uCommander, uStation} {
		var m map[string]int64
		f.call(request{Method: "GET", Path: "/stats/overview", As: as}, http.StatusOK, &m)
		if m["overdue"] != 1 || m["received"] != 2 || m["open"] != 2 {
			t.Errorf("%s overview = %v, want overdue 1 of 2 received and open", as, m)
		}
	}
	// Analysts never see a count between 1 and epiloop.MinPublishedCount-1.
	var am map[string]int64
	f.call(request{Method: "GET", Path: "/stats/overview", As: uAnalyst}, http.StatusOK, &am)
	for k, v := range am {
		if v > 0 && v < epiloop.MinPublishedCount {
			t.Errorf("analyst overview[%s] = %d", k, v)
		}
	}
	var m map[string]int64
	f.call(request{Method: "GET", Path: "/stats/overview", As: uShenhe}, http.StatusOK, &m)
	if m["overdue"] != 0 || m["received"] != 0 {
		t.Errorf("another district's overview = %v, want nothing", m)
	}
	got := f.lead(late.ID)
	if !got.Overdue {
		t.Errorf("lead overdue = false")
	}
	for _, tk := range got.Tasks {
		if !tk.Overdue {
			t.Errorf("task %d overdue = false, want true", tk.ID)
		}
	}
	for _, tk := range f.lead(onTime.ID).Tasks {
		if tk.Overdue {
			t.Errorf("task %d of the new lead is overdue", tk.ID)
		}
	}
	var tasks listJSON[taskJSON]
	f.call(request{Method: "GET", Path: "/tasks?status=open", As: uStation}, http.StatusOK, &tasks)
	if tasks.Total != 2 || !tasks.Items[0].Overdue || tasks.Items[0].LeadID != late.ID || tasks.Items[1].Overdue {
		t.Errorf("station's open tasks: want the overdue one first and flagged; got %+v", tasks.Items)
	}
	if k := kinds(got.Timeline); !slices.Contains(k, "task.escalated") {
		t.Errorf("timeline %v has no task.escalated", k)
	}
}

func TestSimultaneousFeedbackOverHTTP(t *testing.T) {
	f := newFixture(t)
	for round := range 10 {
		l := f.createLead(idNumber(round), addrHome)
		st, cm := l.liveTask(t, "police_station"), l.liveTask(t, "committee")
		start := make(chan struct{})
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, job := range []struct {
			as   string
			task int64
		}{{uStation, st.ID}, {uCommittee, cm.ID}} {
			// Build the request here: the goroutines must not call t.Fatal.
			req := f.newRequest(t.Context(), request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", job.task), As: job.as, Body: atHome(36.6)})
			wg.Go(func() {
				<-start
				resp, err := f.client.Do(req)
				if err != nil {
					t.Errorf("feedback: %v", err)
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		close(start)
		wg.Wait()
		if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK {
			t.Fatalf("round %d: statuses %v, want both 200", round, statuses)
		}
		got := f.lead(l.ID)
		closed := 0
		for _, k := range kinds(got.Timeline) {
			if k == "lead.closed" {
				closed++
			}
		}
		if got.Status != "closed" || closed != 1 {
			t.Fatalf("round %d: lead %s with %d lead.closed events, want closed once", round, got.Status, closed)
		}
	}
	var m map[string]int64
	f.call(request{Method: "GET", Path: "/stats/overview", As: uCommander}, http.StatusOK, &m)
	if m["closed"] != 10 || m["open"] != 0 {
		t.Errorf("overview = %v, want 10 closed", m)
	}
}

func TestLoginCookie(t *testing.T) {
	f := newFixture(t)
	const (
		name          = "commander-with-password"
		loginPassword = "correct horse battery"
	)
	err := f.svc.CreateUser(t.Context(), &epiloop.User{Name: name, Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}, loginPassword)
	if err != nil {
		t.Fatal(err)
	}
	res := f.call(request{Method: "POST", Path: "/login", Body: map[string]any{"name": name, "password": loginPassword}}, http.StatusOK, nil)
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "epiloop_session" {
			session = c
		}
	}
	if session == nil || session.Value == "" || !session.HttpOnly || session.Path != "/" {
		t.Fatalf("login cookie = %+v, want an HttpOnly epiloop_session for /", session)
	}
	cookie := map[string]string{"Cookie": "epiloop_session=" + session.Value}
	var me struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	f.call(request{Method: "GET", Path: "/me", Header: cookie}, http.StatusOK, &me)
	if me.Name != name || me.Role != "commander" {
		t.Errorf("me = %+v", me)
	}
	f.createLead(id1, addrHome)
	var list listJSON[leadJSON]
	f.call(request{Method: "GET", Path: "/leads", Header: cookie}, http.StatusOK, &list)
	if list.Total != 1 {
		t.Errorf("leads over the cookie = %d, want 1", list.Total)
	}

	tests := []struct {
		name string
		req  request
		want int
	}{
		{"wrong password", request{Method: "POST", Path: "/login", Body: map[string]any{"name": name, "password": "wrong password"}}, http.StatusUnauthorized},
		{"unknown user", request{Method: "POST", Path: "/login", Body: map[string]any{"name": "nobody", "password": loginPassword}}, http.StatusUnauthorized},
		{"token-only user", request{Method: "POST", Path: "/login", Body: map[string]any{"name": uStation, "password": ""}}, http.StatusUnauthorized},
		{"bad JSON", request{Method: "POST", Path: "/login", Body: `{"name":`}, http.StatusBadRequest},
		{"unknown field", request{Method: "POST", Path: "/login", Body: map[string]any{"name": name, "pass": loginPassword}}, http.StatusBadRequest},
		{"forged cookie", request{Method: "GET", Path: "/leads", Header: map[string]string{"Cookie": "epiloop_session=forged"}}, http.StatusUnauthorized},
		{"empty cookie", request{Method: "GET", Path: "/leads", Header: map[string]string{"Cookie": "epiloop_session="}}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(tt.req)
			if e := errorOf(t, res); res.Status != tt.want {
				t.Errorf("got %d %s, want %d", res.Status, e.Error.Code, tt.want)
			}
		})
	}

	t.Run("tokens expire on the service's clock", func(t *testing.T) {
		tok, err := f.svc.CreateToken(t.Context(), uStation, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		auth := map[string]string{"Authorization": "Bearer " + tok}
		f.call(request{Method: "GET", Path: "/tasks", Header: auth}, http.StatusOK, nil)
		f.clock.Add(2 * time.Hour)
		res := f.do(request{Method: "GET", Path: "/tasks", Header: auth})
		if e := errorOf(t, res); res.Status != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
			t.Errorf("expired token: %d %s, want 401 unauthorized", res.Status, e.Error.Code)
		}
	})

	t.Run("another site cannot ride the cookie", func(t *testing.T) {
		for _, tt := range []struct {
			name, header, value string
		}{
			{"fetch metadata", "Sec-Fetch-Site", "cross-site"},
			{"origin", "Origin", "http://evil.example"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				h := map[string]string{"Cookie": cookie["Cookie"], tt.header: tt.value}
				res := f.do(request{Method: "POST", Path: "/leads", Header: h, Body: leadBody(idNumber(9), addrHome)})
				if res.Status != http.StatusForbidden {
					t.Fatalf("cross-site POST = %d %s, want 403", res.Status, res.Body)
				}
				if e := errorOf(t, res); e.Error.Code != "forbidden" {
					t.Errorf("cross-site POST error code %q, want forbidden", e.Error.Code)
				}
			})
		}
		if n := f.leadCount(); n != 1 {
			t.Errorf("%d leads after cross-site posts, want 1", n)
		}
		// A same-origin browser request goes through.
		h := map[string]string{"Cookie": cookie["Cookie"], "Sec-Fetch-Site": "same-origin", "Origin": f.srv.URL()}
		f.call(request{Method: "POST", Path: "/leads", Header: h, Body: leadBody(idNumber(9), addrHome)}, http.StatusCreated, nil)
	})

	t.Run("logout ends the session", func(t *testing.T) {
		f.call(request{Method: "POST", Path: "/logout", Header: cookie}, http.StatusNoContent, nil)
		res := f.do(request{Method: "GET", Path: "/leads", Header: cookie})
		if e := errorOf(t, res); res.Status != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
			t.Errorf("after logout: %d %s, want 401 unauthorized", res.Status, e.Error.Code)
		}
	})
}

// TestReporters: every role that may report a lead gets its report
// acknowledged. A reporter who may read the lead gets it back (201, then
// 200 for a repeat that merges, identity masked); one who may not — a
// checkpoint, an admin's integration, a district commander reporting a
// person of another district — gets 202 with the id and status only, the
// same for a new person and for one who already has a lead, so the answer
// tells them nothing about the lead or that it existed.
func TestReporters(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		as      string
		id      string
		address string
		sees    bool
	}{
		{"district commander, own district", uHeping, idNumber(4), addrHome, true},
		{"commander, unroutable lead", uCommander, idNumber(5), "沈阳市某某小区", true},
		{"checkpoint", uCheckpoint, idNumber(1), addrHome, false},
		{"district commander, lead in another district", uShenhe, idNumber(2), addrHome, false},
		{"district commander, unroutable lead", uHeping, idNumber(3), "沈阳市某某小区", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := leadBody(tt.id, tt.address)
			body["source"] = map[string]any{"kind": "checkpoint", "ref": "G1234"}
			before := f.leadCount()
			first, repeat := http.StatusCreated, http.StatusOK
			if !tt.sees {
				first, repeat = http.StatusAccepted, http.StatusAccepted
			}
			res := f.do(request{Method: "POST", Path: "/leads", As: tt.as, Body: body})
			var l map[string]any
			json.Unmarshal(res.Body, &l)
			if res.Status != first || l["id"] == nil || l["status"] == nil {
				t.Errorf("report = %d %s, want %d with the lead's id and status", res.Status, res.Body, first)
			}
			if bytes.Contains(res.Body, []byte(tt.id)) {
				t.Errorf("the answer shows the identity unmasked: %s", res.Body)
			}
			if !tt.sees && len(l) != 2 {
				t.Errorf("a reporter outside the lead's scope got %s, want only id and status", res.Body)
			}
			if n := f.leadCount(); n != before+1 {
				t.Fatalf("%d leads after the report, want %d", n, before+1)
			}
			again := f.do(request{Method: "POST", Path: "/leads", As: tt.as, Body: body})
			var m map[string]any
			json.Unmarshal(again.Body, &m)
			if again.Status != repeat || m["id"] != l["id"] {
				t.Errorf("repeat report = %d %s, want %d with the same id (merged)", again.Status, again.Body, repeat)
			}
			if !tt.sees && len(m) != 2 {
				t.Errorf("a repeat outside the lead's scope got %s, want only id and status", again.Body)
			}
			if n := f.leadCount(); n != before+1 {
				t.Errorf("%d leads after the repeat, want it merged into the first", n)
			}
		})
	}
}

// leadCount is the number of leads in the city.
func (f *fixture) leadCount() int {
	f.t.Helper()
	var list listJSON[leadJSON]
	f.call(request{Method: "GET", Path: "/leads?per_page=1", As: uCommander}, http.StatusOK, &list)
	return list.Total
}
