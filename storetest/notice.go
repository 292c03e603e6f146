package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testNotices pins the outbox of notices: one notice per key, a claim
// leases a due notice from every other claim until the lease lapses, an
// attempt moves it and is logged, and the producer's cursor only moves
// forward.
func testNotices(t *testing.T, s epiloop.Store) {
	n := &epiloop.Notice{Kind: epiloop.NoticeUrgentLead, EventID: 12, Target: "210102", Channel: "webhook",
		Address: "https://duty.example/hook", Key: epiloop.NoticeKey(12, "webhook", "https://duty.example/hook"),
		Payload:       epiloop.NoticePayload{Kind: epiloop.NoticeUrgentLead, EventID: 12, LeadID: 3, Target: "210102", Priority: "urgent"},
		NextAttemptAt: local(at(0)), CreatedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error {
		created, err := tx.CreateNotice(n)
		diff(t, "created", created, true)
		if err != nil {
			return err
		}
		again := *n
		again.ID = 0
		created, err = tx.CreateNotice(&again)
		diff(t, "created again with the same key", created, false)
		return err
	})
	claim := func(now time.Time) (ns []*epiloop.Notice) {
		t.Helper()
		update(t, s, func(tx epiloop.Tx) (err error) {
			ns, err = tx.ClaimNotices(now, time.Minute, 10)
			return err
		})
		return ns
	}
	if got := claim(at(-time.Second)); len(got) != 0 {
		t.Errorf("claimed %d notices before they were due", len(got))
	}
	got := claim(at(time.Second))
	want := *n
	want.Status, want.NextAttemptAt, want.LeaseUntil = epiloop.NoticePending, at(0), at(time.Minute+time.Second)
	if len(got) != 1 {
		t.Fatalf("claimed %d notices, want 1", len(got))
	}
	diff(t, "claimed notice", *got[0], want)
	if again := claim(at(30 * time.Second)); len(again) != 0 {
		t.Errorf("claimed a leased notice again")
	}
	got = claim(at(2 * time.Minute))
	if len(got) != 1 {
		t.Fatalf("claimed %d notices after the lease, want 1", len(got))
	}
	c := got[0]
	c.Status, c.Attempts, c.LastError = epiloop.NoticeDelivered, 1, ""
	a := epiloop.NoticeAttempt{NoticeID: c.ID, Time: at(2 * time.Minute), Status: 204, Duration: 15 * time.Millisecond}
	update(t, s, func(tx epiloop.Tx) error { return tx.RecordNoticeAttempt(c, a) })
	if again := claim(at(time.Hour)); len(again) != 0 {
		t.Errorf("claimed a delivered notice")
	}
	delivered := epiloop.NoticeDelivered
	view(t, s, func(tx epiloop.Tx) error {
		log, err := tx.FindNoticeAttempts(c.ID)
		diff(t, "delivery log", log, []epiloop.NoticeAttempt{a})
		if err != nil {
			return err
		}
		ns, total, err := tx.FindNotices(epiloop.NoticeFilter{Status: &delivered})
		diff(t, "delivered notices", total, 1)
		if err == nil && len(ns) == 1 {
			diff(t, "attempts", ns[0].Attempts, 1)
			diff(t, "lease released", ns[0].LeaseUntil, time.Time{})
		}
		return err
	})
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.SetNoticeCursor(40); err != nil {
			return err
		}
		if err := tx.SetNoticeCursor(30); err != nil {
			return err
		}
		cur, err := tx.NoticeCursor()
		diff(t, "cursor", cur, int64(40))
		return err
	})
}
