package loop_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The test checkpoints: 沈阳站 in 和平区, 沈阳北站 in 沈河区.
const (
	ckStation = "CK01"
	ckNorth   = "CK02"
	shenhe    = "210103"
)

var (
	gate      = as(epiloop.RoleCheckpoint, ckStation)
	northGate = as(epiloop.RoleCheckpoint, ckNorth)
)

// cst returns a civil time of 2020 in China Standard Time.
func cst(month time.Month, day, hour, min, sec int) time.Time {
	return time.Date(2020, month, day, hour, min, sec, 0, epiloop.CivilZone())
}

// withCheckpoints adds the test checkpoints and the risk area 4201 (武汉市,
// high, 2020-01-01 to 2020-03-31) and uses the store's risk areas for lead
// priority.
func (f *fixture) withCheckpoints() *epiloop.RiskArea {
	f.t.Helper()
	err := f.svc.SaveCheckpoints(commander, []epiloop.Checkpoint{
		{Code: ckStation, Kind: epiloop.CheckpointRail, Name: "沈阳站卡点", DistrictCode: heping},
		{Code: ckNorth, Kind: epiloop.CheckpointRail, Name: "沈阳北站卡点", DistrictCode: shenhe},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc.Risk = loop.NewRiskAreas(f.store)
	return f.riskArea("武汉市", epiloop.RiskHigh, "2020-01-01", "2020-03-31")
}

func (f *fixture) riskArea(code string, level epiloop.RiskLevel, from, to string) *epiloop.RiskArea {
	f.t.Helper()
	a, err := f.svc.AddRiskArea(commander, loop.RiskAreaInput{Code: code, Level: level, From: from, To: to})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// traveller is an occupant arriving at 水源地社区 from origin.
func traveller(id, origin string, t float64) loop.OccupantInput {
	return loop.OccupantInput{
		Person: epiloop.Person{IDNumber: id, Name: "旅客"}, Origin: origin, Destination: addrHome, Temperature: &t,
	}
}

func (f *fixture) screen(ctx context.Context, code string, in loop.ScreeningInput) *epiloop.Screening {
	f.t.Helper()
	sc, err := f.svc.Screen(ctx, code, in)
	if err != nil {
		f.t.Fatalf("screen: %v", err)
	}
	return sc
}

func (f *fixture) checkStats() {
	f.t.Helper()
	drift, err := f.svc.VerifyStats(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range drift {
		f.t.Errorf("stat counter %s/%s = %d, rows say %d", k.Scope, k.Metric, v[0], v[1])
	}
}

func decisions(sc *epiloop.Screening) []epiloop.Decision {
	var out []epiloop.Decision
	for _, o := range sc.Occupants {
		out = append(out, o.Decision)
	}
	return out
}

// TestVehicleWithFiveOccupants: one screening, five people, each decided by
// the rules, the flagged ones becoming leads through the loop.
func TestVehicleWithFiveOccupants(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		area := f.withCheckpoints()
		symptoms := traveller(id3, "北京市", 36.6)
		symptoms.Symptoms = true
		sc := f.screen(gate, ckStation, loop.ScreeningInput{
			Direction: epiloop.DirectionIn, Plate: "辽a·12345",
			Occupants: []loop.OccupantInput{
				traveller(id1, "武汉市", 36.5), // risk area
				traveller(id2, "沈阳", 38.0),  // fever
				symptoms,
				traveller(id4, "大连市", 36.4), // released
				{Person: epiloop.Person{Name: "王五", Phone: "13900001111"}, Origin: "42", Temperature: temp(36.5)}, // 湖北: not inside 武汉
			},
		})
		want := []epiloop.Decision{epiloop.DecisionLead, epiloop.DecisionFever, epiloop.DecisionLead, epiloop.DecisionRelease, epiloop.DecisionRelease}
		if got := decisions(sc); !slices.Equal(got, want) {
			t.Fatalf("decisions = %v, want %v", got, want)
		}
		if sc.Plate != "辽A12345" || sc.RiskVersion != area.Version || sc.Occupants[0].RiskArea != area.Version {
			t.Errorf("screening plate %q risk version %d (occupant %d), want 辽A12345 and %d", sc.Plate, sc.RiskVersion, sc.Occupants[0].RiskArea, area.Version)
		}
		wantPrio := []epiloop.Priority{epiloop.PriorityHigh, epiloop.PriorityUrgent, epiloop.PriorityHigh}
		for i, o := range sc.Occupants[:3] {
			if o.LeadID == 0 {
				t.Fatalf("occupant %d: no lead", i+1)
			}
			l := f.find(o.LeadID)
			if l.Priority != wantPrio[i] || l.Status != epiloop.LeadPushed || l.CommunityCode != shuiyuandi {
				t.Errorf("occupant %d's lead: %s %s in %s, want %s pushed to %s", i+1, l.Priority, l.Status, l.CommunityCode, wantPrio[i], shuiyuandi)
			}
			src := l.Sources[0]
			if src.Kind != epiloop.SourceCheckpoint || src.Ref != fmt.Sprintf("%d/%s", sc.ID, ckStation) || src.Reason.ArrivalDate != "2020-02-01" {
				t.Errorf("occupant %d's source = %+v", i+1, src)
			}
		}
		if !f.find(sc.Occupants[1].LeadID).Reason.Fever {
			t.Errorf("fever lead without reason.fever")
		}
		for _, o := range sc.Occupants[3:] {
			if o.LeadID != 0 {
				t.Errorf("released occupant %d has lead %d", o.Seq, o.LeadID)
			}
		}
		if got := epiloop.DecisionFever.Text(epiloop.LangZH); got != "发热：转送发热门诊" {
			t.Errorf("fever message %q", got)
		}
		stats, err := f.svc.StatsOfCheckpoints(commander, "")
		if err != nil {
			t.Fatal(err)
		}
		var st loop.CheckpointStats
		for _, s := range stats {
			if s.Code == ckStation {
				st = s
			}
		}
		wantTotals := map[string]int64{"screenings": 1, "vehicles": 1, "persons": 5, "fevers": 1, "leads": 3, "released": 2}
		for m, n := range wantTotals {
			if st.Totals[m] != n {
				t.Errorf("totals[%s] = %d, want %d", m, st.Totals[m], n)
			}
		}
		if h := st.Hours[16]; h.Persons != 5 || h.Vehicles != 1 || h.Leads != 3 { // 08:00 UTC is 16:00 civil time
			t.Errorf("hour 16 = %+v, want 5 persons, 1 vehicle, 3 leads", h)
		}
		f.clock.Add(time.Hour)
		if stats, _ := f.svc.StatsOfCheckpoints(commander, ""); stats[0].LastHour != 5 {
			t.Errorf("last hour = %d, want 5", stats[0].LastHour)
		}
		f.checkCounters()
		f.checkStats()
	})
}

// TestWatchWindowEdges: the window runs from the first second of its first
// civil day to the last millisecond of its last, in China Standard Time.
func TestWatchWindowEdges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.withCheckpoints()
		tests := []struct {
			name string
			at   time.Time
			dir  epiloop.Direction
			want epiloop.Decision
		}{
			{"before the window", cst(time.January, 1, 0, 0, 0).Add(-time.Millisecond), epiloop.DirectionIn, epiloop.DecisionRelease},
			{"first instant", cst(time.January, 1, 0, 0, 0), epiloop.DirectionIn, epiloop.DecisionLead},
			{"last instant", cst(time.April, 1, 0, 0, 0).Add(-time.Millisecond), epiloop.DirectionIn, epiloop.DecisionLead},
			{"after the window", cst(time.April, 1, 0, 0, 0), epiloop.DirectionIn, epiloop.DecisionRelease},
			{"leaving the city", cst(time.February, 1, 12, 0, 0), epiloop.DirectionOut, epiloop.DecisionRelease},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.clock.Set(tt.at.Add(time.Minute))
				sc := f.screen(gate, ckStation, loop.ScreeningInput{Time: tt.at, Direction: tt.dir,
					Occupants: []loop.OccupantInput{traveller(idN(i), "420102", 36.5)}})
				if got := sc.Occupants[0].Decision; got != tt.want {
					t.Errorf("decision at %v = %s, want %s", tt.at, got, tt.want)
				}
			})
		}
		f.checkStats()
	})
}

