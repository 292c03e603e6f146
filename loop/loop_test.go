package loop_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func TestCreateLeadRoutesAndPushesTwice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{Origin: "武汉市", ArrivalDate: "2020-01-30"})
		if l.Status != epiloop.LeadPushed || l.CommunityCode != shuiyuandi || l.DistrictCode != heping {
			t.Fatalf("lead = %s in %s/%s, want pushed to %s", l.Status, l.DistrictCode, l.CommunityCode, shuiyuandi)
		}
		if l.Reason.Origin != "4201" {
			t.Errorf("origin = %q, want the canonical code 4201", l.Reason.Origin)
		}
		st, cm := taskOf(t, l, epiloop.UnitPoliceStation), taskOf(t, l, epiloop.UnitCommittee)
		if st.UnitCode != shuiyuandiPS || cm.UnitCode != shuiyuandiCM {
			t.Errorf("units = %s, %s; want %s, %s", st.UnitCode, cm.UnitCode, shuiyuandiPS, shuiyuandiCM)
		}
		now := f.clock.Now()
		if !st.AcceptBy.Equal(now.Add(4*time.Hour)) || !st.FeedbackBy.Equal(now.Add(24*time.Hour)) {
			t.Errorf("normal SLA deadlines = %v / %v", st.AcceptBy, st.FeedbackBy)
		}
		f.checkCounters()
	})
}

func TestCreateLeadValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		tests := []struct {
			name      string
			in        loop.LeadInput
			wantField string
		}{
			{"bad check character", loop.LeadInput{Person: epiloop.Person{IDNumber: "110105194912310021"}, Source: epiloop.Source{Kind: "hotline"}}, "person.id_number"},
			{"no id and no phone", loop.LeadInput{Person: epiloop.Person{Name: "李四"}, Source: epiloop.Source{Kind: "hotline"}}, "person.id_number"},
			{"bad phone", loop.LeadInput{Person: epiloop.Person{Name: "李四", Phone: "12345"}, Source: epiloop.Source{Kind: "hotline"}}, "person.phone"},
			{"bad source", loop.LeadInput{Person: epiloop.Person{IDNumber: id1}, Source: epiloop.Source{Kind: "fax"}}, "source.kind"},
			{"bad arrival", loop.LeadInput{Person: epiloop.Person{IDNumber: id1}, Source: epiloop.Source{Kind: "rail"}, Reason: epiloop.Reason{ArrivalDate: "2020-02-30"}}, "reason.arrival_date"},
			{"unknown origin", loop.LeadInput{Person: epiloop.Person{IDNumber: id1}, Source: epiloop.Source{Kind: "rail"}, Reason: epiloop.Reason{Origin: "火星"}}, "reason.origin"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := leadOf(f.svc.CreateLead(commander, tt.in))
				if epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorField(err) != tt.wantField {
					t.Errorf("err = %v, want invalid %s", err, tt.wantField)
				}
			})
		}
		t.Run("phone only is enough", func(t *testing.T) {
			l, created, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{Person: epiloop.Person{Name: "李四", Phone: "+86 139-0000-1111"}, Source: epiloop.Source{Kind: "hotline"}}))
			if err != nil || !created {
				t.Fatalf("created=%v err=%v", created, err)
			}
			if p, err := f.svc.Reveal(commander, l.ID, "核查联系"); err != nil || p.Phone != "13900001111" {
				t.Errorf("phone %q (%v), want 13900001111", p.Phone, err)
			}
		})
		t.Run("legacy 15-digit number is upgraded", func(t *testing.T) {
			l, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{Person: epiloop.Person{IDNumber: "110105491231002"}, Source: epiloop.Source{Kind: "hotline"}}))
			if err != nil {
				t.Fatal(err)
			}
			if p, err := f.svc.Reveal(commander, l.ID, "核查身份"); err != nil || p.IDNumber != id1 {
				t.Errorf("got %q, %v; want %s", p.IDNumber, err, id1)
			}
		})
		t.Run("roles that may not report", func(t *testing.T) {
			for _, ctx := range []context.Context{station, as(epiloop.RoleAnalyst, ""), as(epiloop.RoleAuditor, "")} {
				_, _, err := leadOf(f.svc.CreateLead(ctx, loop.LeadInput{Person: epiloop.Person{IDNumber: id2}, Source: epiloop.Source{Kind: "hotline"}}))
				if epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
					t.Errorf("err = %v, want forbidden", err)
				}
			}
		})
	})
}

