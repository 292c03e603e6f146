package loop_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

const siteHunnan = "SITE01"

// closeWith closes a new lead of 水源地社区 with both units agreeing on fb.
func (f *fixture) closeWith(id string, reason epiloop.Reason, fb epiloop.Feedback) *epiloop.Lead {
	f.t.Helper()
	l := f.lead(id, addrHome, reason)
	f.submit(station, taskOf(f.t, l, epiloop.UnitPoliceStation).ID, fb)
	f.submit(committee, taskOf(f.t, l, epiloop.UnitCommittee).ID, fb)
	got := f.find(l.ID)
	if got.Status != epiloop.LeadClosed {
		f.t.Fatalf("lead %d is %s, want closed", l.ID, got.Status)
	}
	return got
}

// planOf returns the observation plan of a lead.
func (f *fixture) planOf(leadID int64) *epiloop.Observation {
	f.t.Helper()
	os, _, err := f.svc.FindObservations(commander, epiloop.ObservationFilter{Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range os {
		if o.LeadID == leadID {
			return o
		}
	}
	f.t.Fatalf("lead %d has no observation plan", leadID)
	return nil
}

func (f *fixture) plan(id int64) *epiloop.Observation {
	f.t.Helper()
	v, err := f.svc.FindObservation(commander, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return v.Observation
}

func (f *fixture) check(ctx context.Context, id int64, t float64, symptoms bool) *epiloop.Observation {
	f.t.Helper()
	present := true
	o, err := f.svc.SubmitCheck(ctx, id, loop.CheckInput{Temperature: &t, Symptoms: symptoms, Present: &present})
	if err != nil {
		f.t.Fatalf("check: %v", err)
	}
	return o
}

func (f *fixture) escalateObservations() int {
	f.t.Helper()
	n, err := f.svc.EscalateObservations(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// eventKinds returns the kinds of every event so far.
func (f *fixture) eventKinds() []string {
	f.t.Helper()
	var out []string
	err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
		events, err := tx.FindEventsAfter(0, 1000)
		for _, e := range events {
			out = append(out, e.Kind)
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

func TestHomeObservationStartsWhenLeadCloses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.closeWith(id1, epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-30"}, home)
		o := f.planOf(l.ID)
		want := epiloop.Observation{Kind: epiloop.ObservationHome, Status: epiloop.ObservationActive, Start: "2020-01-30",
			End: "2020-02-13", UnitCode: shuiyuandiCM, DistrictCode: heping, CheckDue: "2020-02-01"}
		if o.Kind != want.Kind || o.Status != want.Status || o.Start != want.Start || o.End != want.End ||
			o.UnitCode != want.UnitCode || o.DistrictCode != want.DistrictCode || o.CheckDue != want.CheckDue {
			t.Errorf("plan = %+v\nwant %+v", o, want)
		}
		if o.Person.IDNumber != epiloop.MaskIDNumber(id1) {
			t.Errorf("plan's identity %q, want masked", o.Person.IDNumber)
		}
		// The lead's timeline ends where the loop ends; the plan has its
		// own events.
		if k := f.eventKinds(); count(k, epiloop.EventObservationStarted) != 1 {
			t.Errorf("events %v, want one observation.started", k)
		}
		// A confirmed arrival date wins over the reported one; without
		// either the plan starts on the day of verification.
		fb := home
		fb.ArrivalDate = "2020-01-28"
		if o := f.planOf(f.closeWith(id2, epiloop.Reason{ArrivalDate: "2020-01-30"}, fb).ID); o.Start != "2020-01-28" || o.End != "2020-02-11" {
			t.Errorf("confirmed arrival: %s–%s", o.Start, o.End)
		}
		if o := f.planOf(f.closeWith(id3, epiloop.Reason{}, home).ID); o.Start != "2020-02-01" || o.End != "2020-02-15" {
			t.Errorf("no arrival date: %s–%s", o.Start, o.End)
		}
		// Other measures start no plan.
		none := home
		none.Measure = epiloop.MeasureNoneRequired
		f.closeWith(id4, epiloop.Reason{}, none)
		if _, total, _ := f.svc.FindObservations(commander, epiloop.ObservationFilter{}); total != 3 {
			t.Errorf("%d plans, want 3", total)
		}
		st, err := f.svc.StatsOfObservations(commander)
		if err != nil || st.Counts["active"] != 3 || st.Counts["active_home"] != 3 {
			t.Errorf("stats %+v (%v), want 3 active home plans", st, err)
		}
		// An analyst never sees a count under epiloop.MinPublishedCount.
		st, err = f.svc.StatsOfObservations(as(epiloop.RoleAnalyst, ""))
		if err != nil || st.Counts["active"] != 0 || st.Counts["active_home"] != 0 {
			t.Errorf("analyst's stats %+v (%v), want 3 shown as 0", st, err)
		}
		f.checkCounters()
		f.checkStats()
	})
}

func TestObservationDurationsAreConfigurable(t *testing.T) {
	f := newFixture(t)
	f.svc.Observation.Durations = epiloop.ObservationDurations{epiloop.ObservationHome: 7}
	o := f.planOf(f.closeWith(id1, epiloop.Reason{ArrivalDate: "2020-01-30"}, home).ID)
	if o.End != "2020-02-06" {
		t.Errorf("end %s, want 7 days after 2020-01-30", o.End)
	}
	if d := epiloop.DefaultObservationDurations(); d[epiloop.ObservationNewDetainee] != 15 || d[epiloop.ObservationDetentionStaff] != 14 {
		t.Errorf("defaults %v", d)
	}
}

// TestMissedCheckEscalatesOnce: a day without a check is escalated once,
// however often the escalation runs; the next check clears the overdue
// flag.
func TestMissedCheckEscalatesOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID) // starts today, 2020-02-01
		// 2020-02-01 16:00 civil time: the day's check is due at midnight.
		f.clock.Set(cst(time.February, 1, 23, 59, 0))
		if n := f.escalateObservations(); n != 0 {
			t.Fatalf("%d escalations before the deadline", n)
		}
		f.clock.Set(cst(time.February, 2, 0, 0, 0))
		if n := f.escalateObservations(); n != 1 {
			t.Fatalf("%d escalations at the deadline, want 1", n)
		}
		for range 3 {
			if n := f.escalateObservations(); n != 0 {
				t.Fatalf("%d more escalations, want none", n)
			}
		}
		got := f.plan(o.ID)
		if !got.Overdue || got.Missed != 1 || got.CheckDue != "2020-02-02" {
			t.Errorf("plan overdue %v missed %d due %s, want overdue, 1 missed, next due 2020-02-02", got.Overdue, got.Missed, got.CheckDue)
		}
		st, _ := f.svc.StatsOfObservations(commander)
		if st.Counts["overdue"] != 1 {
			t.Errorf("overdue count %d, want 1", st.Counts["overdue"])
		}
		f.clock.Set(cst(time.February, 2, 9, 0, 0))
		if got := f.check(committee, o.ID, 36.5, false); got.Overdue || got.CheckDue != "2020-02-03" || got.LastCheck != "2020-02-02" {
			t.Errorf("after a check: overdue %v due %s last %s", got.Overdue, got.CheckDue, got.LastCheck)
		}
		// Three days without checks: three escalations in one run.
		f.clock.Set(cst(time.February, 6, 8, 0, 0))
		if n := f.escalateObservations(); n != 3 {
			t.Errorf("%d escalations for three missed days, want 3", n)
		}
		if n := f.escalateObservations(); n != 0 {
			t.Errorf("%d escalations on a second run, want 0", n)
		}
		if got := f.plan(o.ID); got.Missed != 4 || got.CheckDue != "2020-02-06" {
			t.Errorf("missed %d due %s, want 4 and 2020-02-06", got.Missed, got.CheckDue)
		}
		if k := f.eventKinds(); count(k, epiloop.EventObservationOverdue) != 4 {
			t.Errorf("%d overdue events, want 4", count(k, epiloop.EventObservationOverdue))
		}
		f.checkStats()
	})
}

// TestReleaseOnDay14: fourteen normal daily checks; release is proposed
// with the last day's check and confirmed by the committee.
func TestReleaseOnDay14(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID)
		if o.Start != "2020-02-01" || o.End != "2020-02-15" {
			t.Fatalf("plan %s–%s", o.Start, o.End)
		}
		for day := 1; day <= 14; day++ {
			f.clock.Set(cst(time.February, day, 9, 0, 0))
			if n := f.escalateObservations(); n != 0 {
				t.Fatalf("day %d: %d escalations", day, n)
			}
			got := f.check(committee, o.ID, 36.4, false)
			switch {
			case day < 14 && got.Proposal != "":
				t.Fatalf("day %d: proposal %q before the last day", day, got.Proposal)
			case day == 13:
				if _, err := f.svc.ReleaseObservation(committee, o.ID, ""); epiloop.ErrorField(err) != "reason" {
					t.Errorf("release on day 13 without a reason: %v, want invalid reason", err)
				}
			case day == 14 && got.Proposal != epiloop.ProposeRelease:
				t.Fatalf("day 14: proposal %q, want release", got.Proposal)
			}
		}
		if got := f.plan(o.ID); got.CheckDue != "" || !got.EscalateAt.IsZero() {
			t.Errorf("after the last day: check due %q at %v, want none", got.CheckDue, got.EscalateAt)
		}
		f.clock.Set(cst(time.February, 16, 9, 0, 0))
		if n := f.escalateObservations(); n != 0 {
			t.Errorf("%d escalations after the last day", n)
		}
		got, err := f.svc.ReleaseObservation(committee, o.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != epiloop.ObservationReleased || got.EndedAt == nil {
			t.Errorf("released plan %+v", got)
		}
		if _, err := f.svc.ReleaseObservation(committee, o.ID, ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("second release: %v, want conflict", err)
		}
		st, _ := f.svc.StatsOfObservations(commander)
		if st.Counts["released"] != 1 || st.Counts["active"] != 0 {
			t.Errorf("stats %v", st.Counts)
		}
		f.checkStats()
	})
}