// idN returns the n-th of a series of valid ID numbers.
func idN(n int) string {
	return epiloop.CompleteIDNumber(fmt.Sprintf("21010219800101%03d", n))
}

// TestRiskAreaChangesKeepHistory: lifting a risk area changes the next
// decisions, never the ones already taken.
func TestRiskAreaChangesKeepHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		v1 := f.withCheckpoints()
		in := func(id string) loop.ScreeningInput {
			return loop.ScreeningInput{Direction: epiloop.DirectionIn, Train: "g1234", Carriage: "8",
				Occupants: []loop.OccupantInput{traveller(id, "武汉", 36.5)}}
		}
		first := f.screen(gate, ckStation, in(id1))
		if first.Occupants[0].Decision != epiloop.DecisionLead {
			t.Fatalf("before the change: %s, want lead", first.Occupants[0].Decision)
		}
		hotline := func(id string) epiloop.Priority {
			l, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{Person: epiloop.Person{IDNumber: id}, Address: addrHome,
				Source: epiloop.Source{Kind: epiloop.SourceHotline}, Reason: epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-31"}}))
			if err != nil {
				t.Fatal(err)
			}
			return l.Priority
		}
		if p := hotline(id3); p != epiloop.PriorityHigh {
			t.Errorf("hotline lead from a risk area: %s, want high", p)
		}

		f.clock.Add(time.Hour)
		v2 := f.riskArea("4201", epiloop.RiskNone, "2020-01-01", "2020-03-31")
		second := f.screen(gate, ckStation, in(id2))
		if d := second.Occupants[0].Decision; d != epiloop.DecisionRelease || second.RiskVersion != v2.Version {
			t.Errorf("after the change: %s with version %d, want release with %d", d, second.RiskVersion, v2.Version)
		}
		if p := hotline(id4); p != epiloop.PriorityNormal {
			t.Errorf("hotline lead after the area was lifted: %s, want normal", p)
		}

		list, total, err := f.svc.FindScreenings(commander, ckStation, 0, 10)
		if err != nil || total != 2 {
			t.Fatalf("screenings: %d, %v", total, err)
		}
		old := list[1]
		if old.ID != first.ID || old.Occupants[0].Decision != epiloop.DecisionLead || old.RiskVersion != v1.Version ||
			old.Occupants[0].RiskArea != v1.Version || old.Occupants[0].LeadID != first.Occupants[0].LeadID {
			t.Errorf("the first screening now reads %+v %+v, want its lead decision against version %d", old, old.Occupants[0], v1.Version)
		}
		if old.Train != "G1234" || old.Carriage != "8" {
			t.Errorf("train %q carriage %q", old.Train, old.Carriage)
		}
		if got := old.Occupants[0].Person.IDNumber; got != epiloop.MaskIDNumber(id1) {
			t.Errorf("listed identity %q, want masked", got)
		}
		err = f.store.View(context.Background(), func(tx epiloop.Tx) error {
			set, err := tx.FindRiskAreas(old.RiskVersion)
			if err == nil && (len(set.Areas) != 1 || set.Areas[0].Code != "4201" || set.Areas[0].Level != epiloop.RiskHigh) {
				t.Errorf("the list the first decision used: %+v", set)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		history, n, err := f.svc.RiskAreaHistory(commander, 0, 10)
		if err != nil || n != 2 || history[0].Version != v2.Version || history[1].Level != epiloop.RiskHigh {
			t.Errorf("history = %+v (%d, %v), want both versions newest first", history, n, err)
		}
		f.checkStats()
	})
}

func TestAddRiskAreaValidation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		ctx   context.Context
		in    loop.RiskAreaInput
		code  string
		field string
	}{
		{"not a commander", station, loop.RiskAreaInput{Code: "4201", Level: "high", From: "2020-01-01", To: "2020-01-02"}, epiloop.EFORBIDDEN, ""},
		{"district commander", as(epiloop.RoleDistrict, "SC"+heping), loop.RiskAreaInput{Code: "4201", Level: "high", From: "2020-01-01", To: "2020-01-02"}, epiloop.EFORBIDDEN, ""},
		{"unknown code", commander, loop.RiskAreaInput{Code: "9999", Level: "high", From: "2020-01-01", To: "2020-01-02"}, epiloop.EINVALID, "code"},
		{"no code", commander, loop.RiskAreaInput{Level: "high", From: "2020-01-01", To: "2020-01-02"}, epiloop.EINVALID, "code"},
		{"bad level", commander, loop.RiskAreaInput{Code: "4201", Level: "extreme", From: "2020-01-01", To: "2020-01-02"}, epiloop.EINVALID, "level"},
		{"bad from", commander, loop.RiskAreaInput{Code: "4201", Level: "high", From: "2020-13-01", To: "2020-01-02"}, epiloop.EINVALID, "from"},
		{"to before from", commander, loop.RiskAreaInput{Code: "4201", Level: "high", From: "2020-02-01", To: "2020-01-02"}, epiloop.EINVALID, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.AddRiskArea(tt.ctx, tt.in)
			if epiloop.ErrorCode(err) != tt.code || epiloop.ErrorField(err) != tt.field {
				t.Errorf("err = %v, want %s %q", err, tt.code, tt.field)
			}
		})
	}
	a := f.riskArea("湖北省武汉市", epiloop.RiskHigh, "2020-01-01", "2020-03-31")
	if a.Code != "4201" {
		t.Errorf("code %q, want the canonical 4201", a.Code)
	}
}

