package loop_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// dutyFixture seeds a headquarters with one post and n duty officers, and
// answers the post and the officers' contexts.
func dutyFixture(t *testing.T, f *fixture, minStaff int, n int) (*epiloop.Post, []*epiloop.User) {
	t.Helper()
	hq := &epiloop.CommandNode{Code: "HQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张指挥",
		Responsibilities: []epiloop.Responsibility{{Code: "R1", Text: "按时反馈", Metric: epiloop.MetricClosed}}}
	if err := f.svc.SaveCommandNode(commander, hq); err != nil {
		t.Fatal(err)
	}
	p := &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostDutyOfficer, Name: "值班员", MinStaff: minStaff, MaxStaff: 3}
	if err := f.svc.CreatePost(commander, p); err != nil {
		t.Fatal(err)
	}
	var users []*epiloop.User
	for i := range n {
		u := &epiloop.User{Name: fmt.Sprintf("duty%d", i), Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode,
			CreatedAt: f.clock.Now()}
		if err := f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateUser(u) }); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	return p, users
}

// roster generates days of a post's pattern from the fixture's date and
// answers the slots by start.
func (f *fixture) roster(t *testing.T, post int64, pattern epiloop.ShiftPattern, days int) []epiloop.DutySlot {
	t.Helper()
	from := epiloop.CivilDate(f.clock.Now())
	to := epiloop.CivilDate(f.clock.Now().AddDate(0, 0, days-1))
	if _, err := f.svc.GenerateRoster(commander, post, pattern, from, to); err != nil {
		t.Fatal(err)
	}
	slots, _, err := f.svc.FindDutySlots(commander, epiloop.DutySlotFilter{Post: &post, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return slots
}

func TestDutyRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p6, users := dutyFixture(t, f, 1, 1)
		p24 := &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostDutyChief, Name: "值班长", MinStaff: 1, MaxStaff: 2}
		if err := f.svc.CreatePost(commander, p24); err != nil {
			t.Fatal(err)
		}
		six := f.roster(t, p6.ID, epiloop.Shift4x6h, 2)
		day := f.roster(t, p24.ID, epiloop.Shift24h, 4)
		if len(six) != 8 || len(day) != 4 {
			t.Fatalf("%d six-hour and %d day slots, want 8 and 4", len(six), len(day))
		}
		if got := day[0].Start.In(epiloop.CivilZone()).Hour(); got != epiloop.ShiftDayHour {
			t.Errorf("a duty day begins at %d:00, want %d:00", got, epiloop.ShiftDayHour)
		}
		me := users[0].ID
		steps := []struct {
			name   string
			slot   int64
			reason string
		}{
			{"first 24h duty", day[0].ID, ""},
			{"overlapping 6h slot", six[1].ID, "duty_overlap"},
			{"second 24h back to back", day[1].ID, ""},
			{"third 24h back to back", day[2].ID, "duty_consecutive"},
			{"6h slot right after without rest", six[4].ID, "duty_overlap"},
		}
		for _, st := range steps {
			_, err := f.svc.Assign(commander, st.slot, me)
			var reason string
			if e, ok := err.(*epiloop.Error); ok {
				reason = e.Reason
			} else if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if reason != st.reason {
				t.Errorf("%s: reason %q (%v), want %q", st.name, reason, err, st.reason)
			}
		}
		// Rest: 6h slots after 0 and 6 hours off are refused, after 12 taken.
		if _, err := f.svc.Unassign(commander, day[0].ID, me); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Unassign(commander, day[1].ID, me); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Assign(commander, six[0].ID, me); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Assign(commander, six[1].ID, me)
		if e, ok := err.(*epiloop.Error); !ok || e.Reason != "duty_rest" || e.Code != epiloop.ECONFLICT {
			t.Errorf("back-to-back 6h slots: %v, want the rest rule", err)
		}
		if _, err := f.svc.Assign(commander, six[2].ID, me); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("6h slot after 6 hours off: %v, want the rest rule", err)
		}
		if _, err := f.svc.Assign(commander, six[3].ID, me); err != nil {
			t.Errorf("6h slot after 12 hours off: %v", err)
		}
	})
}

