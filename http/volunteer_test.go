package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestVolunteerRoutesCarryNoLeadData registers as a volunteer a person
// who is also the person of an open lead, walks the volunteer through
// every volunteer route, and checks that no answer holds anything of the
// lead: its id, address, reason, tasks or units' feedback.
func TestVolunteerRoutesCarryNoLeadData(t *testing.T) {
	f := newFixture(t)
	const note = "密接者乘坐G1234次列车"
	b := leadBody(id1, addrHome)
	b["reason"].(map[string]any)["note"] = note
	var l leadJSON
	f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: b}, http.StatusCreated, &l)

	var v struct {
		ID     int64 `json:"id"`
		Person struct {
			IDNumber string `json:"id_number"`
		} `json:"person"`
	}
	var bodies []string
	keep := func(r *response) { bodies = append(bodies, string(r.Body)) }
	keep(f.call(request{Method: "POST", Path: "/volunteers", As: uCommittee, Body: map[string]any{"name": "张三", "id_number": id1,
		"phone": "13800138000", "community": shuiyuandi, "skills": []string{"gate", "temperature"}, "availability": "周末"}},
		http.StatusCreated, &v))
	if v.Person.IDNumber != id1Masked {
		t.Errorf("registered volunteer's ID number %q, want masked", v.Person.IDNumber)
	}
	// The volunteer is the lead's person: one identity store.
	f.store.View(context.Background(), func(tx epiloop.Tx) error {
		vol, err := tx.FindVolunteerByID(v.ID, false)
		if err != nil {
			return err
		}
		lead, err := tx.FindLeadByID(l.ID, false)
		if err == nil && vol.Person.ID != lead.Person.ID {
			t.Errorf("volunteer's person %d, the lead's %d", vol.Person.ID, lead.Person.ID)
		}
		return err
	})
	keep(f.call(request{Method: "POST", Path: fmt.Sprintf("/volunteers/%d/vet", v.ID), As: uStation, Body: map[string]any{"vetting": "vetted"}}, http.StatusOK, nil))
	keep(f.call(request{Method: "PATCH", Path: fmt.Sprintf("/volunteers/%d", v.ID), As: uCommittee, Body: map[string]any{"team": "一分队"}}, http.StatusOK, nil))
	var slot int64
	err := f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		if err := tx.UpsertCommandNode(&epiloop.CommandNode{Code: "VHQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张"}); err != nil {
			return err
		}
		p := &epiloop.Post{NodeCode: "VHQ", Kind: epiloop.PostCheckpointChief, Name: "南门", MinStaff: 1, MaxStaff: 4}
		if err := tx.CreatePost(p); err != nil {
			return err
		}
		day := epiloop.CivilDate(f.clock.Now().Add(-epiloop.ShiftDayHour * time.Hour))
		ss, _ := epiloop.Shift24h.Slots(p.ID, day, day)
		if _, err := tx.CreateDutySlots(ss); err != nil {
			return err
		}
		got, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Post: &p.ID})
		slot = got[0].ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	vpath := fmt.Sprintf("/volunteers/%d", v.ID)
	keep(f.call(request{Method: "POST", Path: vpath + "/assignments", As: uCommittee, Body: map[string]any{"slot_id": slot}}, http.StatusCreated, nil))
	keep(f.call(request{Method: "POST", Path: fmt.Sprintf("%s/assignments/%d/check-in", vpath, slot), As: uCommittee}, http.StatusOK, nil))
	f.clock.Add(2 * time.Hour)
	keep(f.call(request{Method: "POST", Path: fmt.Sprintf("%s/assignments/%d/check-out", vpath, slot), As: uStation}, http.StatusOK, nil))
	keep(f.call(request{Method: "POST", Path: vpath + "/status", As: uCommittee, Body: map[string]any{"status": "paused"}}, http.StatusOK, nil))
	for _, as := range []string{uCommander, uHeping, uStation, uCommittee} {
		keep(f.call(request{Method: "GET", Path: "/volunteers", As: as}, http.StatusOK, nil))
		keep(f.call(request{Method: "GET", Path: vpath, As: as}, http.StatusOK, nil))
	}
	keep(f.call(request{Method: "GET", Path: "/volunteers/figures", As: uCommander}, http.StatusOK, nil))
	reveal := f.call(request{Method: "POST", Path: vpath + "/reveal", As: uStation, Body: map[string]any{"purpose": "核实身份"}}, http.StatusOK, nil)
	keep(reveal)
	var revealed map[string]any
	json.Unmarshal(reveal.Body, &revealed)
	keys := make([]string, 0, len(revealed))
	for k := range revealed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"id_number", "name", "phone"}) || revealed["id_number"] != id1 {
		t.Errorf("reveal answers %v", revealed)
	}

	leadData := []string{addrHome, "水源地社区12号楼", note, "武汉", `"lead`, `"task`, `"reason"`, `"feedback"`, `"address"`,
		`"sources"`, `"priority"`, fmt.Sprintf(`"id":%d,"status"`, l.ID)}
	for i, body := range bodies {
		for _, s := range leadData {
			if strings.Contains(body, s) {
				t.Errorf("answer %d holds %q of the lead: %.400s", i, s, body)
			}
		}
	}
	var view struct {
		MinutesServed int64 `json:"minutes_served"`
		Status        string
		Assignments   []map[string]any `json:"assignments"`
	}
	f.call(request{Method: "GET", Path: vpath, As: uCommittee}, http.StatusOK, &view)
	if view.MinutesServed != 120 || view.Status != "paused" || len(view.Assignments) != 1 {
		t.Errorf("view %+v", view)
	}
}

// TestVolunteerAPIErrors: bad input is a 4xx naming the field, never a
// 500.
func TestVolunteerAPIErrors(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name   string
		r      request
		status int
		field  string
	}{
		{"bad ID", request{Method: "POST", Path: "/volunteers", As: uCommittee, Body: map[string]any{"name": "张三",
			"id_number": "110105194912310021", "community": shuiyuandi}}, http.StatusBadRequest, "id_number"},
		{"unknown skill", request{Method: "POST", Path: "/volunteers", As: uCommittee, Body: map[string]any{"name": "张三",
			"id_number": id1, "community": shuiyuandi, "skills": []string{"dig"}}}, http.StatusBadRequest, "skills"},
		{"community not served", request{Method: "POST", Path: "/volunteers", As: uCommittee, Body: map[string]any{"name": "张三",
			"id_number": id1, "community": "210103001001"}}, http.StatusBadRequest, "community"},
		{"bad status filter", request{Method: "GET", Path: "/volunteers?status=asleep", As: uCommittee}, http.StatusBadRequest, "status"},
		{"bad skill filter", request{Method: "GET", Path: "/volunteers?skill=dig", As: uCommittee}, http.StatusBadRequest, "skill"},
		{"vet missing", request{Method: "POST", Path: "/volunteers/999/vet", As: uStation, Body: map[string]any{"vetting": "vetted"}}, http.StatusNotFound, ""},
		{"no file", request{Method: "POST", Path: "/volunteers/imports", As: uCommittee, Body: map[string]any{}}, http.StatusBadRequest, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			res := f.call(tt.r, tt.status, &e)
			if tt.field != "" && e.Error.Field != tt.field {
				t.Errorf("field %q, want %q: %s", e.Error.Field, tt.field, res.Body)
			}
			if e.Error.Message == "" {
				t.Errorf("no message: %s", res.Body)
			}
		})
	}
}
