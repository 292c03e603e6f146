package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedDesk seeds the desk's demo and reads it as the desk would: the
// 25 measures, the coming week's slots, about 300 requests mostly closed
// and confirmed, some closed unconfirmed, open ones with a breached
// clock, two on the green channel, and figures that agree with the rows.
func TestSeedDesk(t *testing.T) {
	now := time.Date(2020, 2, 21, 2, 0, 0, 0, time.UTC)
	svc, cmd := seedCommandAt(t, now)
	_, districts, err := communities(context.Background(), svc.Store)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := seedDesk(cmd, svc, svc.Clock.(*epiloop.FakeClock), NewGen(7), now, districts); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded the desk in %v", time.Since(start))
	ms, err := svc.Measures(cmd, true)
	if err != nil || len(ms) != 25 {
		t.Fatalf("%d measures %v, want 25", len(ms), err)
	}
	ts, total, err := svc.FindTickets(cmd, epiloop.TicketFilter{Limit: 1000})
	if err != nil || total != 300 {
		t.Fatalf("%d requests %v, want 300", total, err)
	}
	by := map[epiloop.TicketState]int{}
	green, breached := 0, 0
	for i := range ts {
		by[ts[i].State]++
		if ts[i].Green {
			green++
		}
		if ts[i].Breached() && ts[i].State.Open() {
			breached++
		}
	}
	if by[epiloop.TicketClosed] < 180 || by[epiloop.TicketUnconfirmed] == 0 || breached == 0 || green != 2 || by[epiloop.TicketSolved] == 0 {
		t.Errorf("states %v, %d green, %d open with a breached clock", by, green, breached)
	}
	figs, err := svc.DeskFigures(cmd)
	if err != nil {
		t.Fatal(err)
	}
	recount := map[string]int64{}
	for i := range ts {
		for _, m := range epiloop.DeskContribution(&ts[i], now) {
			recount[m]++
		}
	}
	for _, m := range epiloop.DeskMetrics {
		if figs.Counts[m] != recount[m] {
			t.Errorf("%s: figure %d, recount %d", m, figs.Counts[m], recount[m])
		}
	}
	slots, err := svc.DeskSlots(cmd, false)
	if err != nil || len(slots) < 7*8 {
		t.Errorf("%d slots for the week %v", len(slots), err)
	}
	// The green channel's open requests went to the leader on duty.
	open, _, err := svc.FindTickets(cmd, epiloop.TicketFilter{Green: true, Open: true})
	if err != nil || len(open) == 0 {
		t.Fatalf("open green requests: %d %v", len(open), err)
	}
	for _, tk := range open {
		if tk.LeaderUserID == 0 {
			t.Errorf("green request %s reached no leader on duty", tk.Number)
		}
	}
}
