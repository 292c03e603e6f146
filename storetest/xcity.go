package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testXCity pins the hand-over between cities: peers, hand-over records
// (sealed fields round-trip, one per message id), the outbox's lease (one
// claimer per message until the lease ends, none once delivered) and the
// receipts that tell a replay from a redelivery.
func testXCity(t *testing.T, s epiloop.Store) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	k, err := epiloop.NewCityKeys()
	if err != nil {
		t.Fatal(err)
	}
	peer := epiloop.Peer{City: "210200", Name: "大连市", URL: "https://dl.example", Key: k.PublicKey(), CreatedAt: now}
	update(t, s, func(tx epiloop.Tx) error { return tx.UpsertPeer(&peer) })
	peer.URL = "https://dalian.example"
	update(t, s, func(tx epiloop.Tx) error { return tx.UpsertPeer(&peer) })
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindPeer("210200")
		if err != nil {
			return err
		}
		diff(t, "peer", *got, peer)
		ps, err := tx.FindPeers()
		diff(t, "peers", len(ps), 1)
		return err
	})
	viewCode(t, s, "unknown peer", epiloop.ENOTFOUND, func(tx epiloop.Tx) error { _, err := tx.FindPeer("210300"); return err })

	h := &epiloop.XCityHandover{Direction: epiloop.XCityOut, MessageID: "m1", PeerCity: "210200", State: epiloop.XCityPending,
		LeadID: 42, DistrictCode: "210102", Person: epiloop.Person{Name: "张三", IDNumber: "210102199001010017", Phone: "13800000000"},
		Reason: epiloop.Reason{Origin: "420100", Note: "密接"}, Destination: "大连市中山区人民路1号", CreatedAt: now, UpdatedAt: now}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateXCityHandover(h) })
	dup := *h
	dup.ID = 0
	updateCode(t, s, "same message id", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.CreateXCityHandover(&dup) })
	in := &epiloop.XCityHandover{Direction: epiloop.XCityIn, MessageID: "m1", PeerCity: "210200", State: epiloop.XCityReceived,
		RemoteLead: 9, Person: epiloop.Person{Name: "李四"}, CreatedAt: now, UpdatedAt: now}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateXCityHandover(in) })

	h.State, h.Refusal = epiloop.XCityRefused, "不在本市"
	h.Result = &epiloop.XCityResult{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureHomeObservation, ClosedAt: now}
	h.UpdatedAt = now.Add(time.Minute)
	update(t, s, func(tx epiloop.Tx) error { return tx.UpdateXCityHandover(h) })
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindXCityHandover(h.ID, false)
		if err != nil {
			return err
		}
		diff(t, "hand-over", *got, *h)
		byMsg, err := tx.FindXCityHandoverByMessage(epiloop.XCityIn, "210200", "m1", false)
		if err != nil {
			return err
		}
		diff(t, "by message", byMsg.ID, in.ID)
		byLead, err := tx.FindXCityHandoverByLead(epiloop.XCityOut, 42, false)
		if err != nil {
			return err
		}
		diff(t, "by lead", byLead.ID, h.ID)
		out := epiloop.XCityOut
		list, total, err := tx.FindXCityHandovers(epiloop.XCityFilter{Direction: &out})
		if err != nil {
			return err
		}
		diff(t, "outgoing", total, 1)
		diff(t, "outgoing person", list[0].Person, h.Person)
		d := "210102"
		c, err := tx.CountXCity(&d)
		if err != nil {
			return err
		}
		diff(t, "district counts", c, epiloop.XCityCounts{epiloop.XCityOut: {epiloop.XCityRefused: 1}})
		c, err = tx.CountXCity(nil)
		diff(t, "received", c.Get(epiloop.XCityIn, epiloop.XCityReceived), 1)
		return err
	})
	viewCode(t, s, "no hand-over of a lead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindXCityHandoverByLead(epiloop.XCityIn, 42, false)
		return err
	})

	m := &epiloop.XCityMessage{HandoverID: h.ID, MessageID: "m1", Kind: epiloop.XCityHandOver, PeerCity: "210200",
		Sealed: []byte{0, 1, 2, 255}, NextAt: now, CreatedAt: now}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateXCityMessage(m) })
	claim := func(at time.Time) (ms []epiloop.XCityMessage) {
		update(t, s, func(tx epiloop.Tx) (err error) {
			ms, err = tx.ClaimXCityMessages(at, at.Add(epiloop.XCityLease), 10)
			return err
		})
		return ms
	}
	if got := claim(now.Add(-time.Second)); len(got) != 0 {
		t.Errorf("claimed %d messages before they were due", len(got))
	}
	got := claim(now)
	if len(got) != 1 || string(got[0].Sealed) != string(m.Sealed) {
		t.Fatalf("claim: %+v", got)
	}
	if again := claim(now.Add(time.Second)); len(again) != 0 {
		t.Errorf("a leased message was claimed again: %d", len(again))
	}
	if after := claim(now.Add(epiloop.XCityLease + time.Second)); len(after) != 1 || after[0].Attempts != 0 {
		t.Errorf("after the lease: %+v", after)
	}
	done := now.Add(2 * time.Minute)
	got[0].DeliveredAt, got[0].Attempts, got[0].ClaimedUntil = &done, 1, nil
	update(t, s, func(tx epiloop.Tx) error { return tx.UpdateXCityMessage(&got[0]) })
	if after := claim(now.Add(time.Hour)); len(after) != 0 {
		t.Errorf("a delivered message was claimed: %d", len(after))
	}
	view(t, s, func(tx epiloop.Tx) error {
		ms, err := tx.FindXCityMessages(h.ID)
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].DeliveredAt == nil || !ms[0].DeliveredAt.Equal(done) || ms[0].Attempts != 1 {
			t.Errorf("messages: %+v", ms)
		}
		return nil
	})

	receipt := func(msg, fp string) (replay, seen bool) {
		update(t, s, func(tx epiloop.Tx) (err error) {
			replay, seen, err = tx.AddXCityReceipt("210200", msg, fp, now)
			return err
		})
		return
	}
	for _, c := range []struct {
		msg, fp      string
		replay, seen bool
	}{{"m1", "a", false, false}, {"m1", "b", false, true}, {"m1", "a", true, true}, {"m2", "c", false, false}} {
		if r, sn := receipt(c.msg, c.fp); r != c.replay || sn != c.seen {
			t.Errorf("receipt %s/%s: replay %v seen %v, want %v %v", c.msg, c.fp, r, sn, c.replay, c.seen)
		}
	}
	// Retention: the refused hand-over (ended) is blanked, the received
	// one (waiting) kept; the delivered message's body dropped.
	var purged int
	update(t, s, func(tx epiloop.Tx) (err error) {
		purged, err = tx.PurgeXCity(now.Add(time.Hour))
		return err
	})
	diff(t, "purged", purged, 1)
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindXCityHandover(h.ID, false)
		if err != nil {
			return err
		}
		diff(t, "purged person", got.Person, epiloop.Person{})
		diff(t, "purged destination", got.Destination, "")
		kept, err := tx.FindXCityHandover(in.ID, false)
		diff(t, "kept person", kept.Person.Name, "李四")
		ms, err := tx.FindXCityMessages(h.ID)
		diff(t, "purged body", len(ms[0].Sealed), 0)
		return err
	})
	update(t, s, func(tx epiloop.Tx) error { return tx.DeletePeer("210200") })
	updateCode(t, s, "delete again", epiloop.ENOTFOUND, func(tx epiloop.Tx) error { return tx.DeletePeer("210200") })
}