func TestSecondReportMergesIntoOpenLead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		f.clock.Add(30 * time.Minute)
		again, created, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person:  epiloop.Person{IDNumber: "110105 19491231 002x"},
			Address: addrHome,
			Source:  epiloop.Source{Kind: epiloop.SourceRail, Ref: "G1234"},
			Reason:  epiloop.Reason{Fever: true},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if created || again.ID != l.ID {
			t.Fatalf("merge: created=%v id=%d, want the same lead %d", created, again.ID, l.ID)
		}
		got := f.find(l.ID)
		if len(got.Sources) != 2 || got.Priority != epiloop.PriorityUrgent {
			t.Errorf("sources=%d priority=%s, want 2 and urgent", len(got.Sources), got.Priority)
		}
		st := taskOf(t, got, epiloop.UnitPoliceStation)
		if want := st.CreatedAt.Add(time.Hour); !st.AcceptBy.Equal(want) {
			t.Errorf("accept deadline %v, want tightened to %v", st.AcceptBy, want)
		}
		leads, total, err := f.svc.FindLeads(commander, epiloop.LeadFilter{})
		if err != nil || total != 1 || len(leads) != 1 {
			t.Errorf("leads total = %d (%v), want 1", total, err)
		}
		f.checkCounters()
	})
}

func TestAgreeingFeedbackClosesLead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		st, cm := taskOf(t, l, epiloop.UnitPoliceStation), taskOf(t, l, epiloop.UnitCommittee)
		if _, err := f.svc.AcceptTask(station, st.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.find(l.ID).Status; got != epiloop.LeadVerifying {
			t.Errorf("after accept status = %s, want verifying", got)
		}
		if _, err := f.svc.AcceptTask(station, st.ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("second accept err = %v, want conflict", err)
		}
		f.submit(station, st.ID, home)
		if _, err := f.svc.SubmitFeedback(station, st.ID, home); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("second submit err = %v, want conflict", err)
		}
		other := home
		other.Temperature = temp(36.9)
		f.submit(committee, cm.ID, other)
		got := f.find(l.ID)
		if got.Status != epiloop.LeadClosed || got.Outcome == nil || got.Outcome.Measure != epiloop.MeasureHomeObservation || *got.Outcome.Temperature != 36.9 {
			t.Fatalf("lead = %s outcome %+v, want closed with home observation at 36.9", got.Status, got.Outcome)
		}
		f.checkCounters()
		m, _ := f.svc.Overview(commander)
		if m[epiloop.MetricClosed] != 1 || m[epiloop.MetricOpen] != 0 || m[epiloop.MetricReceived] != 1 {
			t.Errorf("overview = %v", m)
		}
	})
}

func TestConflictAndAdjudication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		st, cm := taskOf(t, l, epiloop.UnitPoliceStation), taskOf(t, l, epiloop.UnitCommittee)
		fever := home
		fever.Temperature = temp(38.2)
		f.submit(station, st.ID, fever)
		f.submit(committee, cm.ID, home)
		got := f.find(l.ID)
		if got.Status != epiloop.LeadConflict || !slices.Contains(got.Conflict, epiloop.ReasonFever) {
			t.Fatalf("lead = %s %v, want conflict with fever reason", got.Status, got.Conflict)
		}
		t.Run("units may not adjudicate", func(t *testing.T) {
			_, err := f.svc.Adjudicate(station, l.ID, loop.Adjudication{Action: "repush"})
			if epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
				t.Errorf("err = %v, want forbidden", err)
			}
		})
		t.Run("another district cannot see it", func(t *testing.T) {
			_, err := f.svc.Adjudicate(as(epiloop.RoleDistrict, "SC210103"), l.ID, loop.Adjudication{Action: "repush"})
			if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("err = %v, want not found", err)
			}
		})
		t.Run("bad outcome", func(t *testing.T) {
			_, err := f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Outcome: &epiloop.Feedback{Located: "moon"}})
			if epiloop.ErrorField(err) != "outcome.located" {
				t.Errorf("err = %v, want invalid outcome.located", err)
			}
		})
		hosp := fever
		hosp.Measure = epiloop.MeasureHospital
		out, err := f.svc.Adjudicate(as(epiloop.RoleDistrict, "SC"+heping), l.ID, loop.Adjudication{Outcome: &hosp, Note: "发热，转诊"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != epiloop.LeadClosed || out.Outcome.Measure != epiloop.MeasureHospital {
			t.Errorf("adjudicated lead = %s %+v", out.Status, out.Outcome)
		}
		if _, err := f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Action: "repush"}); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("adjudicating a closed lead: %v, want conflict", err)
		}
		v, err := f.svc.FindLeadView(commander, l.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range v.Timeline {
			kinds = append(kinds, e.Kind)
		}
		want := []string{"lead.created", "lead.pushed", "task.pushed", "task.pushed", "task.accepted", "task.submitted", "task.accepted", "task.submitted", "lead.conflict", "lead.adjudicated", "lead.closed"}
		if !slices.Equal(kinds, want) {
			t.Errorf("timeline = %v\nwant       %v", kinds, want)
		}
		f.checkCounters()
	})
}