func TestDutyGapsAndNow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p, users := dutyFixture(t, f, 2, 3)
		slots := f.roster(t, p.ID, epiloop.Shift12h, 1)
		node := "HQ"
		gaps := func() int {
			t.Helper()
			_, n, err := f.svc.FindDutySlots(commander, epiloop.DutySlotFilter{Node: &node, Gaps: true})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := gaps(); got != 2 {
			t.Errorf("%d gaps, want 2", got)
		}
		for _, u := range users[:2] {
			if _, err := f.svc.Assign(commander, slots[0].ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got := gaps(); got != 1 {
			t.Errorf("%d gaps after staffing the day, want 1", got)
		}

		ctx0 := epiloop.NewContextWithUser(context.Background(), users[0])
		ctx2 := epiloop.NewContextWithUser(context.Background(), users[2])
		if _, err := f.svc.CheckIn(ctx2, slots[0].ID); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("check-in by a person not on the slot: %v, want forbidden", err)
		}
		f.clock.Add(10 * time.Minute)
		if _, err := f.svc.CheckIn(ctx0, slots[0].ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour) // check-in of users[1] is overdue now
		now := func() []int64 {
			t.Helper()
			posts, err := f.svc.OnDutyNow(ctx2, node)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, p := range posts[0].OnDuty {
				ids = append(ids, p.UserID)
			}
			return ids
		}
		if got := now(); len(got) != 1 || got[0] != users[0].ID {
			t.Errorf("on duty %v, want only the checked-in %d", got, users[0].ID)
		}
		// The roster changes: users[2] replaces users[0] and checks in.
		if _, err := f.svc.Unassign(commander, slots[0].ID, users[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Assign(commander, slots[0].ID, users[2].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(ctx2, slots[0].ID); err != nil {
			t.Fatal(err)
		}
		if got := now(); len(got) != 1 || got[0] != users[2].ID {
			t.Errorf("on duty after the change %v, want %d", got, users[2].ID)
		}
		if _, err := f.svc.CheckIn(ctx0, slots[1].ID); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("check-in to an unassigned slot: %v", err)
		}
		// The night slot: assigned before its start, not yet checked in.
		// users[1], on the day slot, may not take the night without rest.
		if _, err := f.svc.Assign(commander, slots[1].ID, users[1].ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("night after day: %v, want the rest rule", err)
		}
		if _, err := f.svc.Assign(commander, slots[1].ID, users[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(ctx0, slots[1].ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("check-in hours before the slot: %v, want conflict", err)
		}
		f.clock.Set(slots[1].Start.Add(5 * time.Minute))
		if got := now(); len(got) != 1 || got[0] != users[0].ID {
			t.Errorf("on duty at night %v, want the assignee %d whose check-in is not yet due", got, users[0].ID)
		}
	})
}

func TestDutyPermissions(t *testing.T) {
	f := newFixture(t)
	district := as(epiloop.RoleDistrict, "DC"+heping)
	other := &epiloop.CommandNode{Code: "SUB-SH", Kind: epiloop.NodeSubCommand, Name: "沈河区分指挥部", Leader: "李",
		ParentCode: "HQ", DistrictCode: "210103"}
	dutyFixture(t, f, 1, 0)
	mine := &epiloop.CommandNode{Code: "SUB-HP", Kind: epiloop.NodeSubCommand, Name: "和平区分指挥部", Leader: "王",
		ParentCode: "HQ", DistrictCode: heping}
	if err := f.svc.SaveCommandNode(district, mine); err != nil {
		t.Errorf("district commander saves their sub-command: %v", err)
	}
	if err := f.svc.SaveCommandNode(district, other); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("district commander saves another district's: %v, want forbidden", err)
	}
	if err := f.svc.CreatePost(district, &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostDutyChief, Name: "值班长", MinStaff: 1, MaxStaff: 1}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("district commander adds a post to HQ: %v, want forbidden", err)
	}
	if err := f.svc.SaveCommandNode(station, mine); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("station saves a node: %v, want forbidden", err)
	}
	hq, err := f.svc.FindCommandNode(commander, "HQ")
	if err != nil {
		t.Fatal(err)
	}
	hq.ParentCode, hq.Kind = "SUB-HP", epiloop.NodeFront
	if err := f.svc.SaveCommandNode(commander, &hq.CommandNode); epiloop.ErrorCode(err) != epiloop.EINVALID {
		t.Errorf("a node under its own sub-command: %v, want invalid", err)
	}
	if _, err := f.svc.OnDutyNow(station, "HQ"); err != nil {
		t.Errorf("station reads who is on duty: %v", err)
	}
}
