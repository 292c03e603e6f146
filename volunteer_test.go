package epiloop_test

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func TestVolunteerStatusMachine(t *testing.T) {
	tests := []struct {
		from, to epiloop.VolunteerStatus
		want     bool
	}{
		{epiloop.VolunteerActive, epiloop.VolunteerPaused, true},
		{epiloop.VolunteerActive, epiloop.VolunteerLeft, true},
		{epiloop.VolunteerPaused, epiloop.VolunteerActive, true},
		{epiloop.VolunteerPaused, epiloop.VolunteerLeft, true},
		{epiloop.VolunteerLeft, epiloop.VolunteerActive, false},
		{epiloop.VolunteerLeft, epiloop.VolunteerPaused, false},
		{epiloop.VolunteerActive, epiloop.VolunteerActive, false},
	}
	for _, tt := range tests {
		if got := tt.from.CanBecome(tt.to); got != tt.want {
			t.Errorf("%s → %s = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestVolunteerSkills(t *testing.T) {
	got, ok := epiloop.ParseSkills("门岗值守、patrol，测温登记 / Driving")
	want := []epiloop.Skill{epiloop.SkillGate, epiloop.SkillTemperature, epiloop.SkillPatrol, epiloop.SkillDriving}
	if !ok || !slices.Equal(got, want) {
		t.Errorf("ParseSkills = %v %v, want %v", got, ok, want)
	}
	if _, ok := epiloop.ParseSkills("门岗, 开挖掘机"); ok {
		t.Error("an unknown skill parsed")
	}
	if got, ok := epiloop.ParseSkills(""); !ok || len(got) != 0 {
		t.Errorf("empty = %v %v", got, ok)
	}
	m := epiloop.SkillMask(want)
	if !slices.Equal(epiloop.SkillsOf(m), want) {
		t.Errorf("SkillsOf(SkillMask) = %v", epiloop.SkillsOf(m))
	}
}

func TestVolunteerValidate(t *testing.T) {
	ok := epiloop.Volunteer{Person: epiloop.Person{Name: "张三", IDNumber: "11010519491231002X"}, CommunityCode: "210102001002",
		Skills: []epiloop.Skill{epiloop.SkillPatrol, epiloop.SkillGate, epiloop.SkillPatrol}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ok.Skills, []epiloop.Skill{epiloop.SkillGate, epiloop.SkillPatrol}) {
		t.Errorf("skills = %v, want sorted and unique", ok.Skills)
	}
	for name, v := range map[string]epiloop.Volunteer{
		"no identity":  {Person: epiloop.Person{Name: "张三"}, CommunityCode: "x"},
		"bad id":       {Person: epiloop.Person{Name: "张三", IDNumber: "110105194912310021"}, CommunityCode: "x"},
		"no community": {Person: epiloop.Person{Name: "张三", Phone: "13800138000"}},
		"bad skill":    {Person: epiloop.Person{Name: "张三", Phone: "13800138000"}, CommunityCode: "x", Skills: []epiloop.Skill{"dig"}},
		"long team":    {Person: epiloop.Person{Name: "张三", Phone: "13800138000"}, CommunityCode: "x", Team: string(make([]byte, 101))},
	} {
		if err := v.Validate(); epiloop.ErrorCode(err) != epiloop.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	m := ok.Masked()
	if m.Person.IDNumber != "110105********002X" || m.Person.Name != "张*" {
		t.Errorf("masked %+v", m.Person)
	}
}

func TestVolunteerRules(t *testing.T) {
	v := &epiloop.Volunteer{UnitCode: "CM210102001002", StationCode: "PS210102001", DistrictCode: "210102",
		Status: epiloop.VolunteerActive, Vetting: epiloop.VettingPending}
	station := &epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS210102001"}
	committee := &epiloop.User{Role: epiloop.RoleCommittee, UnitCode: "CM210102001002"}
	otherStation := &epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS210103005"}
	district := &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210102"}
	otherDistrict := &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210103"}
	commander := &epiloop.User{Role: epiloop.RoleCommander}
	analyst := &epiloop.User{Role: epiloop.RoleAnalyst}
	node := &epiloop.CommandNode{Code: "N", DistrictCode: "210102"}
	for _, tt := range []struct {
		u                      *epiloop.User
		see, edit, vet, assign bool
	}{
		{station, true, true, true, true},
		{committee, true, true, false, true},
		{otherStation, false, false, false, false},
		{district, true, false, false, true},
		{otherDistrict, false, false, false, false},
		{commander, true, false, false, true},
		{analyst, false, false, false, false},
	} {
		if got := epiloop.VolunteerVisible(tt.u, v); got != tt.see {
			t.Errorf("%s %s sees: %v", tt.u.Role, tt.u.UnitCode, got)
		}
		if got := epiloop.MayEditVolunteer(tt.u, v); got != tt.edit {
			t.Errorf("%s %s edits: %v", tt.u.Role, tt.u.UnitCode, got)
		}
		if got := epiloop.MayVet(tt.u, v); got != tt.vet {
			t.Errorf("%s %s vets: %v", tt.u.Role, tt.u.UnitCode, got)
		}
		if got := epiloop.MayAssignVolunteer(tt.u, v, node); got != tt.assign {
			t.Errorf("%s %s assigns: %v", tt.u.Role, tt.u.UnitCode, got)
		}
	}
	if err := v.Assignable(); epiloop.ErrorReason(err) != "volunteer_not_vetted" {
		t.Errorf("pending: %v", err)
	}
	v.Vetting, v.Status = epiloop.VettingVetted, epiloop.VolunteerPaused
	if err := v.Assignable(); epiloop.ErrorReason(err) != "volunteer_not_active" {
		t.Errorf("paused: %v", err)
	}
	v.Status = epiloop.VolunteerActive
	if err := v.Assignable(); err != nil {
		t.Errorf("active and vetted: %v", err)
	}
}

func TestVolunteerCheck(t *testing.T) {
	start := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	slot := &epiloop.DutySlot{Start: start, End: start.Add(6 * time.Hour)}
	var a epiloop.VolunteerAssignment
	if err := a.CheckOut(slot, start); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("check-out before check-in: %v", err)
	}
	if err := a.CheckIn(slot, start.Add(-time.Hour)); epiloop.ErrorReason(err) != "duty_window" {
		t.Errorf("an hour early: %v", err)
	}
	if err := a.CheckIn(slot, start.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckOut(slot, start.Add(4*time.Hour+10*time.Minute+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if a.Minutes != 240 {
		t.Errorf("minutes = %d, want 240", a.Minutes)
	}
	var tl epiloop.VolunteerTallier
	tl.Add("d", epiloop.VolunteerActive, epiloop.VettingVetted, 3, 3, 120)
	tl.Add("d", epiloop.VolunteerPaused, epiloop.VettingPending, 2, 0, 0)
	tl.Add("d", epiloop.VolunteerLeft, epiloop.VettingVetted, 1, 0, 90)
	f := tl.Tallies()[0].Figures()
	want := map[string]int64{epiloop.MetricVolunteers: 5, epiloop.MetricVolunteersActive: 3, epiloop.MetricVolunteersVetted: 3,
		epiloop.MetricVolunteersReady: 3, epiloop.MetricVolunteerHours: 3}
	for k, n := range want {
		if f[k] != n {
			t.Errorf("%s = %d, want %d", k, f[k], n)
		}
	}
}