func TestRepushStartsNewRound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		f.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, home)
		none := home
		none.Measure = epiloop.MeasureNoneRequired
		f.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, none)
		got, err := f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Action: "repush", Note: "请重新核查"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != epiloop.LeadPushed || got.Round != 2 || len(got.Tasks) != 4 || len(got.LiveTasks()) != 2 {
			t.Fatalf("after repush: %s round %d, %d tasks (%d live)", got.Status, got.Round, len(got.Tasks), len(got.LiveTasks()))
		}
		for _, tk := range got.Tasks {
			if tk.Round == 1 && tk.Status != epiloop.TaskCancelled {
				t.Errorf("old task %d is %s, want cancelled", tk.ID, tk.Status)
			}
		}
		f.checkCounters()
	})
}

func TestBothElsewhereReroutes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		moved := epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "沈阳市沈河区永顺社区5号", Contact: epiloop.ContactPhone}
		f.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, moved)
		f.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, moved)
		got := f.find(l.ID)
		if got.Status != epiloop.LeadPushed || got.Round != 2 || got.DistrictCode != "210103" {
			t.Fatalf("rerouted lead = %s round %d district %s", got.Status, got.Round, got.DistrictCode)
		}
		for _, tk := range got.Tasks {
			if tk.Round == 1 && tk.Status != epiloop.TaskCancelled {
				t.Errorf("old task %s, want cancelled", tk.Status)
			}
		}
		// The old units lose the lead with their cancelled tasks (they
		// neither read nor unmask it); the new ones see it.
		for _, old := range []context.Context{station, committee} {
			if _, err := f.svc.FindLead(old, l.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("old unit reads the re-routed lead: %v, want not found", err)
			}
			if _, err := f.svc.Reveal(old, l.ID, "上门核查"); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("old unit reveals the re-routed lead: %v, want not found", err)
			}
		}
		newStation := as(epiloop.RoleStation, taskOf(t, got, epiloop.UnitPoliceStation).UnitCode)
		if _, err := f.svc.FindLead(newStation, l.ID); err != nil {
			t.Errorf("new station: %v", err)
		}
		f.checkCounters()
	})
}

func TestElsewhereAtDifferentPlacesConflicts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		a := epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "沈阳市沈河区永顺社区5号"}
		b := epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "沈阳市和平区水源地社区1号"}
		f.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, a)
		f.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, b)
		if got := f.find(l.ID); got.Status != epiloop.LeadConflict {
			t.Errorf("status = %s, want conflict", got.Status)
		}
	})
}

func TestLeftCityHandsOver(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		left := epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "大连市"}
		f.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, left)
		f.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, left)
		if got := f.find(l.ID); got.Status != epiloop.LeadHandedOver || got.ClosedAt == nil {
			t.Errorf("status = %s, want handed_over", got.Status)
		}
		f.checkCounters()
	})
}

func TestUnroutableAndManualRouting(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		tests := []struct{ name, address string }{
			{"no community named", "沈阳市某某小区1号"},
			{"ambiguous name without district", "三隆社区8号"},
			{"no address", ""},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l := f.lead([]string{id1, id2, id3}[i], tt.address, epiloop.Reason{})
				if l.Status != epiloop.LeadUnroutable || len(l.Tasks) != 0 {
					t.Fatalf("status = %s with %d tasks, want unroutable", l.Status, len(l.Tasks))
				}
			})
		}
		l := f.lead(id4, "三隆社区8号", epiloop.Reason{})
		if _, err := f.svc.RouteLead(station, l.ID, shuiyuandi); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("station routing: %v, want not found (cannot see it)", err)
		}
		if _, err := f.svc.RouteLead(as(epiloop.RoleDistrict, "SC"+heping), l.ID, shuiyuandi); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("district routing an unrouted lead: %v, want not found", err)
		}
		if _, err := f.svc.RouteLead(commander, l.ID, "999999999999"); epiloop.ErrorField(err) != "community" {
			t.Errorf("unknown community: %v", err)
		}
		got, err := f.svc.RouteLead(commander, l.ID, shuiyuandi)
		if err != nil || got.Status != epiloop.LeadPushed || len(got.LiveTasks()) != 2 {
			t.Fatalf("routed: %v %v", got, err)
		}
		if _, err := f.svc.RouteLead(commander, l.ID, shuiyuandi); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("routing a pushed lead: %v, want conflict", err)
		}
		f.checkCounters()
	})
}

