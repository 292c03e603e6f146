package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testDuty pins the roster's storage: nodes round-trip with their
// responsibility lists, a roster generated twice makes its slots once, and
// the coverage gap (persons below the post's minimum, spelled in SQL) and
// the person and time filters select alike in both engines.
func testDuty(t *testing.T, s epiloop.Store) {
	hq := epiloop.CommandNode{Code: "HQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张", Mandate: "统筹",
		Responsibilities: []epiloop.Responsibility{{Code: "R1", Text: "按时反馈", Metric: epiloop.MetricClosed}}, UpdatedAt: at(0)}
	post := &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostDutyChief, Name: "值班长", MinStaff: 2, MaxStaff: 3}
	var users [2]*epiloop.User
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpsertCommandNode(&hq); err != nil {
			return err
		}
		for i := range users {
			users[i] = &epiloop.User{Name: []string{"duty-a", "duty-b"}[i], Role: epiloop.RoleCommander, CreatedAt: at(0)}
			if err := tx.CreateUser(users[i]); err != nil {
				return err
			}
		}
		return tx.CreatePost(post)
	})
	refused(t, s, "post of a missing node", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		return tx.CreatePost(&epiloop.Post{NodeCode: "NONE", Kind: epiloop.PostDutyChief, Name: "x", MinStaff: 1, MaxStaff: 1})
	})
	slots, err := epiloop.Shift12h.Slots(post.ID, "2020-02-01", "2020-02-02")
	if err != nil {
		t.Fatal(err)
	}
	for round, want := range []int{4, 0} {
		update(t, s, func(tx epiloop.Tx) error {
			n, err := tx.CreateDutySlots(slots)
			if n != want {
				t.Errorf("round %d: %d slots made, want %d", round, n, want)
			}
			return err
		})
	}
	view(t, s, func(tx epiloop.Tx) error {
		n, err := tx.FindCommandNodeByCode("HQ")
		if err != nil {
			return err
		}
		if n.Mandate != hq.Mandate || len(n.Responsibilities) != 1 || n.Responsibilities[0] != hq.Responsibilities[0] ||
			!n.UpdatedAt.Equal(hq.UpdatedAt) {
			t.Errorf("node %+v, want %+v", n, hq)
		}
		return nil
	})
	var got []epiloop.DutySlot
	view(t, s, func(tx epiloop.Tx) (err error) {
		got, _, err = tx.FindDutySlots(epiloop.DutySlotFilter{Post: &post.ID})
		return err
	})
	if len(got) != 4 || !got[0].Start.Equal(slots[0].Start) || got[0].Post.Name != post.Name {
		t.Fatalf("slots %+v, want the four generated", got)
	}
	first := got[0].ID
	in := at(0)
	update(t, s, func(tx epiloop.Tx) error {
		for _, u := range users {
			if err := tx.AddDutyPerson(first, u.ID); err != nil {
				return err
			}
		}
		if err := tx.AddDutyPerson(got[1].ID, users[0].ID); err != nil {
			return err
		}
		return tx.SetDutyCheck(first, epiloop.DutyPerson{UserID: users[1].ID, CheckedInAt: &in})
	})
	update(t, s, func(tx epiloop.Tx) error {
		sl, err := tx.FindDutySlotByID(first, true)
		if err == nil && len(sl.Persons) != 2 {
			t.Errorf("locked slot has %d persons, want 2", len(sl.Persons))
		}
		return err
	})
	refused(t, s, "assigned twice", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.AddDutyPerson(first, users[0].ID) })
	refused(t, s, "unassign a person not on the slot", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		return tx.RemoveDutyPerson(got[2].ID, users[0].ID)
	})
	node, user := "HQ", users[0].ID
	cases := []struct {
		name string
		f    epiloop.DutySlotFilter
		want int
	}{
		{"gaps", epiloop.DutySlotFilter{Node: &node, Gaps: true}, 3},
		{"person", epiloop.DutySlotFilter{User: &user}, 2},
		{"window", epiloop.DutySlotFilter{From: slots[1].Start, To: slots[2].End}, 2},
		{"instant", epiloop.DutySlotFilter{From: slots[0].Start, To: slots[0].Start.Add(time.Millisecond)}, 1},
	}
	for _, c := range cases {
		view(t, s, func(tx epiloop.Tx) error {
			_, total, err := tx.FindDutySlots(c.f)
			if total != c.want {
				t.Errorf("%s: %d slots, want %d", c.name, total, c.want)
			}
			return err
		})
	}
	view(t, s, func(tx epiloop.Tx) error {
		sl, err := tx.FindDutySlotByID(first, false)
		if err != nil {
			return err
		}
		if len(sl.Persons) != 2 || sl.Persons[1].CheckedInAt == nil || !sl.Persons[1].CheckedInAt.Equal(in) ||
			sl.Persons[0].CheckedInAt != nil || sl.Persons[0].Name != "duty-a" {
			t.Errorf("slot persons %+v", sl.Persons)
		}
		return nil
	})
}

// refused runs fn in a transaction of its own (a failed statement ends a
// PostgreSQL transaction) and checks the code it is refused with.
func refused(t *testing.T, s epiloop.Store, name, code string, fn func(tx epiloop.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); epiloop.ErrorCode(err) != code {
		t.Errorf("%s: %v, want %s", name, err, code)
	}
}
