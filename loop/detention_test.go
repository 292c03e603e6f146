package loop_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The detention facilities' workflows on both engines: intake into
// isolation cells (never two in one), the early move refused without a
// supervisor's override and audited with one, occupancy against the rows,
// release, the cohorts' hand-over closing only on both confirmations, an
// overdue cohort escalating to the person on duty, a staff member's fever
// raising the observation alert, and scoping per role.

const (
	facility      = "DT-HP"
	otherFacility = "DT-SH"
)

type detentionUsers struct {
	commander, heping, shenhe, staff, staff2, otherStaff, station, analyst context.Context
	users                                                                  map[string]*epiloop.User
}

func newDetention(t *testing.T, f *fixture) *detentionUsers {
	t.Helper()
	du := &detentionUsers{users: map[string]*epiloop.User{}}
	for _, u := range []struct {
		name string
		dst  *context.Context
		user epiloop.User
	}{
		{"d-commander", &du.commander, epiloop.User{Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}},
		{"d-heping", &du.heping, epiloop.User{Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(heping), DistrictCode: heping}},
		{"d-shenhe", &du.shenhe, epiloop.User{Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(shenhe), DistrictCode: shenhe}},
		{"d-staff", &du.staff, epiloop.User{Role: epiloop.RoleDetention, UnitCode: shuiyuandiPS}},
		{"d-staff2", &du.staff2, epiloop.User{Role: epiloop.RoleDetention, UnitCode: shuiyuandiPS}},
		{"d-other", &du.otherStaff, epiloop.User{Role: epiloop.RoleDetention, UnitCode: otherPlacePS}},
		{"d-station", &du.station, epiloop.User{Role: epiloop.RoleStation, UnitCode: shuiyuandiPS}},
		{"d-analyst", &du.analyst, epiloop.User{Role: epiloop.RoleAnalyst}},
	} {
		usr := u.user
		usr.Name, usr.CreatedAt = u.name, f.clock.Now()
		if err := f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateUser(&usr) }); err != nil {
			t.Fatal(err)
		}
		*u.dst = asUser(&usr)
		du.users[u.name] = &usr
	}
	for _, p := range []*epiloop.Place{
		{Code: facility, Kind: epiloop.PlaceDetention, Name: "和平看守所", DistrictCode: heping, CommunityCode: shuiyuandi,
			UnitCode: shuiyuandiPS, DetentionKind: "detention_center", Capacity: 100},
		{Code: otherFacility, Kind: epiloop.PlaceDetention, Name: "沈河拘留所", DistrictCode: shenhe, UnitCode: otherPlacePS,
			DetentionKind: "custody", Capacity: 50},
	} {
		if _, err := f.svc.SavePlace(du.commander, p); err != nil {
			t.Fatal(err)
		}
		areas := []epiloop.DetentionArea{{Code: "I1", Name: "隔离1", Kind: epiloop.AreaIsolation},
			{Code: "I2", Name: "隔离2", Kind: epiloop.AreaIsolation}, {Code: "G1", Name: "一监区", Kind: epiloop.AreaGeneral, Capacity: 10}}
		if _, err := f.svc.SaveDetentionAreas(du.commander, p.Code, areas); err != nil {
			t.Fatal(err)
		}
	}
	return du
}

