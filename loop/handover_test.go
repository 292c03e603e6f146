package loop_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// asUser is a context acting as u.
func asUser(u *epiloop.User) context.Context {
	return epiloop.NewContextWithUser(context.Background(), u)
}

func figures(c, o, a int) epiloop.HandoverReport {
	return epiloop.HandoverReport{OpenConflicts: &c, OverdueTasks: &o, Alerts: &a}
}

func TestHandoverClosesOnBothConfirmationsAndEscalatesWhenLate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p, users := dutyFixture(t, f, 1, 4)
		a, b, outsider, leader := users[0], users[1], users[2], users[3]
		hq, err := f.svc.FindCommandNode(commander, "HQ")
		if err != nil {
			t.Fatal(err)
		}
		node := hq.CommandNode
		node.LeaderUserID = leader.ID
		if err := f.svc.SaveCommandNode(commander, &node); err != nil {
			t.Fatal(err)
		}
		// 12-hour slots: 08–20 and 20–08 China Standard Time, two days.
		slots := f.roster(t, p.ID, epiloop.Shift12h, 2)
		for i, u := range []*epiloop.User{a, b, a} {
			if _, err := f.svc.Assign(commander, slots[i].ID, u.ID); err != nil {
				t.Fatalf("assign slot %d: %v", i, err)
			}
		}
		boundary := slots[0].End // a hands over to b

		f.clock.Set(boundary.Add(-3 * time.Hour))
		_, err = f.svc.ConfirmHandover(asUser(a), p.ID, boundary, figures(1, 2, 0))
		if e, _ := err.(*epiloop.Error); e == nil || e.Reason != "handover_window" {
			t.Errorf("3 h early: %v, want the window refused", err)
		}

		f.clock.Set(boundary.Add(-10 * time.Minute))
		mine, err := f.svc.MyHandovers(asUser(a))
		if err != nil || len(mine) != 1 || mine[0].Party != epiloop.PartyOutgoing || !mine[0].Boundary.Equal(boundary) {
			t.Fatalf("a's hand-overs: %+v, %v; want one, outgoing at %v", mine, err, boundary)
		}
		if _, err := f.svc.ConfirmHandover(asUser(a), p.ID, boundary, epiloop.HandoverReport{}); epiloop.ErrorField(err) != "open_conflicts" {
			t.Errorf("no figures: %v, want open_conflicts required", err)
		}
		h, err := f.svc.ConfirmHandover(asUser(a), p.ID, boundary, figures(1, 2, 0))
		if err != nil || h.State != epiloop.AgreementWaiting || h.ClosedAt != nil {
			t.Fatalf("outgoing confirmed: %+v, %v; want waiting", h, err)
		}
		if _, err := f.svc.ConfirmHandover(asUser(outsider), p.ID, boundary, figures(1, 2, 0)); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("an outsider confirmed: %v, want forbidden", err)
		}
		theirs, _ := f.svc.MyHandovers(asUser(b))
		if len(theirs) != 1 || theirs[0].Party != epiloop.PartyIncoming || theirs[0].Outgoing == nil {
			t.Fatalf("b's hand-overs: %+v; want incoming with a's report", theirs)
		}
		h, err = f.svc.ConfirmHandover(asUser(b), p.ID, boundary, figures(1, 3, 0))
		if err != nil || h.State != epiloop.AgreementDisputed || h.ClosedAt != nil ||
			len(h.Reasons) != 1 || h.Reasons[0] != epiloop.ReasonHandoverOverdue {
			t.Fatalf("differing figures: %+v, %v; want disputed on overdue tasks", h, err)
		}
		h, err = f.svc.ConfirmHandover(asUser(b), p.ID, boundary, figures(1, 2, 0))
		if err != nil || h.State != epiloop.AgreementAgreed || h.ClosedAt == nil {
			t.Fatalf("corrected: %+v, %v; want closed", h, err)
		}
		if _, err := f.svc.ConfirmHandover(asUser(a), p.ID, boundary, figures(0, 0, 0)); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("confirm after closing: %v, want conflict", err)
		}

		// The next boundary (b to a) is never confirmed: 30 minutes after
		// it escalates, once, to the node's leader.
		late := slots[1].End
		f.clock.Set(late.Add(epiloop.HandoverGrace - time.Minute))
		if n, err := f.svc.EscalateHandovers(context.Background()); n != 0 || err != nil {
			t.Fatalf("29 minutes late: %d escalated (%v), want 0", n, err)
		}
		f.clock.Set(late.Add(epiloop.HandoverGrace + time.Minute))
		if n, err := f.svc.EscalateHandovers(context.Background()); n != 1 || err != nil {
			t.Fatalf("31 minutes late: %d escalated (%v), want 1 (the closed one and the slot no one held stay quiet)", n, err)
		}
		if n, _ := f.svc.EscalateHandovers(context.Background()); n != 0 {
			t.Errorf("escalated again: %d", n)
		}
		// The dashboard's duty tiles: one gap ahead (the last night no one
		// holds), the late hand-over; an assignment fills the gap at once.
		tiles, err := f.svc.DutyFigures(commander)
		if err != nil || tiles.Gaps != 1 || tiles.HandoversOverdue != 1 {
			t.Errorf("duty tiles %+v, %v; want 1 gap and 1 late hand-over", tiles, err)
		}
		if _, err := f.svc.Assign(commander, slots[3].ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if tiles, _ := f.svc.DutyFigures(commander); tiles.Gaps != 0 {
			t.Errorf("after the gap was filled the tile says %d gaps", tiles.Gaps)
		}
		if tiles, _ := f.svc.DutyFigures(asUser(leader)); tiles.MyInbox != 1 {
			t.Errorf("the leader's inbox tile: %d, want 1", tiles.MyInbox)
		}
		items, err := f.svc.DutyInbox(asUser(leader), true)
		if err != nil || len(items) != 1 || items[0].Kind != epiloop.DutyItemHandoverOverdue || items[0].HandoverID == 0 {
			t.Fatalf("leader's inbox: %+v, %v; want the overdue hand-over", items, err)
		}
		if err := f.svc.DoneDutyItem(asUser(a), items[0].ID); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another person closed the leader's item: %v", err)
		}
		if err := f.svc.DoneDutyItem(asUser(leader), items[0].ID); err != nil {
			t.Fatal(err)
		}
		if open, _ := f.svc.DutyInbox(asUser(leader), true); len(open) != 0 {
			t.Errorf("open items after done: %d", len(open))
		}
		// The overdue event makes a notice for the leader.
		var notice *epiloop.NoticePayload
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, _ := tx.FindEventsAfter(0, 1000)
			for _, e := range es {
				if e.Kind == epiloop.EventHandoverOverdue {
					if p, ok := epiloop.NoticeFor(e); ok {
						notice = &p
					}
				}
			}
			return nil
		})
		if notice == nil || notice.Kind != epiloop.NoticeHandoverOverdue || notice.DutyUser != leader.ID || notice.Target != epiloop.TargetHQ {
			t.Errorf("notice of the overdue hand-over: %+v; want handover_overdue to the leader at HQ", notice)
		}
		// The incoming officer may still close it late.
		if _, err := f.svc.ConfirmHandover(asUser(b), p.ID, late, figures(0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		h, err = f.svc.ConfirmHandover(asUser(a), p.ID, late, figures(0, 0, 0))
		if err != nil || h.ClosedAt == nil || h.EscalatedAt == nil {
			t.Errorf("closed late: %+v, %v", h, err)
		}
	})
}