func TestReturnSendsLeadToUnroutableQueue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		st := taskOf(t, l, epiloop.UnitPoliceStation)
		if _, err := f.svc.ReturnTask(station, st.ID, ""); epiloop.ErrorField(err) != "reason" {
			t.Errorf("return without reason: %v", err)
		}
		if _, err := f.svc.ReturnTask(station, st.ID, "此人不在本辖区"); err != nil {
			t.Fatal(err)
		}
		got := f.find(l.ID)
		if got.Status != epiloop.LeadUnroutable {
			t.Errorf("status = %s, want unroutable", got.Status)
		}
		if cm := got.Tasks[1]; cm.Status != epiloop.TaskCancelled {
			t.Errorf("other task = %s, want cancelled", cm.Status)
		}
		f.checkCounters()
	})
}

func TestTaskScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{})
		st := taskOf(t, l, epiloop.UnitPoliceStation)
		otherStation := as(epiloop.RoleStation, "PS210103001")
		if _, err := f.svc.AcceptTask(otherStation, st.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station accepting: %v, want not found", err)
		}
		if _, err := f.svc.AcceptTask(committee, st.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("the committee accepting the station's task: %v, want not found", err)
		}
		if _, err := f.svc.FindLead(otherStation, l.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station reading: %v, want not found", err)
		}
		if _, err := f.svc.FindLead(as(epiloop.RoleDistrict, "SC210103"), l.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another district reading: %v, want not found", err)
		}
		if _, err := f.svc.FindLead(as(epiloop.RoleAnalyst, ""), l.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("analyst reading: %v, want not found", err)
		}
		tasks, total, err := f.svc.FindTasks(station, epiloop.TaskFilter{Open: true})
		if err != nil || total != 1 || tasks[0].ID != st.ID || tasks[0].Lead.Person.IDNumber != "110105********002X" {
			t.Errorf("station's tasks: %d %v", total, err)
		}
		if tasks, total, _ := f.svc.FindTasks(otherStation, epiloop.TaskFilter{}); total != 0 || len(tasks) != 0 {
			t.Errorf("other station sees %d tasks", total)
		}
		dl, err := f.svc.FindLead(as(epiloop.RoleDistrict, "SC"+heping), l.ID)
		if err != nil || dl.Person.IDNumber != "110105********002X" {
			t.Errorf("district sees id %q (%v), want masked", dl.Person.IDNumber, err)
		}
		m, _ := f.svc.Overview(otherStation)
		if m[epiloop.MetricReceived] != 0 {
			t.Errorf("other station's overview counts %d", m[epiloop.MetricReceived])
		}
		m, _ = f.svc.Overview(station)
		if m[epiloop.MetricReceived] != 1 {
			t.Errorf("station's overview counts %d, want 1", m[epiloop.MetricReceived])
		}
	})
}

