package loop_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The other side of the tests: 沈河区 永顺社区's station, and a district
// commander of each district.
const otherPS = "PS210103005"

var (
	hepingCommander = as(epiloop.RoleDistrict, epiloop.SubCommandCode(heping))
	shenheCommander = as(epiloop.RoleDistrict, epiloop.SubCommandCode("210103"))
	otherStation    = as(epiloop.RoleStation, otherPS)
	analyst         = as(epiloop.RoleAnalyst, "")
)

func volunteerID(n int) string { return epiloop.CompleteIDNumber(fmt.Sprintf("21010219900101%03d", n)) }

func (f *fixture) volunteer(t *testing.T, ctx context.Context, n int, skills ...epiloop.Skill) *epiloop.Volunteer {
	t.Helper()
	v, err := f.svc.RegisterVolunteer(ctx, &epiloop.Volunteer{Person: epiloop.Person{Name: fmt.Sprintf("义勇%d", n),
		IDNumber: volunteerID(n), Phone: "13900139000"}, CommunityCode: shuiyuandi, Team: "一分队", Skills: skills,
		Availability: "工作日晚上"})
	if err != nil {
		t.Fatalf("register %d: %v", n, err)
	}
	return v
}

// volunteerSlot makes a post at a compound gate with one 12-hour slot in
// force at the fixture's time, MaxStaff 2.
func (f *fixture) volunteerSlot(t *testing.T) epiloop.DutySlot {
	t.Helper()
	post, _ := dutyFixture(t, f, 1, 0)
	p := &epiloop.Post{NodeCode: post.NodeCode, Kind: epiloop.PostCheckpointChief, Name: "水源地小区南门", PlaceCode: shuiyuandiCM,
		MinStaff: 1, MaxStaff: 2}
	if err := f.svc.CreatePost(commander, p); err != nil {
		t.Fatal(err)
	}
	day := epiloop.CivilDate(f.clock.Now().Add(-epiloop.ShiftDayHour * time.Hour))
	if _, err := f.svc.GenerateRoster(commander, p.ID, epiloop.Shift12h, day, day); err != nil {
		t.Fatal(err)
	}
	slots, _, err := f.svc.FindDutySlots(commander, epiloop.DutySlotFilter{Post: &p.ID, From: f.clock.Now(), To: f.clock.Now().Add(time.Millisecond)})
	if err != nil || len(slots) != 1 {
		t.Fatalf("slots %v %v", slots, err)
	}
	return slots[0]
}

func TestVolunteerWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		v := f.volunteer(t, committee, 1, epiloop.SkillGate)
		if v.Person.IDNumber == volunteerID(1) || v.Status != epiloop.VolunteerActive || v.Vetting != epiloop.VettingPending ||
			v.StationCode != shuiyuandiPS || v.DistrictCode != heping || v.UnitCode != shuiyuandiCM {
			t.Fatalf("registered %+v", v)
		}
		// The same person again in the same pool is a conflict; in the
		// station's pool they are a second membership of one person.
		_, err := f.svc.RegisterVolunteer(committee, &epiloop.Volunteer{Person: epiloop.Person{Name: "义勇1", IDNumber: volunteerID(1)},
			CommunityCode: shuiyuandi})
		wantCode(t, "twice in a pool", err, epiloop.ECONFLICT)
		_, err = f.svc.RegisterVolunteer(committee, &epiloop.Volunteer{Person: epiloop.Person{Name: "义勇9", IDNumber: volunteerID(9)},
			CommunityCode: "210103001001"})
		wantCode(t, "a community the committee does not serve", err, epiloop.EINVALID)
		_, err = f.svc.RegisterVolunteer(hepingCommander, &epiloop.Volunteer{Person: epiloop.Person{Name: "义勇9", IDNumber: volunteerID(9)},
			CommunityCode: shuiyuandi})
		wantCode(t, "a district commander registers", err, epiloop.EFORBIDDEN)

		// Scope: its pool, station and district see it; the other side
		// finds nothing.
		for name, ctx := range map[string]context.Context{"committee": committee, "station": station, "district": hepingCommander, "commander": commander} {
			if _, err := f.svc.FindVolunteer(ctx, v.ID); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			p, err := f.svc.FindVolunteers(ctx, epiloop.VolunteerFilter{})
			if err != nil || p.Total != 1 || p.Figures[epiloop.MetricVolunteers] != 1 {
				t.Errorf("%s lists %+v %v", name, p, err)
			}
		}
		for name, ctx := range map[string]context.Context{"other station": otherStation, "other district": shenheCommander} {
			_, err := f.svc.FindVolunteer(ctx, v.ID)
			wantCode(t, name, err, epiloop.ENOTFOUND)
			p, err := f.svc.FindVolunteers(ctx, epiloop.VolunteerFilter{})
			if err != nil || p.Total != 0 {
				t.Errorf("%s lists %+v %v", name, p, err)
			}
		}
		_, err = f.svc.FindVolunteers(analyst, epiloop.VolunteerFilter{})
		wantCode(t, "analyst", err, epiloop.EFORBIDDEN)

		// Only the community's station vets.
		_, err = f.svc.VetVolunteer(committee, v.ID, epiloop.VettingVetted)
		wantCode(t, "committee vets", err, epiloop.EFORBIDDEN)
		_, err = f.svc.VetVolunteer(otherStation, v.ID, epiloop.VettingVetted)
		wantCode(t, "other station vets", err, epiloop.ENOTFOUND)
		slot := f.volunteerSlot(t)
		_, err = f.svc.AssignVolunteer(committee, v.ID, slot.ID)
		if epiloop.ErrorReason(err) != "volunteer_not_vetted" {
			t.Errorf("assign before vetting: %v", err)
		}
		if v, err = f.svc.VetVolunteer(station, v.ID, epiloop.VettingVetted); err != nil || v.Vetting != epiloop.VettingVetted {
			t.Fatalf("vet: %+v %v", v, err)
		}
		_, err = f.svc.VetVolunteer(station, v.ID, epiloop.VettingRefused)
		wantCode(t, "vet twice", err, epiloop.ECONFLICT)

		// Status: active → paused (not assignable) → active; left is final.
		paused := epiloop.VolunteerPaused
		if _, err := f.svc.UpdateVolunteer(committee, v.ID, loop.VolunteerUpdate{Status: &paused}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AssignVolunteer(committee, v.ID, slot.ID)
		if epiloop.ErrorReason(err) != "volunteer_not_active" {
			t.Errorf("assign while paused: %v", err)
		}
		active := epiloop.VolunteerActive
		if _, err := f.svc.UpdateVolunteer(committee, v.ID, loop.VolunteerUpdate{Status: &active}); err != nil {
			t.Fatal(err)
		}

		// Assignment: the district commander of 和平区 does not manage
		// the headquarters' roster; the pool does.
		_, err = f.svc.AssignVolunteer(hepingCommander, v.ID, slot.ID)
		wantCode(t, "district commander on HQ's roster", err, epiloop.EFORBIDDEN)
		if _, err := f.svc.AssignVolunteer(committee, v.ID, slot.ID); err != nil {
			t.Fatal(err)
		}
		// MaxStaff 2 counts staff and volunteers together.
		w := f.volunteer(t, committee, 2)
		if _, err := f.svc.VetVolunteer(station, w.ID, epiloop.VettingVetted); err != nil {
			t.Fatal(err)
		}
		_, users := dutyFixture(t, f, 1, 2)
		if _, err := f.svc.Assign(commander, slot.ID, users[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AssignVolunteer(committee, w.ID, slot.ID)
		if epiloop.ErrorReason(err) != "duty_full" {
			t.Errorf("a third on a post of two: %v", err)
		}
		_, err = f.svc.Assign(commander, slot.ID, users[1].ID)
		if epiloop.ErrorReason(err) != "duty_full" {
			t.Errorf("staff beyond the post's maximum with a volunteer on it: %v", err)
		}

		// Check-in and out: hours served.
		if _, err := f.svc.CheckOutVolunteer(committee, v.ID, slot.ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("check-out before check-in: %v", err)
		}
		if _, err := f.svc.CheckInVolunteer(committee, v.ID, slot.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(3*time.Hour + 5*time.Minute)
		a, err := f.svc.CheckOutVolunteer(station, v.ID, slot.ID)
		if err != nil || a.Minutes != 185 {
			t.Fatalf("check-out %+v %v", a, err)
		}
		view, err := f.svc.FindVolunteer(committee, v.ID)
		if err != nil || view.MinutesServed != 185 || len(view.Assignments) != 1 {
			t.Errorf("view %+v %v", view, err)
		}
		p, err := f.svc.FindVolunteers(station, epiloop.VolunteerFilter{Community: ptr(shuiyuandi)})
		if err != nil || p.Figures[epiloop.MetricVolunteerHours] != 3 || p.Figures[epiloop.MetricVolunteersReady] != 2 {
			t.Errorf("pool figures %v %v", p.Figures, err)
		}
		rows, err := f.svc.VolunteerFigures(commander)
		if err != nil || len(rows) != 1 || rows[0].District != heping || rows[0].Figures[epiloop.MetricVolunteersVetted] != 2 {
			t.Errorf("district figures %+v %v", rows, err)
		}
		if rows, err := f.svc.VolunteerFigures(shenheCommander); err != nil || len(rows) != 0 {
			t.Errorf("沈河区's figures %+v %v", rows, err)
		}

		// The reveal is audited with its purpose; a district commander
		// may not reveal.
		_, err = f.svc.RevealVolunteer(hepingCommander, v.ID, "核实身份")
		wantCode(t, "district reveals", err, epiloop.EFORBIDDEN)
		person, err := f.svc.RevealVolunteer(station, v.ID, "核实身份")
		if err != nil || person.IDNumber != volunteerID(1) || person.Name != "义勇1" {
			t.Errorf("reveal %+v %v", person, err)
		}

		// Every change wrote its event (with no identity) and its audit
		// entry.
		kinds := map[string]int{}
		var audited, reveals int
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, err := tx.FindEventsAfter(0, 10000)
			for _, e := range es {
				kinds[e.Kind]++
				if e.Kind == epiloop.EventVolunteerRegistered && (e.District != heping || string(e.Data) == "" ||
					containsAny(string(e.Data), volunteerID(1), "义勇")) {
					t.Errorf("event %+v", e)
				}
			}
			obj := fmt.Sprintf("volunteer:%d", v.ID)
			as, _, err2 := tx.FindAudit(epiloop.AuditFilter{Object: &obj, Limit: 100})
			for _, a := range as {
				audited++
				if a.Action == epiloop.AuditReveal && a.Purpose == "核实身份" {
					reveals++
				}
			}
			if err == nil {
				err = err2
			}
			return err
		})
		want := map[string]int{epiloop.EventVolunteerRegistered: 2, epiloop.EventVolunteerVetted: 2, epiloop.EventVolunteerStatus: 2,
			epiloop.EventVolunteerAssigned: 1, epiloop.EventVolunteerCheckedIn: 1, epiloop.EventVolunteerCheckedOut: 1}
		for k, n := range want {
			if kinds[k] != n {
				t.Errorf("%d %s events, want %d", kinds[k], k, n)
			}
		}
		// registered, vetted, paused, resumed, assigned, in, out, reveal
		if audited != 8 || reveals != 1 {
			t.Errorf("%d audit entries (%d reveals), want 8 (1)", audited, reveals)
		}
		left := epiloop.VolunteerLeft
		if _, err := f.svc.UpdateVolunteer(committee, v.ID, loop.VolunteerUpdate{Status: &left}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateVolunteer(committee, v.ID, loop.VolunteerUpdate{Status: &active})
		if epiloop.ErrorReason(err) != "volunteer_status" {
			t.Errorf("back from left: %v", err)
		}
	})
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// wantCode fails unless err has code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if epiloop.ErrorCode(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}