// errorKey is the catalogue key of a caller-safe error.
func errorKey(err error) string {
	var e *epiloop.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

func detainee(n int) epiloop.Person {
	return epiloop.Person{Name: fmt.Sprintf("在押%d", n), Phone: fmt.Sprintf("139000000%02d", n)}
}

func TestDetentionIntakeAndIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		today := epiloop.CivilDate(f.clock.Now())
		a, err := f.svc.AdmitPerson(du.staff, detainee(1), epiloop.DetaineeIntake{FacilityCode: facility, CaseRef: "沈公(刑)2020-001"})
		if err != nil || a.AreaCode != "I1" || a.IsolationEnd != epiloop.AddDays(today, 15) || a.Person.Phone == detainee(1).Phone {
			t.Fatalf("first intake: %+v %v", a, err)
		}
		b, err := f.svc.AdmitPerson(du.staff, detainee(2), epiloop.DetaineeIntake{FacilityCode: facility})
		if err != nil || b.AreaCode != "I2" {
			t.Fatalf("second intake: %+v %v", b, err)
		}
		if _, err := f.svc.AdmitPerson(du.staff, detainee(3), epiloop.DetaineeIntake{FacilityCode: facility}); epiloop.ErrorCode(err) != epiloop.ECONFLICT || errorKey(err) != "err.detention_no_free_cell" {
			t.Errorf("no free cell: %v", err)
		}
		if _, err := f.svc.AdmitPerson(du.staff, detainee(1), epiloop.DetaineeIntake{FacilityCode: facility}); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("a person admitted twice: %v", err)
		}
		// The store refuses a second detainee in an isolation cell
		// whatever the workflow does.
		err = f.store.Update(context.Background(), func(tx epiloop.Tx) error {
			p := detainee(4)
			if err := tx.CreatePerson(&p); err != nil {
				return err
			}
			now := f.clock.Now()
			return tx.CreateDetainee(&epiloop.Detainee{FacilityCode: facility, DistrictCode: heping, UnitCode: shuiyuandiPS,
				Person: p, AreaCode: "I1", AreaKind: epiloop.AreaIsolation, Status: epiloop.DetaineePresent,
				IsolationEnd: today, AdmittedAt: now, CreatedAt: now, UpdatedAt: now})
		})
		if epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("two in one isolation cell: %v", err)
		}
		// The observation runs: kind new_detainee, the facility's unit.
		v, err := f.svc.FindObservation(du.staff, a.ObservationID)
		if err != nil || v.Kind != epiloop.ObservationNewDetainee || v.Status != epiloop.ObservationActive || v.End != a.IsolationEnd {
			t.Fatalf("observation: %+v %v", v, err)
		}

		// Early move: refused for the staff, refused without a reason,
		// allowed for the district's supervisor with one.
		move := loop.MoveInput{Area: "G1"}
		if _, err := f.svc.MoveDetainee(du.staff, a.ID, move); errorKey(err) != "err.detention_isolation_not_over" {
			t.Errorf("early move: %v", err)
		}
		move.Override = true
		if _, err := f.svc.MoveDetainee(du.staff, a.ID, move); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("staff override: %v", err)
		}
		if _, err := f.svc.MoveDetainee(du.shenhe, a.ID, move); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another district's override: %v", err)
		}
		if _, err := f.svc.MoveDetainee(du.heping, a.ID, move); epiloop.ErrorField(err) != "override_reason" {
			t.Errorf("override without reason: %v", err)
		}
		move.Reason = "就医需要转入监区医务室"
		m, err := f.svc.MoveDetainee(du.heping, a.ID, move)
		if err != nil || m.AreaCode != "G1" || m.OverrideReason == "" || m.Person.Name != "" {
			t.Fatalf("override: %+v %v", m, err)
		}
		obj := fmt.Sprintf("detainee:%d", a.ID)
		var audited bool
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, _, err := tx.FindAudit(epiloop.AuditFilter{Object: &obj, Limit: 10})
			for _, e := range es {
				audited = audited || e.Purpose == move.Reason && e.ActorID == du.users["d-heping"].ID
			}
			return err
		})
		if !audited {
			t.Error("the override is not in the audit trail with its reason")
		}

		// Occupancy equals the rows; cell I1 is free again.
		c, err := f.svc.AdmitPerson(du.staff, detainee(3), epiloop.DetaineeIntake{FacilityCode: facility})
		if err != nil || c.AreaCode != "I1" {
			t.Fatalf("intake into the freed cell: %+v %v", c, err)
		}
		fv, err := f.svc.FindFacility(du.staff, facility)
		if err != nil {
			t.Fatal(err)
		}
		occ := map[string]int{}
		for _, d := range fv.Detainees {
			occ[d.AreaCode]++
		}
		for _, ar := range fv.Areas {
			if ar.Occupancy != occ[ar.Code] {
				t.Errorf("area %s: occupancy %d, rows %d", ar.Code, ar.Occupancy, occ[ar.Code])
			}
		}
		if st := fv.Stats; st.Present != 3 || st.Isolated != 2 || st.IsolationCellsFree != 0 || st.IsolationCells != 2 {
			t.Errorf("stats: %+v", st)
		}

		// After 15 days the move needs no override and ends the
		// observation.
		f.clock.Add(15 * 24 * time.Hour)
		m, err = f.svc.MoveDetainee(du.staff, b.ID, loop.MoveInput{Area: "G1"})
		if err != nil || m.AreaCode != "G1" || m.OverrideReason != "" {
			t.Fatalf("move after isolation: %+v %v", m, err)
		}
		if v, _ := f.svc.FindObservation(du.staff, b.ObservationID); v == nil || v.Status != epiloop.ObservationReleased {
			t.Errorf("observation after the move: %+v", v)
		}
		// Release ends the stay and its observation.
		if _, err := f.svc.ReleaseDetainee(du.staff, c.ID, loop.ReleaseInput{Status: epiloop.DetaineeReleased}); epiloop.ErrorField(err) != "reason" {
			t.Errorf("release without a reason: %v", err)
		}
		r, err := f.svc.ReleaseDetainee(du.staff, c.ID, loop.ReleaseInput{Status: epiloop.DetaineeTransferred, Reason: "移送市看守所"})
		if err != nil || r.Status != epiloop.DetaineeTransferred || r.EndedAt == nil {
			t.Fatalf("release: %+v %v", r, err)
		}
		if v, _ := f.svc.FindObservation(du.staff, c.ObservationID); v == nil || v.Status != epiloop.ObservationTransferred {
			t.Errorf("observation after the transfer: %+v", v)
		}
		// Reveal: the facility's staff with a purpose, audited; not the
		// district.
		if p, err := f.svc.RevealDetainee(du.staff, a.ID, "提审核对身份"); err != nil || p.Phone != detainee(1).Phone {
			t.Errorf("reveal: %+v %v", p, err)
		}
		if _, err := f.svc.RevealDetainee(du.heping, a.ID, "核对"); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("district reveals: %v", err)
		}
	})
}

