package http_test

import (
	"fmt"
	"net/http"
	"testing"
)

type observationJSON struct {
	ID       int64  `json:"id"`
	LeadID   int64  `json:"lead_id"`
	Status   string `json:"status"`
	Kind     string `json:"kind"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Unit     string `json:"unit"`
	District string `json:"district"`
	Proposal string `json:"proposal"`
	Overdue  bool   `json:"overdue"`
	Person   struct {
		IDNumber string `json:"id_number"`
	} `json:"person"`
	Checks []struct {
		Date        string  `json:"date"`
		Temperature float64 `json:"temperature"`
	} `json:"checks"`
}

// closedAtHome reports a lead and has both units agree on home
// observation; it returns the lead.
func (f *fixture) closedAtHome(id string) leadJSON {
	f.t.Helper()
	l := f.createLead(id, addrHome)
	f.feedback(uStation, l.liveTask(f.t, "police_station").ID, atHome(36.5))
	f.feedback(uCommittee, l.liveTask(f.t, "committee").ID, atHome(36.6))
	return l
}

func TestObservationOverHTTP(t *testing.T) {
	f := newFixture(t)
	l := f.closedAtHome(id1)

	var list listJSON[observationJSON]
	f.call(request{Method: "GET", Path: "/observations?status=active", As: uCommittee}, http.StatusOK, &list)
	if list.Total != 1 {
		t.Fatalf("committee's observations %+v, want one", list)
	}
	o := list.Items[0]
	if o.LeadID != l.ID || o.Kind != "home" || o.Status != "active" || o.Start != "2020-01-30" || o.End != "2020-02-13" ||
		o.Unit != shuiyuandiCM || o.District != heping || o.Person.IDNumber != masked(id1) {
		t.Errorf("observation %+v", o)
	}
	path := fmt.Sprintf("/observations/%d", o.ID)

	t.Run("scope", func(t *testing.T) {
		for _, tt := range []struct {
			as   string
			want int
		}{
			{uCommander, 1}, {uHeping, 1}, {uShenhe, 0}, {uCommittee, 1},
		} {
			f.call(request{Method: "GET", Path: "/observations", As: tt.as}, http.StatusOK, &list)
			if list.Total != tt.want {
				t.Errorf("%s sees %d, want %d", tt.as, list.Total, tt.want)
			}
		}
		// A plan is a committee's or a site's: stations, like analysts
		// and checkpoints, read none (the page and the API agree).
		for _, as := range []string{uAnalyst, uCheckpoint, uStation} {
			if res := f.do(request{Method: "GET", Path: "/observations", As: as}); res.Status != http.StatusForbidden {
				t.Errorf("%s lists observations: %d, want 403", as, res.Status)
			}
		}
		for _, tt := range []struct {
			as   string
			want int
		}{{uOther, http.StatusForbidden}, {uShenhe, http.StatusNotFound}, {uStation, http.StatusForbidden}} {
			res := f.do(request{Method: "POST", Path: path + "/checks", As: tt.as, Body: map[string]any{"temperature": 36.5, "present": true}})
			if res.Status != tt.want {
				t.Errorf("%s checks another unit's plan: %d, want %d", tt.as, res.Status, tt.want)
			}
		}
		if res := f.do(request{Method: "GET", Path: "/observations/999999", As: uCommander}); res.Status != http.StatusNotFound {
			t.Errorf("unknown plan: %d", res.Status)
		}
	})

	t.Run("bad checks", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			body  string
			field string
		}{
			{"too hot", `{"temperature":45,"symptoms":false,"present":true}`, "temperature"},
			{"no temperature", `{"symptoms":false,"present":true}`, "temperature"},
			{"presence missing", `{"temperature":36.5,"symptoms":false}`, "present"},
			{"presence as text", `{"temperature":36.5,"present":"yes"}`, "present"},
			{"unknown field", `{"temperature":36.5,"present":true,"pulse":80}`, "pulse"},
		} {
			res := f.do(request{Method: "POST", Path: path + "/checks", As: uCommittee, Body: tt.body})
			if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != tt.field {
				t.Errorf("%s: %d %q, want 400 %q", tt.name, res.Status, e.Error.Field, tt.field)
			}
		}
	})

	t.Run("daily check and early release", func(t *testing.T) {
		var got observationJSON
		f.call(request{Method: "POST", Path: path + "/checks", As: uCommittee,
			Body: map[string]any{"temperature": 36.5, "symptoms": false, "present": true}}, http.StatusCreated, &got)
		if got.Overdue || got.Proposal != "" {
			t.Errorf("after a normal check: %+v", got)
		}
		f.call(request{Method: "GET", Path: path, As: uHeping}, http.StatusOK, &got)
		if len(got.Checks) != 1 || got.Checks[0].Date != "2020-02-01" || got.Checks[0].Temperature != 36.5 {
			t.Errorf("checks %+v", got.Checks)
		}
		res := f.do(request{Method: "POST", Path: path + "/release", As: uCommittee})
		if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != "reason" {
			t.Errorf("early release without a reason: %d %q", res.Status, e.Error.Field)
		}
		f.call(request{Method: "POST", Path: path + "/release", As: uCommittee, Body: map[string]any{"reason": "专家组评估解除"}}, http.StatusOK, &got)
		if got.Status != "released" {
			t.Errorf("status %s", got.Status)
		}
		res = f.do(request{Method: "POST", Path: path + "/checks", As: uCommittee, Body: map[string]any{"temperature": 36.5, "present": true}})
		if res.Status != http.StatusConflict {
			t.Errorf("check after release: %d, want 409", res.Status)
		}
	})

	t.Run("fever and transfer", func(t *testing.T) {
		l := f.closedAtHome(idNumber(7))
		var o observationJSON
		f.call(request{Method: "GET", Path: "/observations?status=active", As: uCommittee}, http.StatusOK, &list)
		for _, it := range list.Items {
			if it.LeadID == l.ID {
				o = it
			}
		}
		path := fmt.Sprintf("/observations/%d", o.ID)
		f.call(request{Method: "POST", Path: path + "/checks", As: uCommittee,
			Body: map[string]any{"temperature": 38.3, "symptoms": true, "present": true}}, http.StatusCreated, &o)
		if o.Proposal != "transfer_to_hospital" {
			t.Errorf("proposal %q after a fever", o.Proposal)
		}
		var st struct {
			Counts map[string]int64 `json:"counts"`
		}
		f.call(request{Method: "GET", Path: "/stats/observations", As: uCommander}, http.StatusOK, &st)
		if st.Counts["active"] != 1 || st.Counts["alerts"] != 1 || st.Counts["released"] != 1 {
			t.Errorf("stats %v", st.Counts)
		}
		f.call(request{Method: "GET", Path: "/stats/observations", As: uAnalyst}, http.StatusOK, &st)
		if st.Counts["active"] != 0 || st.Counts["alerts"] != 0 {
			t.Errorf("analyst's stats %v, want the small counts shown as 0", st.Counts)
		}
		f.call(request{Method: "POST", Path: path + "/transfer", As: uHeping, Body: map[string]any{"hospital": "沈阳市第六人民医院"}}, http.StatusOK, &o)
		if o.Status != "transferred_to_hospital" {
			t.Errorf("status %s", o.Status)
		}
	})

	t.Run("sites", func(t *testing.T) {
		res := f.do(request{Method: "POST", Path: "/sites", As: uCommander, Body: map[string]any{"code": "SITE01", "name": "浑南隔离点", "district": "210112", "capacity": -3}})
		if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != "capacity" {
			t.Errorf("bad capacity: %d %q", res.Status, e.Error.Field)
		}
		if res := f.do(request{Method: "POST", Path: "/sites", As: uStation, Body: map[string]any{"code": "SITE01", "name": "x", "district": "210112", "capacity": 3}}); res.Status != http.StatusForbidden {
			t.Errorf("a station adding a site: %d", res.Status)
		}
		f.call(request{Method: "POST", Path: "/sites", As: uCommander, Body: map[string]any{"code": "SITE01", "name": "浑南隔离点", "district": "210112", "capacity": 30}}, http.StatusCreated, nil)
		var sites listJSON[struct {
			Code      string `json:"code"`
			Capacity  int    `json:"capacity"`
			Occupancy int    `json:"occupancy"`
		}]
		f.call(request{Method: "GET", Path: "/sites", As: uCommander}, http.StatusOK, &sites)
		if sites.Total != 1 || sites.Items[0].Capacity != 30 {
			t.Errorf("sites %+v", sites)
		}
	})
	if drift, err := f.svc.VerifyStats(t.Context()); err != nil || len(drift) != 0 {
		t.Errorf("stat counters drift %v (%v)", drift, err)
	}
}