func TestEarlyReleaseNeedsAReason(t *testing.T) {
	f := newFixture(t)
	o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID)
	if _, err := f.svc.ReleaseObservation(committee, o.ID, " "); epiloop.ErrorField(err) != "reason" {
		t.Errorf("early release without reason: %v", err)
	}
	got, err := f.svc.ReleaseObservation(committee, o.ID, "核酸阴性，经专家组评估解除")
	if err != nil || got.Status != epiloop.ObservationReleased || got.EndReason == "" {
		t.Errorf("early release with a reason: %+v, %v", got, err)
	}
	f.checkStats()
}

// TestFeverAtCheckAlerts: a fever raises an urgent alert to the district
// and headquarters and proposes hospital.
func TestFeverAtCheckAlerts(t *testing.T) {
	f := newFixture(t)
	o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID)
	got := f.check(committee, o.ID, 38.1, false)
	if got.Proposal != epiloop.ProposeTransfer {
		t.Errorf("proposal %q, want transfer_to_hospital", got.Proposal)
	}
	var alert *epiloop.Event
	f.store.View(context.Background(), func(tx epiloop.Tx) error {
		events, err := tx.FindEventsAfter(0, 1000)
		for _, e := range events {
			if e.Kind == epiloop.EventObservationAlert {
				alert = e
			}
		}
		return err
	})
	if alert == nil {
		t.Fatal("no alert event")
	}
	districtUser := &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: heping}
	hq := &epiloop.User{Role: epiloop.RoleCommander}
	other := &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: shenhe}
	if !alert.VisibleTo(districtUser) || !alert.VisibleTo(hq) || alert.VisibleTo(other) {
		t.Errorf("alert %+v reaches the wrong people", alert)
	}
	st, _ := f.svc.StatsOfObservations(commander)
	if st.Counts["alerts"] != 1 {
		t.Errorf("alerts %d", st.Counts["alerts"])
	}
	absent := false
	if _, err := f.svc.SubmitCheck(committee, o.ID, loop.CheckInput{Temperature: temp(36.5), Present: &absent}); err != nil {
		t.Fatal(err)
	}
	if k := f.eventKinds(); count(k, epiloop.EventObservationAbsent) != 1 {
		t.Errorf("no absence alert in %v", k)
	}
	if _, err := f.svc.TransferObservation(committee, o.ID, "", ""); epiloop.ErrorField(err) != "hospital" {
		t.Errorf("transfer without hospital: %v", err)
	}
	tr, err := f.svc.TransferObservation(committee, o.ID, "沈阳市第六人民医院", "发热")
	if err != nil || tr.Status != epiloop.ObservationTransferred {
		t.Fatalf("transfer: %+v %v", tr, err)
	}
	if _, err := f.svc.SubmitCheck(committee, o.ID, loop.CheckInput{Temperature: temp(36.5), Present: &absent}); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("check after transfer: %v, want conflict", err)
	}
	f.checkStats()
}

