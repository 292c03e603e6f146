package loop_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The service desk's workflows on both engines: a breached clock reaches
// whoever is on duty (and follows the roster), a pause moves the due
// time, the green channel goes to the leader on duty with the shortest
// SLA, a ticket closes only when both parties agree, an unconfirmed one
// closes as such after the window, a wrong code reveals nothing, and the
// queue is scoped per role.

const (
	deptRS = "DEPT-RS" // 市人社局
	deptSW = "DEPT-SW" // 市税务局
	// validCredit is a unified social credit code with a valid check
	// character.
	validCredit = "91210100MA0QD6K370"
)

type deskFixture struct {
	*fixture
	desk, deptA, deptB context.Context
}

func newDeskFixture(t *testing.T, f *fixture) *deskFixture {
	t.Helper()
	d := &deskFixture{fixture: f}
	ctx := context.Background()
	err := f.store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpsertUnits([]epiloop.Unit{{Code: deptRS, Kind: epiloop.UnitDepartment, Name: "市人社局"},
			{Code: deptSW, Kind: epiloop.UnitDepartment, Name: "市税务局"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		dst  *context.Context
		user epiloop.User
	}{
		{&d.desk, epiloop.User{Name: "desk-op", Role: epiloop.RoleDesk}},
		{&d.deptA, epiloop.User{Name: "dept-rs", Role: epiloop.RoleDepartment, UnitCode: deptRS}},
		{&d.deptB, epiloop.User{Name: "dept-sw", Role: epiloop.RoleDepartment, UnitCode: deptSW}},
	} {
		usr := u.user
		usr.CreatedAt = f.clock.Now()
		if err := f.store.Update(ctx, func(tx epiloop.Tx) error { return tx.CreateUser(&usr) }); err != nil {
			t.Fatal(err)
		}
		*u.dst = asUser(&usr)
	}
	for _, m := range []*epiloop.ServiceMeasure{
		{Code: "WGFH", Name: "稳岗返还", Mode: epiloop.DeskBoth, UnitCode: deptRS, FirstResponseMin: 120, UpdateEveryMin: 480, SolutionMin: 4320, Active: true},
		{Code: "SBHJ", Name: "社保缓缴", Mode: epiloop.DeskOnline, UnitCode: deptSW, FirstResponseMin: 60, UpdateEveryMin: 240, SolutionMin: 2880, Active: true},
	} {
		if err := f.svc.SaveMeasure(d.desk, m); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func deskInput(measure string) epiloop.TicketInput {
	return epiloop.TicketInput{Measure: measure, District: heping, Enterprise: "沈阳华晨机械有限公司", CreditCode: validCredit,
		Contact: "王经理", Phone: "13904001234", Detail: "申请稳岗返还，社保缴费记录已上传"}
}

func (d *deskFixture) hotline(t *testing.T, in epiloop.TicketInput) *epiloop.Ticket {
	t.Helper()
	sub, err := d.svc.CreateHotlineTicket(d.desk, in)
	if err != nil {
		t.Fatal(err)
	}
	return sub.Ticket
}

func inboxOf(t *testing.T, f *fixture, u *epiloop.User) []epiloop.DutyItem {
	t.Helper()
	items, err := f.svc.DutyInbox(asUser(u), true)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func (d *deskFixture) escalate(t *testing.T) loop.DeskEscalation {
	t.Helper()
	r, err := d.svc.EscalateDesk(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeskBreachEscalatesToThePersonOnDuty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		post, users := dutyFixture(t, f, 1, 2)
		a, b := users[0], users[1]
		slot := f.roster(t, post.ID, epiloop.Shift24h, 1)[0]
		onDuty := func(u *epiloop.User) {
			t.Helper()
			if _, err := f.svc.Assign(commander, slot.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.CheckIn(asUser(u), slot.ID); err != nil {
				t.Fatal(err)
			}
		}
		onDuty(a)
		tk := d.hotline(t, deskInput("WGFH"))
		f.clock.Add(2*time.Hour - time.Minute)
		if r := d.escalate(t); r.Breached != 0 {
			t.Fatalf("before the first response is due: %+v", r)
		}
		f.clock.Add(2 * time.Minute)
		for round, want := range []int{1, 0} {
			if r := d.escalate(t); r.Breached != want {
				t.Errorf("round %d: %d breached, want %d", round, r.Breached, want)
			}
		}
		items := inboxOf(t, f, a)
		if len(items) != 1 || items[0].Kind != epiloop.DutyItemDeskBreached || items[0].Level != string(epiloop.ClockFirstResponse) ||
			items[0].Ref != epiloop.DutyRef(epiloop.RefTicket, strconv.FormatInt(tk.ID, 10)) {
			t.Fatalf("a's inbox: %+v", items)
		}
		got, err := f.svc.FindTicket(d.deptA, tk.ID)
		if err != nil || !got.Breached() || got.Clock(epiloop.ClockFirstResponse).Status(f.clock.Now()) != epiloop.ClockBreached {
			t.Fatalf("breached ticket: %+v %v", got, err)
		}
		// The roster changes: b holds the post. The next breach (the
		// solution, 3 days) reaches b.
		if _, err := f.svc.Unassign(commander, slot.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		onDuty(b)
		f.clock.Set(tk.CreatedAt.Add(72*time.Hour + time.Minute))
		// The slot ended: b's next one is needed for b to be on duty.
		next := f.roster(t, post.ID, epiloop.Shift24h, 1)
		for _, s := range next {
			if !f.clock.Now().Before(s.Start) && f.clock.Now().Before(s.End) {
				if _, err := f.svc.Assign(commander, s.ID, b.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.CheckIn(asUser(b), s.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if r := d.escalate(t); r.Breached != 1 {
			t.Errorf("solution breach: %+v", r)
		}
		if items := inboxOf(t, f, b); len(items) != 1 || items[0].Level != string(epiloop.ClockSolution) {
			t.Errorf("b's inbox: %+v, want the solution's breach", items)
		}
		if items := inboxOf(t, f, a); len(items) != 1 {
			t.Errorf("a's inbox: %d items, want still 1", len(items))
		}
	})
}

func TestDeskPauseMovesTheDueTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		tk := d.hotline(t, deskInput("WGFH"))
		due := tk.Clock(epiloop.ClockFirstResponse).Due
		f.clock.Add(10 * time.Minute)
		if _, err := f.svc.StepTicket(d.deptA, tk.ID, epiloop.TicketWait, "请补充营业执照副本"); err != nil {
			t.Fatal(err)
		}
		// Paused past its due time: nothing breaches.
		f.clock.Add(5 * time.Hour)
		if r := d.escalate(t); r.Breached != 0 {
			t.Errorf("a paused clock breached: %+v", r)
		}
		got, _ := f.svc.FindTicket(d.deptA, tk.ID)
		if st := got.Clock(epiloop.ClockFirstResponse).Status(f.clock.Now()); st != epiloop.ClockPaused {
			t.Errorf("status while waiting: %s", st)
		}
		// The enterprise answers on the tracking page: the clocks run
		// again, due later by the five hours paused.
		if _, err := f.svc.StepTicket(d.deptA, tk.ID, epiloop.TicketResume, "企业已补充"); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.FindTicket(d.deptA, tk.ID)
		c := got.Clock(epiloop.ClockFirstResponse)
		if !c.Due.Equal(due.Add(5*time.Hour)) || c.PausedTotal != 5*time.Hour || c.PausedSince != nil {
			t.Errorf("after the pause: due %v (want %v), paused %v", c.Due, due.Add(5*time.Hour), c.PausedTotal)
		}
		if sol := got.Clock(epiloop.ClockSolution); !sol.Due.Equal(tk.Clock(epiloop.ClockSolution).Due.Add(5 * time.Hour)) {
			t.Errorf("the solution's due time did not move: %v", sol.Due)
		}
		if got.State != epiloop.TicketNew {
			// Resumed before any response: back to work on it.
			if got.State != epiloop.TicketInProgress {
				t.Errorf("state after resume: %s", got.State)
			}
		}
	})
}

func TestDeskGreenChannelGoesToTheLeaderOnDuty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		chiefPost, users := dutyFixture(t, f, 1, 2)
		chief, leader := users[0], users[1]
		leaderPost := &epiloop.Post{NodeCode: "HQ", Kind: epiloop.PostLeaderOnDuty, Name: "带班领导", MinStaff: 1, MaxStaff: 1}
		if err := f.svc.CreatePost(commander, leaderPost); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			post int64
			u    *epiloop.User
		}{{chiefPost.ID, chief}, {leaderPost.ID, leader}} {
			slot := f.roster(t, x.post, epiloop.Shift24h, 1)[0]
			if _, err := f.svc.Assign(commander, slot.ID, x.u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.CheckIn(asUser(x.u), slot.ID); err != nil {
				t.Fatal(err)
			}
		}
		in := deskInput("WGFH")
		in.Project = "沈阳地铁三号线（重大项目 SY-2020-003）"
		tk := d.hotline(t, in)
		if !tk.Green || tk.LeaderUserID != leader.ID {
			t.Fatalf("green ticket: green %v, leader %d want %d", tk.Green, tk.LeaderUserID, leader.ID)
		}
		if items := inboxOf(t, f, leader); len(items) != 1 || items[0].Kind != epiloop.DutyItemDeskGreen {
			t.Errorf("the leader's inbox: %+v", items)
		}
		if items := inboxOf(t, f, chief); len(items) != 0 {
			t.Errorf("the chief's inbox: %+v", items)
		}
		// The shortest SLA: 30 minutes to respond, not the measure's 2 h.
		if got := tk.Clock(epiloop.ClockFirstResponse).Due.Sub(tk.CreatedAt); got != epiloop.GreenChannelSLA.FirstResponse {
			t.Errorf("first response in %v, want %v", got, epiloop.GreenChannelSLA.FirstResponse)
		}
		plain := d.hotline(t, deskInput("WGFH"))
		if got := plain.Clock(epiloop.ClockFirstResponse).Due.Sub(plain.CreatedAt); got != 2*time.Hour || plain.Green {
			t.Errorf("a plain ticket: %v green %v", got, plain.Green)
		}
		// Its breach goes to the leader too.
		f.clock.Add(31 * time.Minute)
		if r := d.escalate(t); r.Breached != 1 {
			t.Errorf("green breach: %+v", r)
		}
		if items := inboxOf(t, f, leader); len(items) != 2 || items[0].Kind != epiloop.DutyItemDeskBreached {
			t.Errorf("the leader's inbox after the breach: %+v", items)
		}
		figs, err := f.svc.DeskFigures(d.desk)
		if err != nil || figs.Counts[epiloop.MetricDeskGreenOpen] != 1 || figs.Counts[epiloop.MetricDeskBreached] != 1 {
			t.Errorf("figures: %+v %v", figs, err)
		}
	})
}

func TestDeskClosesOnlyWhenBothAgree(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		sub, err := f.svc.SubmitTicket(context.Background(), deskInput("SBHJ"), epiloop.SourceOnline)
		if err != nil {
			t.Fatal(err)
		}
		id := sub.Ticket.ID
		if _, err := f.svc.StepTicket(d.deptA, id, epiloop.TicketRespond, ""); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another department responds: %v", err)
		}
		if _, err := f.svc.StepTicket(d.deptB, id, epiloop.TicketSolve, ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("solved before a response: %v", err)
		}
		for _, a := range []epiloop.TicketAction{epiloop.TicketRespond, epiloop.TicketUpdate, epiloop.TicketSolve} {
			if _, err := f.svc.StepTicket(d.deptB, id, a, "已办理"); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		// Solved by the unit: not closed until the enterprise confirms.
		v, err := f.svc.Track(context.Background(), sub.Number, sub.Code)
		if err != nil || v.State != epiloop.TicketSolved || v.ClosedAt != nil || v.ConfirmBy == nil {
			t.Fatalf("solved, unconfirmed: %+v %v", v, err)
		}
		if _, err := f.svc.EnterpriseStep(context.Background(), sub.Number, sub.Code, epiloop.TicketReopen, ""); epiloop.ErrorField(err) != "reason" {
			t.Errorf("a reopening without a reason: %v", err)
		}
		if v, err = f.svc.EnterpriseStep(context.Background(), sub.Number, sub.Code, epiloop.TicketReopen, "缓缴手续仍未办完"); err != nil || v.State != epiloop.TicketInProgress {
			t.Fatalf("reopened: %+v %v", v, err)
		}
		if _, err := f.svc.EnterpriseStep(context.Background(), sub.Number, sub.Code, epiloop.TicketConfirm, ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("confirmed while not solved: %v", err)
		}
		if _, err := f.svc.StepTicket(d.deptB, id, epiloop.TicketSolve, "已办结"); err != nil {
			t.Fatal(err)
		}
		if v, err = f.svc.EnterpriseStep(context.Background(), sub.Number, sub.Code, epiloop.TicketConfirm, ""); err != nil || v.State != epiloop.TicketClosed || v.ClosedAt == nil {
			t.Fatalf("confirmed: %+v %v", v, err)
		}
		got, _ := f.svc.FindTicket(d.desk, id)
		if dec := got.Decide(); dec.State != epiloop.AgreementAgreed {
			t.Errorf("agreement: %+v", dec)
		}
	})
}

func TestDeskUnconfirmedClosesAfterTheWindow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		f.svc.DeskConfirmWindow = 3 * 24 * time.Hour
		tk := d.hotline(t, deskInput("WGFH"))
		for _, a := range []epiloop.TicketAction{epiloop.TicketRespond, epiloop.TicketSolve} {
			if _, err := f.svc.StepTicket(d.deptA, tk.ID, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Add(3*24*time.Hour - time.Minute)
		if r := d.escalate(t); r.Unconfirmed != 0 {
			t.Errorf("closed before the window: %+v", r)
		}
		f.clock.Add(2 * time.Minute)
		if r := d.escalate(t); r.Unconfirmed != 1 {
			t.Errorf("not closed after the window: %+v", r)
		}
		got, _ := f.svc.FindTicket(d.deptA, tk.ID)
		if got.State != epiloop.TicketUnconfirmed || got.ClosedAt == nil || got.State.Open() {
			t.Errorf("state %s closed %v", got.State, got.ClosedAt)
		}
		// Kept visible in the lists and the figures.
		st := epiloop.TicketUnconfirmed
		list, total, err := f.svc.FindTickets(d.desk, epiloop.TicketFilter{State: &st})
		if err != nil || total != 1 || list[0].ID != tk.ID {
			t.Errorf("unconfirmed list: %d %v", total, err)
		}
		figs, _ := f.svc.DeskFigures(d.desk)
		if figs.Counts[epiloop.MetricDeskUnconfirmed] != 1 || figs.Counts[epiloop.MetricDeskOpen] != 0 {
			t.Errorf("figures: %+v", figs.Counts)
		}
		if r := d.escalate(t); r.Unconfirmed != 0 {
			t.Errorf("closed twice: %+v", r)
		}
	})
}

func TestDeskTrackingRefusesAWrongCodeAlike(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		newDeskFixture(t, f)
		sub, err := f.svc.SubmitTicket(context.Background(), deskInput("SBHJ"), epiloop.SourceOnline)
		if err != nil {
			t.Fatal(err)
		}
		_, wrongCode := f.svc.Track(context.Background(), sub.Number, "ABCDEFGH")
		_, noNumber := f.svc.Track(context.Background(), "FW20200201000000", sub.Code)
		if epiloop.ErrorCode(wrongCode) != epiloop.ENOTFOUND || wrongCode.Error() != noNumber.Error() {
			t.Errorf("a wrong code %v, a wrong number %v: want the same refusal", wrongCode, noNumber)
		}
		v, err := f.svc.Track(context.Background(), " "+sub.Number+" ", sub.Code)
		if err != nil || v.CreditCode == validCredit || v.Enterprise == "" {
			t.Errorf("tracked: %+v %v", v, err)
		}
		if _, err := f.svc.EnterpriseStep(context.Background(), sub.Number, "WRONGCOD", epiloop.TicketConfirm, ""); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("a step with a wrong code: %v", err)
		}
	})
}