func TestDetentionScoping(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		if _, err := f.svc.AdmitPerson(du.staff, detainee(1), epiloop.DetaineeIntake{FacilityCode: facility}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			ctx   context.Context
			codes []string
			err   string
		}{
			{"commander", du.commander, []string{facility, otherFacility}, ""},
			{"district", du.heping, []string{facility}, ""},
			{"staff", du.staff, []string{facility}, ""},
			{"other staff", du.otherStaff, []string{otherFacility}, ""},
			{"station", du.station, nil, epiloop.EFORBIDDEN},
			{"analyst", du.analyst, nil, epiloop.EFORBIDDEN},
		} {
			rows, err := f.svc.FindFacilities(c.ctx)
			if epiloop.ErrorCode(err) != c.err && !(c.err == "" && err == nil) {
				t.Errorf("%s: %v", c.name, err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Code)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.codes) {
				t.Errorf("%s sees %v, want %v", c.name, got, c.codes)
			}
		}
		if _, err := f.svc.FindFacility(du.otherStaff, facility); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another facility's staff: %v", err)
		}
		if _, err := f.svc.FindFacility(du.shenhe, facility); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another district: %v", err)
		}
		v, err := f.svc.FindFacility(du.heping, facility)
		if err != nil || v.People || len(v.Detainees) != 1 || v.Detainees[0].Person != (epiloop.Person{}) {
			t.Errorf("the district reads figures, not people: %+v %v", v, err)
		}
		if _, err := f.svc.AdmitPerson(du.heping, detainee(2), epiloop.DetaineeIntake{FacilityCode: facility}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("district admits: %v", err)
		}
		if _, err := f.svc.AdmitPerson(du.otherStaff, detainee(2), epiloop.DetaineeIntake{FacilityCode: facility}); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("other staff admits: %v", err)
		}
		if _, err := f.svc.SetClosedManagement(du.staff, facility, epiloop.ClosedManagement{State: epiloop.ClosureClosed, From: "2020-02-01", OrderNo: "1"}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("staff sets closed management: %v", err)
		}
		// Three free cells: the commander reads 3, the analyst 0 (below
		// the published minimum).
		for ctx, want := range map[context.Context]int64{du.commander: 3, du.analyst: 0} {
			figs, err := f.svc.FindDetentionFigures(ctx)
			if err != nil || figs.Counts[epiloop.MetricIsolationCellsFree] != want {
				t.Errorf("figures: %+v %v; want %d free cells", figs, err, want)
			}
		}
	})
}