func TestCheckValidation(t *testing.T) {
	f := newFixture(t)
	o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID)
	yes := true
	for _, tt := range []struct {
		name  string
		in    loop.CheckInput
		field string
	}{
		{"no temperature", loop.CheckInput{Present: &yes}, "temperature"},
		{"too hot", loop.CheckInput{Temperature: temp(44), Present: &yes}, "temperature"},
		{"too cold", loop.CheckInput{Temperature: temp(33.9), Present: &yes}, "temperature"},
		{"presence unknown", loop.CheckInput{Temperature: temp(36.5)}, "present"},
	} {
		if _, err := f.svc.SubmitCheck(committee, o.ID, tt.in); epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorField(err) != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
		}
	}
}

func TestObservationScope(t *testing.T) {
	f := newFixture(t)
	o := f.planOf(f.closeWith(id1, epiloop.Reason{}, home).ID)
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"its committee", committee, ""},
		{"the district", as(epiloop.RoleDistrict, "SC"+heping), ""},
		{"a commander", commander, ""},
		{"another district", as(epiloop.RoleDistrict, "SC"+shenhe), epiloop.ENOTFOUND},
		{"another committee", as(epiloop.RoleCommittee, "CM210102001001"), epiloop.ENOTFOUND},
		{"the community's station", station, epiloop.EFORBIDDEN},
		{"an analyst", as(epiloop.RoleAnalyst, ""), epiloop.EFORBIDDEN},
		{"an admin", as(epiloop.RoleAdmin, ""), epiloop.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SubmitCheck(tt.ctx, o.ID, loop.CheckInput{Temperature: temp(36.5), Present: ptr(true)})
			if got := epiloop.ErrorCode(err); got != tt.want {
				t.Errorf("check: %v, want %q", err, tt.want)
			}
		})
	}
	if _, _, err := f.svc.FindObservations(as(epiloop.RoleAnalyst, ""), epiloop.ObservationFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("analyst list: %v, want forbidden", err)
	}
	if os, total, err := f.svc.FindObservations(as(epiloop.RoleCommittee, "CM210102001001"), epiloop.ObservationFilter{}); err != nil || total != 0 || len(os) != 0 {
		t.Errorf("another committee's list: %d, %v", total, err)
	}
}

