package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testStreamPositions pins the positions of the event outbox's publishers:
// the first claim creates the position at 0, a running lease keeps every
// other holder out until it lapses or is released, the position only
// moves forward, and a holder that lost its lease can no longer advance.
func testStreamPositions(t *testing.T, s epiloop.Store) {
	const name = "nats:EPILOOP_2101"
	lease := 30 * time.Second
	claim := func(holder string, now time.Time) (*epiloop.StreamPosition, bool) {
		t.Helper()
		var (
			pos *epiloop.StreamPosition
			ok  bool
		)
		update(t, s, func(tx epiloop.Tx) (err error) {
			pos, ok, err = tx.ClaimStream(name, holder, now, now.Add(lease))
			return err
		})
		return pos, ok
	}
	viewCode(t, s, "position before any claim", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindStreamPosition(name)
		return err
	})
	pos, ok := claim("a", at(0))
	if !ok || pos.LastEventID != 0 || pos.Holder != "a" || !pos.LeaseUntil.Equal(at(lease)) {
		t.Fatalf("first claim: %+v %v", pos, ok)
	}
	if pos, ok := claim("b", at(10*time.Second)); ok || pos.Holder != "a" {
		t.Errorf("claim during another's lease: %+v %v, want refused", pos, ok)
	}
	update(t, s, func(tx epiloop.Tx) error {
		return tx.AdvanceStream(name, "a", 40, at(20*time.Second), at(50*time.Second))
	})
	// Never back: a late batch's commit leaves a further position as it is.
	update(t, s, func(tx epiloop.Tx) error {
		return tx.AdvanceStream(name, "a", 25, at(21*time.Second), at(51*time.Second))
	})
	if pos, ok := claim("a", at(22*time.Second)); !ok || pos.LastEventID != 40 {
		t.Errorf("renewal by the holder: %+v %v, want ok at 40", pos, ok)
	}
	// The lease (renewed to 52 s) lapses; b takes over where a got to.
	if _, ok := claim("b", at(51*time.Second)); ok {
		t.Error("claim before the renewed lease lapsed succeeded")
	}
	pos, ok = claim("b", at(52*time.Second))
	if !ok || pos.Holder != "b" || pos.LastEventID != 40 {
		t.Fatalf("takeover: %+v %v", pos, ok)
	}
	updateCode(t, s, "advance by the former holder", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.AdvanceStream(name, "a", 60, at(53*time.Second), at(83*time.Second))
	})
	// A release by someone else changes nothing; b's own lets a in at once.
	update(t, s, func(tx epiloop.Tx) error { return tx.ReleaseStream(name, "a", at(54*time.Second)) })
	if _, ok := claim("a", at(55*time.Second)); ok {
		t.Error("claim after a release by a non-holder succeeded")
	}
	update(t, s, func(tx epiloop.Tx) error { return tx.ReleaseStream(name, "b", at(56*time.Second)) })
	if pos, ok := claim("a", at(57*time.Second)); !ok || pos.LastEventID != 40 {
		t.Errorf("claim after release: %+v %v", pos, ok)
	}
	// Positions are independent by name.
	update(t, s, func(tx epiloop.Tx) error {
		other, ok, err := tx.ClaimStream("nats:OTHER", "b", at(58*time.Second), at(88*time.Second))
		if err == nil && (!ok || other.LastEventID != 0) {
			t.Errorf("second position: %+v %v", other, ok)
		}
		return err
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindStreamPosition(name)
		if err == nil && (got.LastEventID != 40 || got.Holder != "a" || !got.UpdatedAt.Equal(at(57*time.Second))) {
			t.Errorf("position: %+v", got)
		}
		return err
	})
}
