package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testDesk pins the service desk's storage: a measure is replaced by its
// code; a ticket round-trips with its sealed contact, its parties' words
// and its three clocks (a pause, a met and a breached time, the paused
// total); the filters (unit, state, open, green, breached, solved before)
// select alike; the due clocks are the running ones past due; a slot
// refuses a booking once full; a number is unique.
func testDesk(t *testing.T, s epiloop.Store) {
	m := &epiloop.ServiceMeasure{Code: "M01", Name: "稳岗返还", Mode: epiloop.DeskOnline, UnitCode: "DEPT1",
		FirstResponseMin: 60, UpdateEveryMin: 240, SolutionMin: 2880, Active: true, UpdatedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpsertUnits([]epiloop.Unit{{Code: "DEPT1", Kind: epiloop.UnitDepartment, Name: "市人社局"},
			{Code: "DEPT2", Kind: epiloop.UnitDepartment, Name: "市税务局"}}); err != nil {
			return err
		}
		return tx.SaveMeasure(m)
	})
	again := *m
	again.Name, again.UnitCode, again.SolutionMin = "稳岗返还（失业保险）", "DEPT2", 1440
	if err := again.Validate(); err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx epiloop.Tx) error { return tx.SaveMeasure(&again) })
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindMeasureByCode("M01")
		if err != nil || got.ID != m.ID || got.UnitCode != "DEPT2" || got.UnitName != "市税务局" || got.SLA.Solution != 24*time.Hour {
			t.Errorf("measure replaced by code: %+v %v", got, err)
		}
		return nil
	})
	in := epiloop.TicketInput{Measure: "M01", District: "210102", Enterprise: "沈阳某机械有限公司",
		CreditCode: "91210100MA0Y6XXXX", Contact: "王经理", Phone: "13800138000", Detail: "申请稳岗返还，材料已备齐"}
	mk := func(number string, green bool, state epiloop.TicketState, created time.Time) *epiloop.Ticket {
		in := in
		if green {
			in.Project = "沈阳地铁三号线"
		}
		tk := epiloop.NewTicket(&again, in, epiloop.SourceOnline, created)
		tk.Number, tk.CodeHash, tk.State = number, []byte{1, 2, 3}, state
		return tk
	}
	a := mk("FW0001", false, epiloop.TicketNew, at(0))
	b := mk("FW0002", true, epiloop.TicketInProgress, at(time.Hour))
	c := mk("FW0003", false, epiloop.TicketSolved, at(2*time.Hour))
	paused, met, breached := at(30*time.Minute), at(40*time.Minute), at(3*time.Hour)
	b.Clock(epiloop.ClockFirstResponse).MetAt = &met
	b.Clock(epiloop.ClockSolution).PausedSince = &paused
	b.Clock(epiloop.ClockSolution).PausedTotal = 90 * time.Minute
	b.Clock(epiloop.ClockNextUpdate).Due = at(2 * time.Hour)
	b.Clock(epiloop.ClockNextUpdate).BreachedAt = &breached
	solvedAt := at(4 * time.Hour)
	c.Solved, c.SolvedAt = &epiloop.DeskReport{UserID: 7, At: solvedAt, Solved: true}, &solvedAt
	update(t, s, func(tx epiloop.Tx) error {
		for _, tk := range []*epiloop.Ticket{a, b, c} {
			if err := tx.CreateTicket(tk); err != nil {
				return err
			}
		}
		return tx.AddTicketStep(b.ID, &epiloop.TicketStep{Action: epiloop.TicketRespond, UserID: 7, At: met, Note: "已电话联系"})
	})
	updateCode(t, s, "a taken number", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.CreateTicket(mk("FW0001", false, epiloop.TicketNew, at(0))) })
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindTicketByNumber("FW0002")
		if err != nil {
			return err
		}
		want := *b
		want.UnitName, want.Steps = "市税务局", got.Steps
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("ticket:\n got %+v\nwant %+v", got, &want)
		}
		if len(got.Steps) != 1 || got.Steps[0].Note != "已电话联系" || got.Steps[0].Action != epiloop.TicketRespond {
			t.Errorf("steps: %+v", got.Steps)
		}
		gc, err := tx.FindTicketByID(c.ID, false)
		if err != nil || gc.Solved == nil || !gc.Solved.Solved || gc.Solved.UserID != 7 || gc.Confirmed != nil {
			t.Errorf("solved ticket: %+v %v", gc, err)
		}
		return nil
	})
	green, solved := epiloop.TicketSolved, at(5*time.Hour)
	unit1 := "DEPT1"
	for _, tc := range []struct {
		name string
		f    epiloop.TicketFilter
		want []string
	}{
		{"all", epiloop.TicketFilter{}, []string{"FW0003", "FW0002", "FW0001"}},
		{"green", epiloop.TicketFilter{Green: true}, []string{"FW0002"}},
		{"breached", epiloop.TicketFilter{Breached: true}, []string{"FW0002"}},
		{"state", epiloop.TicketFilter{State: &green}, []string{"FW0003"}},
		{"solved before", epiloop.TicketFilter{SolvedBefore: &solved}, []string{"FW0003"}},
		{"another unit", epiloop.TicketFilter{Unit: &unit1}, nil},
		{"page", epiloop.TicketFilter{Offset: 1, Limit: 1}, []string{"FW0002"}},
	} {
		view(t, s, func(tx epiloop.Tx) error {
			ts, total, err := tx.FindTickets(tc.f)
			var got []string
			for _, x := range ts {
				got = append(got, x.Number)
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) || (tc.f.Limit == 0 && total != len(tc.want)) {
				t.Errorf("%s: %v (%d) %v, want %v", tc.name, got, total, err, tc.want)
			}
			return nil
		})
	}
	update(t, s, func(tx epiloop.Tx) error {
		locked, err := tx.FindTicketByID(c.ID, true)
		if err != nil || locked.Number != "FW0003" {
			t.Errorf("locked: %+v %v", locked, err)
		}
		return err
	})
	view(t, s, func(tx epiloop.Tx) error {
		// a's first response is due at 1 h; b's update clock is recorded
		// breached and its solution paused; c's clocks run to 24 h.
		due, err := tx.FindDueClocks(at(90*time.Minute), 10)
		if err != nil || !reflect.DeepEqual(due, []epiloop.DueClock{{TicketID: a.ID, Kind: epiloop.ClockFirstResponse}}) {
			t.Errorf("due clocks: %+v %v", due, err)
		}
		all, err := tx.DeskTickets(nil, a.ID, 10)
		if err != nil || len(all) != 2 || all[0].ID != b.ID || len(all[0].Clocks) != 3 {
			t.Errorf("desk tickets after a: %+v %v", all, err)
		}
		return nil
	})
	slot := &epiloop.DeskSlot{Date: "2020-02-03", Window: "1号窗口", Start: "09:00", End: "09:30", Capacity: 1}
	update(t, s, func(tx epiloop.Tx) error { return tx.SaveDeskSlot(slot) })
	update(t, s, func(tx epiloop.Tx) error { return tx.BookDeskSlot(slot.ID) })
	updateCode(t, s, "a full slot", epiloop.EINVALID, func(tx epiloop.Tx) error { return tx.BookDeskSlot(slot.ID) })
	updateCode(t, s, "a capacity below the booked", epiloop.EINVALID, func(tx epiloop.Tx) error {
		return tx.SaveDeskSlot(&epiloop.DeskSlot{Date: "2020-02-03", Window: "1号窗口", Start: "09:00", End: "09:30", Capacity: 0})
	})
	view(t, s, func(tx epiloop.Tx) error {
		ss, err := tx.FindDeskSlots("2020-02-01", "2020-02-07")
		if err != nil || len(ss) != 1 || ss[0].Booked != 1 || !ss[0].Full() {
			t.Errorf("slots: %+v %v", ss, err)
		}
		return nil
	})
}