// TestScreeningSavesNothingHalfWay: a bad occupant anywhere refuses the
// whole crossing, naming the field.
func TestScreeningSavesNothingHalfWay(t *testing.T) {
	f := newFixture(t)
	f.withCheckpoints()
	good := traveller(id1, "武汉市", 36.5)
	tests := []struct {
		name  string
		in    loop.ScreeningInput
		field string
	}{
		{"bad plate", loop.ScreeningInput{Direction: "in", Plate: "辽I12345", Occupants: []loop.OccupantInput{good}}, "plate"},
		{"not a province", loop.ScreeningInput{Direction: "in", Plate: "港A12345", Occupants: []loop.OccupantInput{good}}, "plate"},
		{"bad direction", loop.ScreeningInput{Direction: "up", Occupants: []loop.OccupantInput{good}}, "direction"},
		{"plate and train", loop.ScreeningInput{Direction: "in", Plate: "辽A12345", Train: "G1", Occupants: []loop.OccupantInput{good}}, "train"},
		{"bad train", loop.ScreeningInput{Direction: "in", Train: "X99", Occupants: []loop.OccupantInput{good}}, "train"},
		{"carriage without train", loop.ScreeningInput{Direction: "in", Carriage: "3", Occupants: []loop.OccupantInput{good}}, "carriage"},
		{"no occupants", loop.ScreeningInput{Direction: "in"}, "occupants"},
		{"hot", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, traveller(id2, "沈阳", 45)}}, "occupants[1].temperature"},
		{"cold", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, traveller(id2, "沈阳", 30)}}, "occupants[1].temperature"},
		{"no temperature", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, {Person: epiloop.Person{IDNumber: id2}, Origin: "沈阳"}}}, "occupants[1].temperature"},
		{"unknown origin", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, traveller(id2, "沈阳", 36), traveller(id3, "火星", 36.5)}}, "occupants[2].origin"},
		{"no origin", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{traveller(id2, "", 36)}}, "occupants[0].origin"},
		{"bad id number", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, traveller("110105194912310021", "沈阳", 36)}}, "occupants[1].id_number"},
		{"no identity", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{{Origin: "沈阳", Temperature: temp(36)}}}, "occupants[0].id_number"},
		{"same person twice", loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{good, good}}, "occupants[1].id_number"},
		{"in the future", loop.ScreeningInput{Time: cst(time.February, 2, 0, 0, 0), Direction: "in", Occupants: []loop.OccupantInput{good}}, "time"},
		{"weeks ago", loop.ScreeningInput{Time: cst(time.January, 1, 0, 0, 0), Direction: "in", Occupants: []loop.OccupantInput{good}}, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Screen(gate, ckStation, tt.in)
			if epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorField(err) != tt.field {
				t.Errorf("err = %v, want invalid %s", err, tt.field)
			}
		})
	}
	_, total, err := f.svc.FindScreenings(commander, ckStation, 0, 10)
	if err != nil || total != 0 {
		t.Errorf("screenings saved: %d (%v)", total, err)
	}
	if _, n, _ := f.svc.FindLeads(commander, epiloop.LeadFilter{}); n != 0 {
		t.Errorf("%d leads saved", n)
	}
	f.checkStats()
}