func TestEscalationReachesThePersonOnDuty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		_, users := dutyFixture(t, f, 1, 2)
		a, b := users[0], users[1]
		sub := &epiloop.CommandNode{Code: "SUB-HP", Kind: epiloop.NodeSubCommand, Name: "和平区分指挥部", ParentCode: "HQ",
			DistrictCode: heping, Leader: "孙岚"}
		if err := f.svc.SaveCommandNode(commander, sub); err != nil {
			t.Fatal(err)
		}
		chief := &epiloop.Post{NodeCode: "SUB-HP", Kind: epiloop.PostDutyChief, Name: "值班长", MinStaff: 1, MaxStaff: 2}
		if err := f.svc.CreatePost(commander, chief); err != nil {
			t.Fatal(err)
		}
		slot := f.roster(t, chief.ID, epiloop.Shift24h, 1)[0]
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
		first := f.lead(id1, addrHome, epiloop.Reason{})
		f.clock.Add(time.Hour)
		second := f.lead(id2, addrHome, epiloop.Reason{})
		// Normal priority: the unit is told at the 4-hour deadline, the
		// district 4 hours later.
		for _, step := range []time.Duration{3 * time.Hour, time.Hour, 3 * time.Hour} {
			f.clock.Add(step)
			if _, err := f.svc.Escalate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// 8 h after the first lead: its two tasks are the district's.
		inbox := func(u *epiloop.User) []epiloop.DutyItem {
			t.Helper()
			items, err := f.svc.DutyInbox(asUser(u), true)
			if err != nil {
				t.Fatal(err)
			}
			return items
		}
		if got := inbox(a); len(got) != 2 || got[0].LeadID != first.ID || got[0].Level != "district" || got[0].NodeCode != "SUB-HP" {
			t.Fatalf("a's inbox: %+v; want the first lead's two district escalations", got)
		}
		// The roster changes: b takes the post. The second lead's
		// escalation an hour later follows it.
		if _, err := f.svc.Unassign(commander, slot.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		onDuty(b)
		f.clock.Add(time.Hour)
		if _, err := f.svc.Escalate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := inbox(b); len(got) != 2 || got[0].LeadID != second.ID {
			t.Errorf("b's inbox: %+v; want the second lead's two escalations", got)
		}
		if got := inbox(a); len(got) != 2 {
			t.Errorf("a's inbox: %d items after leaving the post, want still 2", len(got))
		}
		// The escalation's event names who it reached, for the notifier.
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, _ := tx.FindLeadEvents(second.ID)
			reached := 0
			for _, e := range es {
				var d struct {
					Level    string `json:"level"`
					DutyUser int64  `json:"duty_user"`
				}
				json.Unmarshal(e.Data, &d)
				if e.Kind == epiloop.EventTaskEscalated && d.Level == "district" {
					if p, _ := epiloop.NoticeFor(e); p.DutyUser != b.ID {
						t.Errorf("notice of the district escalation for %d, want %d", p.DutyUser, b.ID)
					}
					reached++
				}
			}
			if reached != 2 {
				t.Errorf("%d district escalation events, want 2", reached)
			}
			return nil
		})
		// Who is on duty for the notifier: the district's chief, b.
		if u, _, err := f.svc.OnDutyFor(context.Background(), heping); err != nil || u != b.ID {
			t.Errorf("on duty for %s: %d (%v), want %d", heping, u, err, b.ID)
		}
		f.checkCounters()
	})
}