func TestDeskScopedPerRole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		a := d.hotline(t, deskInput("WGFH"))
		b := d.hotline(t, deskInput("SBHJ"))
		if _, err := f.svc.CreateHotlineTicket(d.deptA, deskInput("WGFH")); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a department types a hotline ticket: %v", err)
		}
		if _, err := f.svc.StepTicket(d.desk, a.ID, epiloop.TicketRespond, ""); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("the desk takes a unit's step: %v", err)
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
			want int
		}{{"desk", d.desk, 2}, {"commander", commander, 2}, {"dept A", d.deptA, 1}, {"dept B", d.deptB, 1}} {
			list, total, err := f.svc.FindTickets(c.ctx, epiloop.TicketFilter{})
			if err != nil || total != c.want || len(list) != c.want {
				t.Errorf("%s: %d tickets %v, want %d", c.name, total, err, c.want)
			}
			for _, x := range list {
				if x.Contact == "王经理" || x.Phone == "13904001234" {
					t.Errorf("%s: the list shows the contact in full", c.name)
				}
			}
		}
		if _, err := f.svc.FindTicket(d.deptA, b.ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("dept A reads B's ticket: %v", err)
		}
		if _, _, err := f.svc.FindTickets(station, epiloop.TicketFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a station reads the desk: %v", err)
		}
		c, err := f.svc.RevealTicket(d.deptA, a.ID, "电话回访企业")
		if err != nil || c.Phone != "13904001234" || c.Contact != "王经理" {
			t.Errorf("reveal: %+v %v", c, err)
		}
		if _, err := f.svc.RevealTicket(d.deptB, a.ID, "电话回访企业"); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("dept B reveals A's: %v", err)
		}
		// Figures: the city's add up to the units', a department's are
		// its own, and each agrees with a recount of the rows.
		for _, ctx := range []context.Context{d.desk, d.deptA} {
			figs, err := f.svc.DeskFigures(ctx)
			if err != nil {
				t.Fatal(err)
			}
			list, _, _ := f.svc.FindTickets(ctx, epiloop.TicketFilter{Limit: 1000})
			recount := map[string]int64{}
			for i := range list {
				for _, m := range epiloop.DeskContribution(&list[i], f.clock.Now()) {
					recount[m]++
				}
			}
			for _, m := range epiloop.DeskMetrics {
				if figs.Counts[m] != recount[m] {
					t.Errorf("%s: %d, recount %d", m, figs.Counts[m], recount[m])
				}
			}
		}
	})
}

