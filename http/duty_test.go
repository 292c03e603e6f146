package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// Each side's sub-command of the matrix, under its headquarters.
var (
	mxDutyNode = [2]string{"MX-HP", "MX-SH"}
	mxDistrict = [2]string{heping, shenhe}
)

const mxDutyHQ = "MX-HQ"

// seedDuty seeds the matrix's command structure: a headquarters, each
// side's sub-command and a post of it.
func (m *matrix) seedDuty() {
	m.t.Helper()
	err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		nodes := []epiloop.CommandNode{{Code: mxDutyHQ, Kind: epiloop.NodeHeadquarters, Name: "矩阵指挥部", Leader: "矩阵总指挥"}}
		for side := range 2 {
			nodes = append(nodes, epiloop.CommandNode{Code: mxDutyNode[side], Kind: epiloop.NodeSubCommand,
				Name: fmt.Sprintf("矩阵分指挥部%d", side), ParentCode: mxDutyHQ, DistrictCode: mxDistrict[side], Leader: "矩阵分指挥"})
		}
		for i := range nodes {
			if err := tx.UpsertCommandNode(&nodes[i]); err != nil {
				return err
			}
		}
		for side := range 2 {
			p := &epiloop.Post{NodeCode: mxDutyNode[side], Kind: epiloop.PostDutyChief, Name: "矩阵值班长", MinStaff: 1, MaxStaff: 2}
			if err := tx.CreatePost(p); err != nil {
				return err
			}
			m.dutyPost[side] = p.ID
		}
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
}

// dutySlot makes a new post of side's sub-command with one 24-hour slot of
// duty day date, held by holder (0: nobody) checked in or not.
func (m *matrix) dutySlot(side int, date string, holder int64, checkedIn bool) int64 {
	m.t.Helper()
	var id int64
	err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		p := &epiloop.Post{NodeCode: mxDutyNode[side], Kind: epiloop.PostDutyOfficer, Name: "矩阵值班员", MinStaff: 1, MaxStaff: 2}
		if err := tx.CreatePost(p); err != nil {
			return err
		}
		slots, err := epiloop.Shift24h.Slots(p.ID, date, date)
		if err != nil {
			return err
		}
		if _, err := tx.CreateDutySlots(slots); err != nil {
			return err
		}
		got, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Post: &p.ID})
		if err != nil {
			return err
		}
		id = got[0].ID
		if holder == 0 {
			return nil
		}
		if err := tx.AddDutyPerson(id, holder); err != nil {
			return err
		}
		if checkedIn {
			at := got[0].Start
			return tx.SetDutyCheck(id, epiloop.DutyPerson{UserID: holder, CheckedInAt: &at})
		}
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return id
}

// freshSlot is a slot of a day of its own, far from every other.
func (m *matrix) freshSlot(side int, holder int64) int64 {
	m.seq++
	date := epiloop.CivilDate(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, 5*m.seq))
	return m.dutySlot(side, date, holder, false)
}

// nowSlot is a slot in force now: the caller's on their side, another
// person's on the other.
func (m *matrix) nowSlot(as string, side int, checkedIn bool) int64 {
	holder := m.userByName(uCommitteeB).ID
	if side == sideOf(as) && as != anonymous {
		holder = m.userByName(as).ID
	}
	day := epiloop.CivilDate(m.f.clock.Now().Add(-epiloop.ShiftDayHour * time.Hour))
	return m.dutySlot(side, day, holder, checkedIn)
}