func TestScreeningPermissions(t *testing.T) {
	f := newFixture(t)
	f.withCheckpoints()
	in := loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{traveller(id1, "大连", 36.5)}}
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"its officer", gate, ""},
		{"a commander", commander, ""},
		{"another checkpoint's officer", northGate, epiloop.ENOTFOUND},
		{"the district's commander", as(epiloop.RoleDistrict, "SC"+heping), epiloop.EFORBIDDEN},
		// Roles the permission table does not let screen are refused
		// before the checkpoint is looked at.
		{"another district's commander", as(epiloop.RoleDistrict, "SC"+shenhe), epiloop.EFORBIDDEN},
		{"a station", station, epiloop.EFORBIDDEN},
		{"an analyst", as(epiloop.RoleAnalyst, ""), epiloop.EFORBIDDEN},
		{"an admin", as(epiloop.RoleAdmin, ""), epiloop.EFORBIDDEN},
		{"nobody", context.Background(), epiloop.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Screen(tt.ctx, ckStation, in)
			if got := epiloop.ErrorCode(err); got != tt.want {
				t.Errorf("screen: %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := f.svc.Screen(commander, "CK99", in); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
		t.Errorf("unknown checkpoint: %v", err)
	}
	if _, err := f.svc.Screen(commander, shuiyuandiPS, in); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
		t.Errorf("a unit that is no checkpoint: %v", err)
	}
	cks, total, err := f.svc.FindCheckpoints(northGate, epiloop.CheckpointFilter{})
	if err != nil || total != 1 || cks[0].Code != ckNorth {
		t.Errorf("an officer's checkpoints: %+v (%d, %v), want their own", cks, total, err)
	}
	if _, _, err := f.svc.FindScreenings(northGate, ckStation, 0, 10); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
		t.Errorf("another checkpoint's screenings: %v, want not found", err)
	}
}

