package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// uNorth is an officer of a second checkpoint, 沈阳北站 in 沈河区.
const (
	uNorth     = "checkpoint-north"
	northCheck = "CK0002"
)

type screeningResultJSON struct {
	ID          int64 `json:"id"`
	RiskVersion int64 `json:"risk_version"`
	Occupants   []struct {
		Seq      int    `json:"seq"`
		Decision string `json:"decision"`
		LeadID   *int64 `json:"lead_id"`
		Message  string `json:"message"`
	} `json:"occupants"`
}

type riskAreaJSON struct {
	Version int64  `json:"version"`
	Code    string `json:"code"`
	Level   string `json:"level"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// withCheckpoints adds the second checkpoint with its officer, and the
// risk area 武汉 (high, 2020-01-01 to 2020-03-31).
func (f *fixture) withCheckpoints() riskAreaJSON {
	f.t.Helper()
	f.call(request{Method: "POST", Path: "/checkpoints", As: uCommander, Body: map[string]any{
		"code": northCheck, "kind": "rail", "name": "沈阳北站卡点", "district": shenhe, "location": "北站路102号",
	}}, http.StatusCreated, nil)
	ctx := context.Background()
	if err := f.svc.CreateUser(ctx, &epiloop.User{Name: uNorth, Role: epiloop.RoleCheckpoint, UnitCode: northCheck}, ""); err != nil {
		f.t.Fatal(err)
	}
	tok, err := f.svc.CreateToken(ctx, uNorth, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	f.tokens[uNorth] = tok
	var a riskAreaJSON
	f.call(request{Method: "POST", Path: "/risk-areas", As: uCommander, Body: map[string]any{
		"code": "4201", "level": "high", "from": "2020-01-01", "to": "2020-03-31",
	}}, http.StatusCreated, &a)
	return a
}

func occupant(id, origin string, temp float64) map[string]any {
	return map[string]any{"id_number": id, "name": "旅客", "phone": "", "origin": origin, "destination": addrHome,
		"temperature": temp, "symptoms": false}
}

func screeningPath(code string) string { return "/checkpoints/" + code + "/screenings" }

func TestScreeningOverHTTP(t *testing.T) {
	f := newFixture(t)
	area := f.withCheckpoints()
	if area.Code != "4201" || area.Version == 0 {
		t.Fatalf("risk area %+v", area)
	}

	t.Run("checkpoints in view", func(t *testing.T) {
		var cks listJSON[struct {
			Code     string `json:"code"`
			Kind     string `json:"kind"`
			Name     string `json:"name"`
			District string `json:"district"`
		}]
		f.call(request{Method: "GET", Path: "/checkpoints", As: uCommander}, http.StatusOK, &cks)
		if cks.Total != 2 || cks.Items[1].Code != northCheck || cks.Items[1].Kind != "rail" || cks.Items[1].District != shenhe {
			t.Errorf("commander's checkpoints %+v", cks)
		}
		f.call(request{Method: "GET", Path: "/checkpoints", As: uCheckpoint}, http.StatusOK, &cks)
		if cks.Total != 1 || cks.Items[0].Code != checkpoint {
			t.Errorf("officer's checkpoints %+v, want their own", cks)
		}
		var ras struct {
			Items   []riskAreaJSON `json:"items"`
			Version int64          `json:"version"`
		}
		f.call(request{Method: "GET", Path: "/risk-areas", As: uCheckpoint}, http.StatusOK, &ras)
		if len(ras.Items) != 1 || ras.Version != area.Version {
			t.Errorf("risk areas %+v", ras)
		}
	})

	var sc screeningResultJSON
	t.Run("a car with five people", func(t *testing.T) {
		sym := occupant(idNumber(3), "北京", 36.6)
		sym["symptoms"] = true
		f.call(request{Method: "POST", Path: screeningPath(checkpoint), As: uCheckpoint, Body: map[string]any{
			"time": "2020-02-01T15:30:00+08:00", "direction": "in", "plate": "辽A12345", "train": "",
			"occupants": []any{
				occupant(idNumber(1), "武汉市", 36.5),
				occupant(idNumber(2), "210102", 38.2),
				sym,
				occupant(idNumber(4), "大连", 36.4),
				map[string]any{"name": "王五", "phone": "13900001111", "origin": "辽宁", "destination": "", "temperature": 36.5},
			},
		}}, http.StatusCreated, &sc)
		want := []struct{ decision, message string }{
			{"lead", "已推送核查"}, {"fever", "发热：转送发热门诊"}, {"lead", "已推送核查"}, {"release", "放行"}, {"release", "放行"},
		}
		if sc.ID == 0 || sc.RiskVersion != area.Version || len(sc.Occupants) != 5 {
			t.Fatalf("screening %+v", sc)
		}
		for i, w := range want {
			o := sc.Occupants[i]
			if o.Decision != w.decision || o.Message != w.message || (o.LeadID != nil) != (w.decision != "release") {
				t.Errorf("occupant %d = %+v, want %s %q", i+1, o, w.decision, w.message)
			}
		}
		l := f.lead(*sc.Occupants[1].LeadID)
		if l.Priority != "urgent" || l.Status != "pushed" || len(l.Sources) != 1 || l.Sources[0].Kind != "checkpoint" ||
			l.Sources[0].Ref != fmt.Sprintf("%d/%s", sc.ID, checkpoint) {
			t.Errorf("fever lead %+v", l)
		}
	})

	t.Run("the list", func(t *testing.T) {
		var list listJSON[struct {
			ID          int64  `json:"id"`
			Plate       string `json:"plate"`
			RiskVersion int64  `json:"risk_version"`
			Occupants   []struct {
				Person struct {
					IDNumber string `json:"id_number"`
				} `json:"person"`
				Origin   string `json:"origin"`
				Decision string `json:"decision"`
				Message  string `json:"message"`
			} `json:"occupants"`
		}]
		f.call(request{Method: "GET", Path: screeningPath(checkpoint), As: uCheckpoint}, http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].ID != sc.ID || list.Items[0].Plate != "辽A12345" || len(list.Items[0].Occupants) != 5 {
			t.Fatalf("screenings %+v", list)
		}
		o := list.Items[0].Occupants[0]
		if o.Person.IDNumber != masked(idNumber(1)) || o.Origin != "4201" || o.Message != "已推送核查" {
			t.Errorf("first occupant %+v", o)
		}
	})

	t.Run("throughput", func(t *testing.T) {
		var st struct {
			Date   string           `json:"date"`
			Totals map[string]int64 `json:"totals"`
			Items  []struct {
				Code   string           `json:"code"`
				Totals map[string]int64 `json:"totals"`
				Hours  []struct {
					Hour    int   `json:"hour"`
					Persons int64 `json:"persons"`
				} `json:"hours"`
			} `json:"items"`
		}
		f.call(request{Method: "GET", Path: "/stats/checkpoints", As: uCommander}, http.StatusOK, &st)
		want := map[string]int64{"screenings": 1, "vehicles": 1, "persons": 5, "fevers": 1, "leads": 3, "released": 2}
		for m, n := range want {
			if st.Totals[m] != n {
				t.Errorf("totals[%s] = %d, want %d", m, st.Totals[m], n)
			}
		}
		if st.Date != "2020-02-01" || len(st.Items) != 2 || st.Items[0].Hours[15].Persons != 5 {
			t.Errorf("stats %+v", st)
		}
		f.call(request{Method: "GET", Path: "/stats/checkpoints?date=2020-01-31", As: uNorth}, http.StatusOK, &st)
		if len(st.Items) != 1 || st.Items[0].Code != northCheck || st.Totals["persons"] != 0 {
			t.Errorf("another officer's stats %+v", st)
		}
	})

	t.Run("who may screen", func(t *testing.T) {
		body := map[string]any{"direction": "in", "occupants": []any{occupant(idNumber(9), "大连", 36.5)}}
		for _, tt := range []struct {
			as   string
			want int
		}{
			{uCommander, http.StatusCreated},
			{uNorth, http.StatusNotFound},
			{uHeping, http.StatusForbidden},
			{uShenhe, http.StatusForbidden},
			{uStation, http.StatusForbidden},
			{uAnalyst, http.StatusForbidden},
			{uAuditor, http.StatusForbidden},
		} {
			res := f.do(request{Method: "POST", Path: screeningPath(checkpoint), As: tt.as, Body: body})
			if res.Status != tt.want {
				t.Errorf("%s: %d %s, want %d", tt.as, res.Status, res.Body, tt.want)
			}
		}
		res := f.do(request{Method: "GET", Path: screeningPath(checkpoint), As: uNorth})
		if res.Status != http.StatusNotFound {
			t.Errorf("another checkpoint's list: %d", res.Status)
		}
		res = f.do(request{Method: "POST", Path: screeningPath("CK9999"), As: uCommander, Body: body})
		if res.Status != http.StatusNotFound {
			t.Errorf("unknown checkpoint: %d", res.Status)
		}
	})
}

// TestScreeningBadInput: each bad screening is a 400 naming the field, and
// nothing of it is saved.
func TestScreeningBadInput(t *testing.T) {
	f := newFixture(t)
	f.withCheckpoints()
	ok := `{"id_number":"` + idNumber(1) + `","name":"张三","origin":"武汉","destination":"` + addrHome + `","temperature":36.5}`
	body := func(fields, occupants string) string {
		return `{"direction":"in",` + fields + `"occupants":[` + occupants + `]}`
	}
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"bad plate", body(`"plate":"辽A1234",`, ok), "plate"},
		{"plate with I", body(`"plate":"辽I12345",`, ok), "plate"},
		{"foreign plate", body(`"plate":"XYZ1234",`, ok), "plate"},
		{"fever out of range", body(``, ok+`,{"id_number":"`+idNumber(2)+`","origin":"沈阳","temperature":45.1}`), "occupants[1].temperature"},
		{"cold out of range", body(``, `{"id_number":"`+idNumber(2)+`","origin":"沈阳","temperature":3.65}`), "occupants[0].temperature"},
		{"temperature missing", body(``, `{"id_number":"`+idNumber(2)+`","origin":"沈阳"}`), "occupants[0].temperature"},
		{"temperature as text", body(``, `{"id_number":"`+idNumber(2)+`","origin":"沈阳","temperature":"36.5"}`), "occupants.temperature"},
		{"unknown origin", body(``, ok+`,{"id_number":"`+idNumber(2)+`","origin":"火星","temperature":36.5}`), "occupants[1].origin"},
		{"ambiguous origin", body(``, `{"id_number":"`+idNumber(2)+`","origin":"鼓楼区","temperature":36.5}`), "occupants[0].origin"},
		{"bad ID number", body(``, `{"id_number":"110105194912310021","origin":"沈阳","temperature":36.5}`), "occupants[0].id_number"},
		{"bad phone", body(``, `{"name":"李四","phone":"12345","origin":"沈阳","temperature":36.5}`), "occupants[0].phone"},
		{"bad time", body(`"time":"2020-02-01 15:30",`, ok), "time"},
		{"future time", body(`"time":"2020-02-02T15:30:00+08:00",`, ok), "time"},
		{"bad direction", `{"direction":"sideways","occupants":[` + ok + `]}`, "direction"},
		{"no occupants", body(``, ``), "occupants"},
		{"unknown field", body(`"bus":"1路",`, ok), "bus"},
		{"unknown occupant field", body(``, `{"id_number":"`+idNumber(2)+`","origin":"沈阳","temperature":36.5,"age":30}`), "age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(request{Method: "POST", Path: screeningPath(checkpoint), As: uCheckpoint, Body: tt.body})
			e := errorOf(t, res)
			if res.Status != http.StatusBadRequest || e.Error.Code != "invalid" || e.Error.Field != tt.field {
				t.Errorf("got %d %s field %q (%s), want 400 invalid %q", res.Status, e.Error.Code, e.Error.Field, e.Error.Message, tt.field)
			}
			if strings.Contains(string(res.Body), idNumber(1)) {
				t.Errorf("error quotes personal data: %s", res.Body)
			}
		})
	}
	var list listJSON[struct{}]
	f.call(request{Method: "GET", Path: screeningPath(checkpoint), As: uCommander}, http.StatusOK, &list)
	if list.Total != 0 {
		t.Errorf("%d screenings saved", list.Total)
	}
	f.call(request{Method: "GET", Path: "/leads", As: uCommander}, http.StatusOK, &list)
	if list.Total != 0 {
		t.Errorf("%d leads saved", list.Total)
	}

	t.Run("risk areas", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			as    string
			body  string
			want  int
			field string
		}{
			{"unknown code", uCommander, `{"code":"9999","level":"high","from":"2020-01-01","to":"2020-01-31"}`, 400, "code"},
			{"bad level", uCommander, `{"code":"4201","level":"red","from":"2020-01-01","to":"2020-01-31"}`, 400, "level"},
			{"bad date", uCommander, `{"code":"4201","level":"high","from":"2020/01/01","to":"2020-01-31"}`, 400, "from"},
			{"window backwards", uCommander, `{"code":"4201","level":"high","from":"2020-02-01","to":"2020-01-31"}`, 400, "to"},
			{"a district commander", uHeping, `{"code":"4201","level":"high","from":"2020-01-01","to":"2020-01-31"}`, 403, ""},
			{"an officer", uCheckpoint, `{"code":"4201","level":"high","from":"2020-01-01","to":"2020-01-31"}`, 403, ""},
		} {
			res := f.do(request{Method: "POST", Path: "/risk-areas", As: tt.as, Body: tt.body})
			if e := errorOf(t, res); res.Status != tt.want || e.Error.Field != tt.field {
				t.Errorf("%s: %d %q, want %d %q", tt.name, res.Status, e.Error.Field, tt.want, tt.field)
			}
		}
		var history listJSON[riskAreaJSON]
		f.call(request{Method: "GET", Path: "/risk-areas?history=true", As: uAnalyst}, http.StatusOK, &history)
		if history.Total != 1 {
			t.Errorf("history %+v, want the one version", history)
		}
		if res := f.do(request{Method: "GET", Path: "/stats/checkpoints?date=yesterday", As: uCommander}); res.Status != 400 {
			t.Errorf("bad stats date: %d", res.Status)
		}
	})
}