func TestDutyAPI(t *testing.T) {
	f := newFixture(t)
	post := func(path string, body any, want int, out any) *response {
		t.Helper()
		return f.call(request{Method: "POST", Path: path, As: uCommander, Body: body}, want, out)
	}
	post("/command/nodes", map[string]any{"code": "HQ", "kind": "headquarters", "name": "指挥部", "leader": "张",
		"responsibilities": []any{map[string]any{"code": "R1", "text": "线索按时反馈", "metric": "closed"}}}, http.StatusCreated, nil)
	var p epiloop.Post
	post("/command/nodes/HQ/posts", map[string]any{"kind": "duty_chief", "name": "值班长", "min_staff": 1, "max_staff": 1},
		http.StatusCreated, &p)

	bad := []struct {
		name, path string
		body       any
		field      string
	}{
		{"node kind", "/command/nodes", map[string]any{"code": "X", "kind": "army", "name": "x", "leader": "y", "parent": "HQ"}, "kind"},
		{"node parent", "/command/nodes", map[string]any{"code": "X", "kind": "front", "name": "x", "leader": "y"}, "parent"},
		{"metric", "/command/nodes", map[string]any{"code": "X", "kind": "front", "name": "x", "leader": "y", "parent": "HQ",
			"responsibilities": []any{map[string]any{"code": "R", "text": "t", "metric": "nope"}}}, "responsibilities"},
		{"staff", "/command/nodes/HQ/posts", map[string]any{"kind": "duty_chief", "name": "x", "min_staff": 0, "max_staff": 1}, "min_staff"},
		{"pattern", fmt.Sprintf("/duty/posts/%d/roster", p.ID), map[string]any{"pattern": "8h", "from": "2020-02-01", "to": "2020-02-02"}, "pattern"},
		{"date", fmt.Sprintf("/duty/posts/%d/roster", p.ID), map[string]any{"pattern": "24h", "from": "2020-02-31", "to": "2020-02-02"}, "from"},
		{"user", "/duty/slots/1/assign", map[string]any{}, "user_id"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			res := f.do(request{Method: "POST", Path: b.path, As: uCommander, Body: b.body})
			var e apiError
			json.Unmarshal(res.Body, &e)
			if res.Status != http.StatusBadRequest || e.Error.Field != b.field {
				t.Errorf("status %d field %q, want 400 naming %q: %s", res.Status, e.Error.Field, b.field, res.Body)
			}
		})
	}
	if res := f.do(request{Method: "GET", Path: "/duty/slots?from=yesterday", As: uCommander}); res.Status != http.StatusBadRequest {
		t.Errorf("slots from=yesterday: %d, want 400", res.Status)
	}
	if res := f.do(request{Method: "GET", Path: "/duty/now", As: uStation}); res.Status != http.StatusBadRequest {
		t.Errorf("duty/now without node: %d, want 400", res.Status)
	}

	today := epiloop.CivilDate(f.clock.Now().Add(-epiloop.ShiftDayHour * time.Hour))
	post(fmt.Sprintf("/duty/posts/%d/roster", p.ID), map[string]any{"pattern": "24h", "from": today, "to": today}, http.StatusCreated, nil)
	var gaps struct {
		Items []epiloop.DutySlot `json:"items"`
		Total int                `json:"total"`
	}
	f.call(request{Method: "GET", Path: "/duty/gaps?node=HQ", As: uStation}, http.StatusOK, &gaps)
	if gaps.Total != 1 {
		t.Fatalf("%d gaps, want 1", gaps.Total)
	}
	var me struct {
		ID int64 `json:"id"`
	}
	f.call(request{Method: "GET", Path: "/me", As: uStation}, http.StatusOK, &me)
	post(fmt.Sprintf("/duty/slots/%d/assign", gaps.Items[0].ID), map[string]any{"user_id": me.ID}, http.StatusOK, nil)
	f.call(request{Method: "POST", Path: fmt.Sprintf("/duty/slots/%d/check-in", gaps.Items[0].ID), As: uStation}, http.StatusOK, nil)
	f.call(request{Method: "GET", Path: "/duty/gaps?node=HQ", As: uStation}, http.StatusOK, &gaps)
	if gaps.Total != 0 {
		t.Errorf("%d gaps after the assignment, want 0", gaps.Total)
	}
	var now struct {
		Posts []epiloop.PostOnDuty `json:"posts"`
	}
	f.call(request{Method: "GET", Path: "/duty/now?node=HQ", As: uCommittee}, http.StatusOK, &now)
	if len(now.Posts) != 1 || len(now.Posts[0].OnDuty) != 1 || now.Posts[0].OnDuty[0].UserID != me.ID {
		t.Errorf("on duty now %+v, want the checked-in station officer", now.Posts)
	}
}

// handoverSlot is a post whose slot ended an hour ago, held by the caller
// on their side (another person's on the other): the outgoing side of a
// hand-over due now. It returns the post and the boundary.
func (m *matrix) handoverSlot(as string, side int) (int64, string) {
	m.t.Helper()
	holder := m.userByName(uCommitteeB).ID
	if side == sideOf(as) && as != anonymous {
		holder = m.userByName(as).ID
	}
	end := m.f.clock.Now().Add(-time.Hour).Truncate(time.Second)
	var post int64
	err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		p := &epiloop.Post{NodeCode: mxDutyNode[side], Kind: epiloop.PostDutyOfficer, Name: "矩阵交接岗", MinStaff: 1, MaxStaff: 2}
		if err := tx.CreatePost(p); err != nil {
			return err
		}
		post = p.ID
		if _, err := tx.CreateDutySlots([]epiloop.DutySlot{{PostID: p.ID, Start: end.Add(-6 * time.Hour), End: end}}); err != nil {
			return err
		}
		got, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Post: &p.ID})
		if err != nil {
			return err
		}
		return tx.AddDutyPerson(got[0].ID, holder)
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return post, end.UTC().Format(time.RFC3339)
}

// dutyItem puts an item in the caller's duty inbox on their side
// (another person's on the other) and returns it.
func (m *matrix) dutyItem(as string, side int) int64 {
	m.t.Helper()
	holder := m.userByName(uCommitteeB).ID
	if side == sideOf(as) && as != anonymous {
		holder = m.userByName(as).ID
	}
	it := &epiloop.DutyItem{UserID: holder, Kind: epiloop.DutyItemEscalation, NodeCode: mxDutyNode[side], CreatedAt: m.f.clock.Now()}
	if err := m.f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateDutyItem(it) }); err != nil {
		m.t.Fatal(err)
	}
	return it.ID
}