// TestScreeningMergesIntoOpenLead: a traveller who already has an open
// lead gets the crossing added to it, not a second lead.
func TestScreeningMergesIntoOpenLead(t *testing.T) {
	f := newFixture(t)
	f.withCheckpoints()
	l := f.lead(id1, addrHome, epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-31"})
	sc := f.screen(gate, ckStation, loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{traveller(id1, "武汉", 37.6)}})
	if sc.Occupants[0].LeadID != l.ID {
		t.Fatalf("lead %d, want the open lead %d", sc.Occupants[0].LeadID, l.ID)
	}
	got := f.find(l.ID)
	if len(got.Sources) != 2 || got.Priority != epiloop.PriorityUrgent || !got.Reason.Fever {
		t.Errorf("merged lead: %d sources, %s, fever %v", len(got.Sources), got.Priority, got.Reason.Fever)
	}
	f.checkCounters()
	f.checkStats()
}

// TestScreeningRollsBackWhenALeadFails: when one occupant's lead cannot be
// pushed (its community lost its police station), the screening, the
// other occupants' leads and the counters are not saved either.
func TestScreeningRollsBackWhenALeadFails(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.withCheckpoints()
		err := f.store.Update(context.Background(), func(tx epiloop.Tx) error {
			return tx.SetCommunityStation(shuiyuandi, "PS-GONE")
		})
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := traveller(id1, "武汉", 36.5)
		elsewhere.Destination = "沈阳市沈河区永顺社区5号"
		_, err = f.svc.Screen(gate, ckStation, loop.ScreeningInput{Direction: "in", Plate: "辽A12345D",
			Occupants: []loop.OccupantInput{elsewhere, traveller(id2, "武汉", 38.5)}})
		if err == nil {
			t.Fatal("screening saved although a lead could not be pushed")
		}
		if _, total, _ := f.svc.FindScreenings(commander, ckStation, 0, 10); total != 0 {
			t.Errorf("%d screenings saved", total)
		}
		if _, n, _ := f.svc.FindLeads(commander, epiloop.LeadFilter{}); n != 0 {
			t.Errorf("%d leads saved", n)
		}
		f.checkCounters()
		f.checkStats()
		st, _ := f.svc.StatsOfCheckpoints(commander, "")
		if st[0].Totals["persons"] != 0 {
			t.Errorf("counted %d persons", st[0].Totals["persons"])
		}
	})
}

