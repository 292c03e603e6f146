package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testVolunteers pins the volunteers' storage: a volunteer round-trips
// with its person opened, skills and sealed availability; one person once
// per pool (bulk inserts skip the ones already in it); the pool filters
// (unit or station, community, team, status, vetting, skill) and the
// tally's figures select alike; a check-out adds its minutes to the
// volunteer's hours; volunteers on a slot are counted.
func testVolunteers(t *testing.T, s epiloop.Store) {
	seed(t, s)
	mk := func(p epiloop.Person, unit, community, station, district string, skills ...epiloop.Skill) *epiloop.Volunteer {
		return &epiloop.Volunteer{Person: p, UnitCode: unit, CommunityCode: community, StationCode: station, DistrictCode: district,
			Team: "一分队", Skills: skills, Availability: "周末全天", Status: epiloop.VolunteerActive, Vetting: epiloop.VettingPending,
			CreatedAt: at(0), UpdatedAt: at(0)}
	}
	var a, b *epiloop.Volunteer
	update(t, s, func(tx epiloop.Tx) error {
		for i := 1; i <= 3; i++ {
			p := person(i)
			if err := tx.CreatePerson(&p); err != nil {
				return err
			}
			v := mk(p, cm1, c1, ps1, d1, epiloop.SkillGate, epiloop.SkillPatrol)
			if i == 3 {
				v = mk(p, cm2, c2, ps2, d2, epiloop.SkillMedical)
			}
			if err := tx.CreateVolunteer(v); err != nil {
				return err
			}
			if i == 1 {
				a = v
			}
			if i == 2 {
				b = v
			}
		}
		return nil
	})
	refused(t, s, "a person twice in a pool", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateVolunteer(mk(a.Person, cm1, c1, ps1, d1))
	})
	update(t, s, func(tx epiloop.Tx) error {
		p := person(4)
		if err := tx.CreatePerson(&p); err != nil {
			return err
		}
		// Person 1 is in cm1's pool already; in ps1's not yet.
		n, err := tx.CreateVolunteers([]*epiloop.Volunteer{mk(a.Person, cm1, c1, ps1, d1), mk(p, cm1, c1, ps1, d1),
			mk(a.Person, ps1, c1, ps1, d1, epiloop.SkillDriving)})
		if n != 2 {
			t.Errorf("bulk inserted %d, want 2", n)
		}
		return err
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindVolunteerByID(a.ID, false)
		if err != nil {
			return err
		}
		if got.Person.IDNumber != a.Person.IDNumber || got.Person.Name != a.Person.Name || got.Availability != "周末全天" ||
			len(got.Skills) != 2 || got.Skills[0] != epiloop.SkillGate || !got.CreatedAt.Equal(at(0)) || got.UnitCode != cm1 {
			t.Errorf("volunteer %+v", got)
		}
		return nil
	})
	now := at(time.Hour)
	b.Status, b.Vetting, b.VettedBy, b.VettedAt, b.UpdatedAt = epiloop.VolunteerPaused, epiloop.VettingVetted, 9, &now, now
	update(t, s, func(tx epiloop.Tx) error { return tx.UpdateVolunteer(b) })
	ptr := func(s string) *string { return &s }
	st := func(s epiloop.VolunteerStatus) *epiloop.VolunteerStatus { return &s }
	vet := func(v epiloop.Vetting) *epiloop.Vetting { return &v }
	sk := func(s epiloop.Skill) *epiloop.Skill { return &s }
	for _, tt := range []struct {
		name string
		f    epiloop.VolunteerFilter
		want int
	}{
		{"all", epiloop.VolunteerFilter{}, 5},
		{"committee's pool", epiloop.VolunteerFilter{Unit: ptr(cm1)}, 3},
		{"station's communities", epiloop.VolunteerFilter{Unit: ptr(ps1)}, 4},
		{"district", epiloop.VolunteerFilter{District: ptr(d2)}, 1},
		{"community", epiloop.VolunteerFilter{Community: ptr(c1)}, 4},
		{"team", epiloop.VolunteerFilter{Team: ptr("一分队")}, 5},
		{"paused", epiloop.VolunteerFilter{Status: st(epiloop.VolunteerPaused)}, 1},
		{"vetted", epiloop.VolunteerFilter{Vetting: vet(epiloop.VettingVetted)}, 1},
		{"driving", epiloop.VolunteerFilter{Skill: sk(epiloop.SkillDriving)}, 1},
		{"gate", epiloop.VolunteerFilter{Skill: sk(epiloop.SkillGate)}, 2},
		{"page", epiloop.VolunteerFilter{Limit: 2, Offset: 4}, 1},
	} {
		view(t, s, func(tx epiloop.Tx) error {
			got, total, err := tx.FindVolunteers(tt.f)
			if err != nil {
				return err
			}
			if tt.f.Limit == 0 && (len(got) != tt.want || total != tt.want) {
				t.Errorf("%s: %d (total %d), want %d", tt.name, len(got), total, tt.want)
			}
			if tt.f.Limit > 0 && (len(got) != tt.want || total != 5) {
				t.Errorf("%s: %d (total %d)", tt.name, len(got), total)
			}
			return nil
		})
	}
	// A slot, a volunteer on it, checked in and out: 90 minutes served.
	hq := epiloop.CommandNode{Code: "HQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张", UpdatedAt: at(0)}
	post := &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostCheckpointChief, Name: "小区门岗", MinStaff: 1, MaxStaff: 3}
	var slot int64
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpsertCommandNode(&hq); err != nil {
			return err
		}
		if err := tx.CreatePost(post); err != nil {
			return err
		}
		ss, _ := epiloop.Shift12h.Slots(post.ID, "2020-02-01", "2020-02-01")
		if _, err := tx.CreateDutySlots(ss); err != nil {
			return err
		}
		got, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Post: &post.ID})
		slot = got[0].ID
		return err
	})
	asg := &epiloop.VolunteerAssignment{VolunteerID: a.ID, SlotID: slot, AssignedBy: 1, AssignedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateVolunteerAssignment(asg) })
	refused(t, s, "a volunteer twice on a slot", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateVolunteerAssignment(&epiloop.VolunteerAssignment{VolunteerID: a.ID, SlotID: slot, AssignedAt: at(0)})
	})
	in, out := at(time.Hour), at(150*time.Minute)
	asg.CheckedInAt = &in
	update(t, s, func(tx epiloop.Tx) error { return tx.SetVolunteerCheck(asg) })
	asg.CheckedOutAt, asg.Minutes = &out, 90
	update(t, s, func(tx epiloop.Tx) error { return tx.SetVolunteerCheck(asg) })
	view(t, s, func(tx epiloop.Tx) error {
		n, err := tx.CountSlotVolunteers(slot)
		if err != nil || n != 1 {
			t.Errorf("slot volunteers = %d %v", n, err)
		}
		got, err := tx.FindVolunteerAssignment(slot, a.ID)
		if err != nil || got.Minutes != 90 || !got.CheckedOutAt.Equal(out) {
			t.Errorf("assignment %+v %v", got, err)
		}
		list, err := tx.FindVolunteerAssignments(a.ID, 10)
		if err != nil || len(list) != 1 {
			t.Errorf("assignments %v %v", list, err)
		}
		ts, err := tx.TallyVolunteers(epiloop.VolunteerFilter{}, "district")
		if err != nil {
			return err
		}
		if len(ts) != 2 || ts[0].Key != d1 || ts[1].Key != d2 {
			t.Fatalf("tallies %+v", ts)
		}
		f := ts[0].Figures()
		if f[epiloop.MetricVolunteers] != 4 || f[epiloop.MetricVolunteersActive] != 3 || f[epiloop.MetricVolunteersVetted] != 1 ||
			f[epiloop.MetricVolunteersReady] != 0 || ts[0].Minutes != 90 {
			t.Errorf("district figures %v, minutes %d", f, ts[0].Minutes)
		}
		one, err := tx.TallyVolunteers(epiloop.VolunteerFilter{Community: ptr(c2)}, "")
		if err != nil || len(one) != 1 || one[0].Figures()[epiloop.MetricVolunteers] != 1 {
			t.Errorf("community tally %+v %v", one, err)
		}
		return nil
	})
}