func TestDetentionClosedManagement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		today := epiloop.CivilDate(f.clock.Now())
		m := epiloop.ClosedManagement{State: epiloop.ClosureClosed, From: today, OrderNo: "沈公监〔2020〕3号",
			Exemptions: []epiloop.Exemption{{Name: "李医生", Reason: "驻所医生", From: today, To: epiloop.AddDays(today, 14)}}}
		if _, err := f.svc.SetClosedManagement(du.heping, facility, epiloop.ClosedManagement{State: epiloop.ClosureClosed, From: today}); epiloop.ErrorField(err) != "order_no" {
			t.Errorf("no order number: %v", err)
		}
		if _, err := f.svc.SetClosedManagement(du.heping, facility, m); err != nil {
			t.Fatal(err)
		}
		figs, _ := f.svc.FindDetentionFigures(du.commander)
		if figs.Counts[epiloop.MetricDetentionClosed] != 1 {
			t.Errorf("closed figure: %+v", figs.Counts)
		}
		if _, err := f.svc.SetClosedManagement(du.heping, facility, epiloop.ClosedManagement{State: epiloop.ClosureLifted, From: today, OrderNo: "沈公监〔2020〕9号"}); err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.FindFacility(du.staff, facility)
		if err != nil || v.Stats.Closed || len(v.History) != 2 || v.History[1].Exemptions[0].Name != "李医生" {
			t.Errorf("history: %+v %v", v, err)
		}
	})
}

func staff(n int) epiloop.Person {
	return epiloop.Person{Name: fmt.Sprintf("民警%d", n), Phone: fmt.Sprintf("138000000%02d", n)}
}