// TestSimultaneousScreeningsOfOnePerson: the same new traveller screened
// at two gates at once becomes one lead with two sources.
func TestSimultaneousScreeningsOfOnePerson(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.withCheckpoints()
		in := loop.ScreeningInput{Direction: "in", Occupants: []loop.OccupantInput{traveller(id1, "武汉", 36.5)}}
		errs := make(chan error, 2)
		for _, g := range []struct {
			ctx  context.Context
			code string
		}{{gate, ckStation}, {northGate, ckNorth}} {
			go func() {
				_, err := f.svc.Screen(g.ctx, g.code, in)
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		leads, total, err := f.svc.FindLeads(commander, epiloop.LeadFilter{})
		if err != nil || total != 1 {
			t.Fatalf("%d leads (%v), want 1", total, err)
		}
		if l := f.find(leads[0].ID); len(l.Sources) != 2 {
			t.Errorf("%d sources, want 2", len(l.Sources))
		}
		f.checkCounters()
		f.checkStats()
	})
}

// TestCheckpointStatsAreForTheCivilDay: a checkpoint's totals for a date
// are that civil day's in China Standard Time (a screening at 01:00 on 2
// February in Shenyang is 17:00 UTC on the 1st, and counts on the 2nd);
// the totals since the checkpoint opened are apart.
func TestCheckpointStatsAreForTheCivilDay(t *testing.T) {
	f := newFixture(t)
	f.withCheckpoints()
	in := loop.ScreeningInput{Direction: "in", Plate: "辽A12345D", Occupants: []loop.OccupantInput{traveller(id1, "北京", 36.5)}}
	f.screen(gate, ckStation, in) // 16:00 on 1 February
	f.clock.Add(9 * time.Hour)    // 01:00 on the 2nd
	in.Occupants = []loop.OccupantInput{traveller(id2, "北京", 36.5), traveller(id3, "北京", 36.6)}
	f.screen(gate, ckStation, in)
	for _, tc := range []struct {
		date             string
		screenings, pers int64
	}{{"2020-02-01", 1, 1}, {"2020-02-02", 1, 2}, {"", 1, 2}, {"2020-01-31", 0, 0}} {
		stats, err := f.svc.StatsOfCheckpoints(commander, tc.date)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Code != ckStation {
				continue
			}
			if st.Totals["screenings"] != tc.screenings || st.Totals["persons"] != tc.pers {
				t.Errorf("%q: day totals %v, want %d screenings, %d persons", tc.date, st.Totals, tc.screenings, tc.pers)
			}
			if st.AllTime["screenings"] != 2 || st.AllTime["persons"] != 3 {
				t.Errorf("%q: all-time totals %v", tc.date, st.AllTime)
			}
		}
	}
	f.checkStats()
}