func TestDeskAppointmentRefusesAFullSlot(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		d := newDeskFixture(t, f)
		slot := &epiloop.DeskSlot{Date: "2020-02-03", Window: "人社窗口1", Start: "09:00", End: "09:30", Capacity: 1}
		if err := f.svc.SaveDeskSlot(d.desk, slot); err != nil {
			t.Fatal(err)
		}
		in := deskInput("WGFH")
		in.SlotID = slot.ID
		if _, err := f.svc.SubmitTicket(context.Background(), in, epiloop.SourceAppointment); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SubmitTicket(context.Background(), in, epiloop.SourceAppointment); epiloop.ErrorField(err) != "slot_id" {
			t.Errorf("a full slot booked: %v", err)
		}
		// 社保缓缴 is online only.
		in.Measure = "SBHJ"
		if _, err := f.svc.SubmitTicket(context.Background(), in, epiloop.SourceAppointment); epiloop.ErrorField(err) != "measure" {
			t.Errorf("an online-only measure by appointment: %v", err)
		}
	})
}

// TestDeskReportSection reads the desk's section of today's report: each
// district's open requests as a recount of its rows, the city's their
// sum.
func TestDeskReportSection(t *testing.T) {
	f := newFixture(t)
	d := newDeskFixture(t, f)
	want := map[string]int{heping: 2, shenhe: 1}
	for district, n := range want {
		for range n {
			in := deskInput("WGFH")
			in.District = district
			d.hotline(t, in)
		}
	}
	rep, err := f.svc.DailyReport(commander, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range rep.Sections {
		found = found || s.Key == loop.ReportDesk
	}
	if !found {
		t.Fatalf("sections %+v: no desk section", rep.Sections)
	}
	for _, row := range rep.Rows {
		w, ok := want[row.Code]
		if row.Code == "2101" {
			w, ok = 3, true
		}
		if ok && row.Values[epiloop.MetricDeskOpen] != fmt.Sprint(w) {
			t.Errorf("%s: %s open, want %d", row.Code, row.Values[epiloop.MetricDeskOpen], w)
		}
	}
}

// atRestDesk stores a desk request's personal data, each marked, for the
// at-rest tests.
func atRestDesk(f *fixture, mark func(string) string) error {
	err := f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		return tx.UpsertUnits([]epiloop.Unit{{Code: deptRS, Kind: epiloop.UnitDepartment, Name: "市人社局"}})
	})
	if err != nil {
		return err
	}
	if err := f.svc.SaveMeasure(commander, &epiloop.ServiceMeasure{Code: "WGFH", Name: "稳岗返还", Mode: epiloop.DeskBoth,
		UnitCode: deptRS, FirstResponseMin: 60, UpdateEveryMin: 240, SolutionMin: 2880, Active: true}); err != nil {
		return err
	}
	in := deskInput("WGFH")
	in.Contact, in.Phone, in.Detail = mark("诸葛企联"), mark("13907770777"), mark("企业秘密诉求七七七")
	sub, err := f.svc.SubmitTicket(context.Background(), in, epiloop.SourceOnline)
	if err != nil {
		return err
	}
	_, err = f.svc.StepTicket(commander, sub.Ticket.ID, epiloop.TicketWait, mark("请补充秘密材料七七"))
	return err
}