func TestEscalationOnTheSLAClock(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		l := f.lead(id1, addrHome, epiloop.Reason{Fever: true}) // urgent: accept 1 h, feedback 3 h
		escalate := func() int {
			t.Helper()
			n, err := f.svc.Escalate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		steps := []struct {
			after     time.Duration
			wantNew   int
			wantLevel int
		}{
			{59 * time.Minute, 0, 0},
			{2 * time.Minute, 2, epiloop.EscalateUnit},        // 1 h 1 m: both tasks past accept
			{0, 0, epiloop.EscalateUnit},                      // idempotent
			{time.Hour, 2, epiloop.EscalateDistrict},          // 2 h 1 m
			{time.Hour, 2, epiloop.EscalateHeadquarters},      // 3 h 1 m
			{10 * time.Hour, 0, epiloop.EscalateHeadquarters}, // no level above
		}
		for i, s := range steps {
			f.clock.Add(s.after)
			if got := escalate(); got != s.wantNew {
				t.Errorf("step %d: %d escalations, want %d", i, got, s.wantNew)
			}
			got := f.find(l.ID)
			if lv := taskOf(t, got, epiloop.UnitPoliceStation).Escalation; lv != s.wantLevel {
				t.Errorf("step %d: level %d, want %d", i, lv, s.wantLevel)
			}
			if got.Overdue != (s.wantLevel > 0) {
				t.Errorf("step %d: overdue = %v", i, got.Overdue)
			}
		}
		// Accepting late starts the feedback clock afresh.
		if _, err := f.svc.AcceptTask(station, taskOf(t, l, epiloop.UnitPoliceStation).ID); err != nil {
			t.Fatal(err)
		}
		got := f.find(l.ID)
		st := taskOf(t, got, epiloop.UnitPoliceStation)
		if st.Escalation != 0 || !got.Overdue { // the committee is still overdue
			t.Errorf("after accept: level %d, lead overdue %v", st.Escalation, got.Overdue)
		}
		leads, total, _ := f.svc.FindLeads(as(epiloop.RoleDistrict, "SC"+heping), epiloop.LeadFilter{Overdue: ptr(true)})
		if total != 1 || leads[0].ID != l.ID {
			t.Errorf("overdue list total %d", total)
		}
		m, _ := f.svc.Overview(commander)
		if m[epiloop.MetricOverdue] != 1 {
			t.Errorf("overdue count = %d, want 1", m[epiloop.MetricOverdue])
		}
		f.checkCounters()
	})
}

func ptr[T any](v T) *T { return &v }

func TestEscalationSurvivesRestart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.lead(id1, addrHome, epiloop.Reason{})
		f.clock.Add(5 * time.Hour)
		if n, _ := f.svc.Escalate(context.Background()); n != 2 {
			t.Fatalf("%d escalations, want 2", n)
		}
		// A second service on the same store (a restart, or another replica)
		// finds nothing more to do at the same time.
		again := loop.NewService(f.store)
		again.Clock = f.clock
		if n, err := again.Escalate(context.Background()); n != 0 || err != nil {
			t.Errorf("after restart: %d escalations (%v), want 0", n, err)
		}
	})
}

func TestSimultaneousFeedbackReconcilesOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		for round := 0; round < 10; round++ {
			id := []string{id1, id2, id3, id4}[round%4]
			l := f.lead(id, addrHome, epiloop.Reason{})
			st, cm := taskOf(t, l, epiloop.UnitPoliceStation), taskOf(t, l, epiloop.UnitCommittee)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, job := range []struct {
				ctx  context.Context
				task int64
			}{{station, st.ID}, {committee, cm.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = f.svc.SubmitFeedback(job.ctx, job.task, home)
				}()
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			v, err := f.svc.FindLeadView(commander, l.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			closed := 0
			for _, e := range v.Timeline {
				if e.Kind == epiloop.EventLeadClosed {
					closed++
				}
			}
			if v.Status != epiloop.LeadClosed || closed != 1 {
				t.Fatalf("round %d: status %s with %d close events, want closed once", round, v.Status, closed)
			}
		}
		f.checkCounters()
	})
}

// TestClosedLeadRefusesEveryWorkflow: no workflow moves a closed lead or
// its tasks; each answers conflict and the lead is as it was.
func TestClosedLeadRefusesEveryWorkflow(t *testing.T) {
	f := newFixture(t)
	l := f.closeWith(id1, epiloop.Reason{}, home)
	st, cm := taskOf(t, l, epiloop.UnitPoliceStation), taskOf(t, l, epiloop.UnitCommittee)
	for name, call := range map[string]func() error{
		"accept":   func() error { _, err := f.svc.AcceptTask(station, st.ID); return err },
		"return":   func() error { _, err := f.svc.ReturnTask(committee, cm.ID, "不在本辖区"); return err },
		"feedback": func() error { _, err := f.svc.SubmitFeedback(station, st.ID, home); return err },
		"adjudicate": func() error {
			_, err := f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Action: "repush"})
			return err
		},
		"route": func() error { _, err := f.svc.RouteLead(commander, l.ID, shuiyuandi); return err },
	} {
		if err := call(); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("%s on a closed lead: %v, want conflict", name, err)
		}
	}
	got := f.find(l.ID)
	if got.Status != epiloop.LeadClosed || got.Round != l.Round || len(got.Tasks) != len(l.Tasks) {
		t.Errorf("closed lead now %s round %d with %d tasks", got.Status, got.Round, len(got.Tasks))
	}
	for i, tk := range got.Tasks {
		if tk.Status != l.Tasks[i].Status {
			t.Errorf("task %d moved from %s to %s", tk.ID, l.Tasks[i].Status, tk.Status)
		}
	}
}