func TestCohortHandoverNeedsBothLeaders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		a, b := du.users["d-staff"], du.users["d-staff2"]
		first, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第一班", Leader: a.ID, Members: []epiloop.Person{staff(1), staff(2)}})
		if err != nil || first.Status != epiloop.CohortOnSite || first.Members[0].ObservationID == 0 || first.End != epiloop.AddDays(first.Start, 14) {
			t.Fatalf("first cohort: %+v %v", first, err)
		}
		if _, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第二班", Leader: du.users["d-other"].ID, Members: []epiloop.Person{staff(3)}}); epiloop.ErrorField(err) != "leader" {
			t.Errorf("a leader of another facility: %v", err)
		}
		next, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第二班", Leader: b.ID, Members: []epiloop.Person{staff(3), staff(4)}, Start: first.End})
		if err != nil || next.Status != epiloop.CohortPlanned {
			t.Fatalf("next cohort: %+v %v", next, err)
		}
		if _, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第三班", Leader: b.ID, Members: []epiloop.Person{staff(5)}}); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("a second pending hand-over: %v", err)
		}
		conf := epiloop.CohortConfirmation{Next: next.ID, Note: "交接在押人员名册"}
		if _, err := f.svc.ConfirmCohortHandover(du.commander, first.ID, conf); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("not a leader: %v", err)
		}
		c, err := f.svc.ConfirmCohortHandover(du.staff, first.ID, conf)
		if err != nil || c.Status != epiloop.CohortOnSite || c.Handover().State != epiloop.AgreementWaiting {
			t.Fatalf("outgoing confirms: %+v %v", c, err)
		}
		if _, err := f.svc.ConfirmCohortHandover(du.staff, first.ID, conf); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("outgoing confirms twice: %v", err)
		}
		c, err = f.svc.ConfirmCohortHandover(du.staff2, first.ID, conf)
		if err != nil || c.Status != epiloop.CohortRelieved || c.RelievedAt == nil {
			t.Fatalf("incoming confirms: %+v %v", c, err)
		}
		v, err := f.svc.FindFacility(du.staff, facility)
		if err != nil || v.OnSite == nil || v.OnSite.ID != next.ID || v.OnSite.Members[0].ObservationID == 0 || v.Next != nil {
			t.Fatalf("after the hand-over: %+v %v", v.OnSite, err)
		}
		if o, _ := f.svc.FindObservation(du.staff, first.Members[0].ObservationID); o == nil || o.Status != epiloop.ObservationReleased {
			t.Errorf("the relieved member's observation: %+v", o)
		}
		if o, _ := f.svc.FindObservation(du.staff, v.OnSite.Members[0].ObservationID); o == nil || o.Status != epiloop.ObservationActive || o.Kind != epiloop.ObservationDetentionStaff {
			t.Errorf("the incoming member's observation: %+v", o)
		}
	})
}

func TestCohortOverdueEscalatesToDuty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		sub := &epiloop.CommandNode{Code: "SUB-HP", Kind: epiloop.NodeSubCommand, Name: "和平区分指挥部", DistrictCode: heping, Leader: "孙岚"}
		hq := &epiloop.CommandNode{Code: "HQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张指挥"}
		sub.ParentCode = "HQ"
		for _, n := range []*epiloop.CommandNode{hq, sub} {
			if err := f.svc.SaveCommandNode(commander, n); err != nil {
				t.Fatal(err)
			}
		}
		chief := &epiloop.Post{NodeCode: "SUB-HP", Kind: epiloop.PostDutyChief, Name: "值班长", MinStaff: 1, MaxStaff: 2}
		if err := f.svc.CreatePost(commander, chief); err != nil {
			t.Fatal(err)
		}
		slots := f.roster(t, chief.ID, epiloop.Shift24h, 20)
		first, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第一班", Leader: du.users["d-staff"].ID, Members: []epiloop.Person{staff(1)}})
		if err != nil {
			t.Fatal(err)
		}
		// On its end day the cohort is due, not yet overdue.
		f.clock.Set(first.Due().Add(time.Hour))
		if n, err := f.svc.EscalateCohorts(context.Background()); n != 0 || err != nil {
			t.Errorf("on the end day: %d %v", n, err)
		}
		f.clock.Set(first.Due().Add(epiloop.CohortGrace + time.Hour))
		duty := du.users["d-heping"]
		now := f.clock.Now()
		for _, sl := range slots {
			if !now.Before(sl.Start) && now.Before(sl.End) {
				if _, err := f.svc.Assign(commander, sl.ID, duty.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.CheckIn(du.heping, sl.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		for round, want := range []int{1, 0} {
			if n, err := f.svc.EscalateCohorts(context.Background()); n != want || err != nil {
				t.Errorf("round %d: %d escalated, %v; want %d", round, n, err, want)
			}
		}
		items, err := f.svc.DutyInbox(du.heping, true)
		if err != nil || len(items) != 1 || items[0].Kind != epiloop.DutyItemCohortOverdue || items[0].NodeCode != "SUB-HP" {
			t.Errorf("the duty officer's inbox: %+v %v", items, err)
		}
		figs, _ := f.svc.FindDetentionFigures(du.heping)
		if figs.Counts[epiloop.MetricCohortsOverdue] != 1 {
			t.Errorf("overdue figure: %+v", figs.Counts)
		}
	})
}

func TestStaffFeverRaisesTheAlert(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		du := newDetention(t, f)
		c, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "第一班", Leader: du.users["d-staff"].ID,
			Members: []epiloop.Person{staff(1), staff(2), staff(3)}})
		if err != nil {
			t.Fatal(err)
		}
		hot, normal, present := 38.2, 36.5, true
		o, err := f.svc.SubmitCheck(du.staff, c.Members[0].ObservationID, loop.CheckInput{Temperature: &hot, Present: &present})
		if err != nil || o.Proposal != epiloop.ProposeTransfer {
			t.Fatalf("fever check: %+v %v", o, err)
		}
		if _, err := f.svc.SubmitCheck(du.staff, c.Members[1].ObservationID, loop.CheckInput{Temperature: &normal, Present: &present}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SubmitCheck(du.otherStaff, c.Members[2].ObservationID, loop.CheckInput{Temperature: &normal, Present: &present}); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another facility's staff checks: %v", err)
		}
		var alert bool
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, err := tx.FindEventsAfter(0, 1000)
			for _, e := range es {
				alert = alert || e.Kind == epiloop.EventObservationAlert
			}
			return err
		})
		if !alert {
			t.Error("no observation alert for the fever")
		}
		v, err := f.svc.FindFacility(du.staff, facility)
		if err != nil || v.Stats.StaffOnSite != 3 || v.Stats.ChecksDone != 2 || v.Stats.StaffFever != 1 ||
			!v.OnSite.Members[0].Fever || v.OnSite.Members[2].Checked {
			t.Errorf("today's checks: %+v %+v %v", v.Stats, v.OnSite, err)
		}
		// The figure agrees with a recount of today's checks.
		figs, _ := f.svc.FindDetentionFigures(du.commander)
		var fever int64
		for _, m := range v.OnSite.Members {
			if m.Fever {
				fever++
			}
		}
		if figs.Counts[epiloop.MetricStaffFever] != fever {
			t.Errorf("fever figure %d, recount %d", figs.Counts[epiloop.MetricStaffFever], fever)
		}
	})
}