// TestCentralIsolationCapacity: a site takes plans up to its capacity;
// beyond it a plan waits for a commander, who may place it over capacity
// only by saying so.
func TestCentralIsolationCapacity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		err := f.svc.SaveSites(commander, []epiloop.Site{{Code: siteHunnan, Name: "沈阳市集中隔离点（浑南）", DistrictCode: "210112", Capacity: 1}})
		if err != nil {
			t.Fatal(err)
		}
		central := home
		central.Measure, central.Site = epiloop.MeasureCentralIsolation, "沈阳市集中隔离点(浑南)"
		first := f.planOf(f.closeWith(id1, epiloop.Reason{}, central).ID)
		if first.Status != epiloop.ObservationActive || first.UnitCode != siteHunnan || first.DistrictCode != "210112" || first.Kind != epiloop.ObservationCentral {
			t.Fatalf("first plan %+v, want active at the site", first)
		}
		second := f.planOf(f.closeWith(id2, epiloop.Reason{}, central).ID)
		if second.Status != epiloop.ObservationPending || second.UnitCode != "" || second.DistrictCode != heping {
			t.Fatalf("second plan %+v, want pending in the lead's district", second)
		}
		unknown := central
		unknown.Site = "某某宾馆"
		if p := f.planOf(f.closeWith(id3, epiloop.Reason{}, unknown).ID); p.Status != epiloop.ObservationPending {
			t.Errorf("unknown site: %s, want pending", p.Status)
		}
		if k := f.eventKinds(); count(k, epiloop.EventObservationPending) != 2 {
			t.Errorf("%d pending alerts, want 2", count(k, epiloop.EventObservationPending))
		}
		if _, err := f.svc.PlaceObservation(committee, second.ID, siteHunnan, true); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("a committee placing: %v, want not found (not its plan)", err)
		}
		if _, err := f.svc.PlaceObservation(commander, second.ID, siteHunnan, false); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("placing at a full site: %v, want conflict", err)
		}
		if _, err := f.svc.PlaceObservation(commander, second.ID, "nowhere", false); epiloop.ErrorField(err) != "site" {
			t.Errorf("placing at no site: %v", err)
		}
		got, err := f.svc.PlaceObservation(commander, second.ID, siteHunnan, true)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != epiloop.ObservationActive || !got.Override || got.UnitCode != siteHunnan || got.CheckDue != "2020-02-01" {
			t.Errorf("placed plan %+v, want active over capacity", got)
		}
		sites, err := f.svc.FindSites(commander)
		if err != nil || len(sites) != 1 || sites[0].Occupancy != 2 || sites[0].Capacity != 1 {
			t.Errorf("sites %+v (%v), want occupancy 2 of 1", sites, err)
		}
		// The site's district sees its plans; the lead's does not any more.
		os, _, err := f.svc.FindObservations(as(epiloop.RoleDistrict, "SC210112"), epiloop.ObservationFilter{})
		if err != nil || len(os) != 2 {
			t.Errorf("site district sees %d plans (%v), want 2", len(os), err)
		}
		st, _ := f.svc.StatsOfObservations(commander)
		if st.Counts["active_central"] != 2 || st.Counts["pending"] != 1 {
			t.Errorf("stats %v", st.Counts)
		}
		f.checkCounters()
		f.checkStats()
	})
}

func TestObservationStatsScope(t *testing.T) {
	f := newFixture(t)
	f.closeWith(id1, epiloop.Reason{}, home)
	for _, tt := range []struct {
		ctx  context.Context
		want int64
	}{
		{commander, 1},
		{as(epiloop.RoleDistrict, "SC"+heping), 1},
		{as(epiloop.RoleDistrict, "SC"+shenhe), 0},
		{committee, 1},
		{station, 0},
	} {
		st, err := f.svc.StatsOfObservations(tt.ctx)
		if err != nil || st.Counts["active"] != tt.want {
			t.Errorf("%v: active %d (%v), want %d", epiloop.UserFromContext(tt.ctx).Name, st.Counts["active"], err, tt.want)
		}
	}
	keys := slices.Collect(func(yield func(string) bool) {
		st, _ := f.svc.StatsOfObservations(commander)
		for k := range st.Counts {
			if !yield(k) {
				return
			}
		}
	})
	if len(keys) != len(epiloop.ObservationMetrics) {
		t.Errorf("metrics %v", keys)
	}
}