// atRestDetention stores a facility's personal data for the at-rest
// tests: a detainee's identity, the intake note and override reason, a
// cohort's members and hand-over notes, a closure's exemptions.
func atRestDetention(t *testing.T, f *fixture, mark func(string) string) {
	t.Helper()
	du := newDetention(t, f)
	d, err := f.svc.AdmitPerson(du.staff, epiloop.Person{Name: mark("监所甲某"), Phone: "13912345678"},
		epiloop.DetaineeIntake{FacilityCode: facility, Reason: mark("收押备注秘密")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MoveDetainee(du.heping, d.ID, loop.MoveInput{Area: "G1", Override: true, Reason: mark("提前解除隔离理由")}); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "一班", Leader: du.users["d-staff"].ID,
		Members: []epiloop.Person{{Name: mark("轮值民警乙"), Phone: "13812345678"}}})
	if err != nil {
		t.Fatal(err)
	}
	next, err := f.svc.StartCohort(du.staff, facility, loop.CohortInput{Name: "二班", Leader: du.users["d-staff2"].ID,
		Members: []epiloop.Person{{Name: mark("轮值民警丙"), Phone: "13812345679"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmCohortHandover(du.staff, first.ID, epiloop.CohortConfirmation{Next: next.ID, Note: mark("交接备注秘密")}); err != nil {
		t.Fatal(err)
	}
	today := epiloop.CivilDate(f.clock.Now())
	if _, err := f.svc.SetClosedManagement(du.heping, facility, epiloop.ClosedManagement{State: epiloop.ClosureClosed, From: today,
		OrderNo: "3号", Exemptions: []epiloop.Exemption{{Name: mark("豁免医生丁"), Reason: mark("豁免理由秘密"), From: today, To: today}}}); err != nil {
		t.Fatal(err)
	}
}
