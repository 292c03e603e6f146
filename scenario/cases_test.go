package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedCases seeds the case register's demo and reads it as the
// commander would: the seed's figures (262 solved, 570 suspects handled),
// most cases sent for prosecution, every kind present, and the large
// counterfeit-mask case with its 23 provinces, 57 cities, amount, goods
// and an intact custody log.
func TestSeedCases(t *testing.T) {
	now := time.Date(2026, 3, 15, 3, 0, 0, 0, time.UTC)
	svc, cmd := seedCommandAt(t, now)
	byDistrict, districts, err := communities(context.Background(), svc.Store)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SaveSites(cmd, Sites); err != nil {
		t.Fatal(err)
	}
	if err := seedProtected(cmd, svc, now, byDistrict, districts); err != nil {
		t.Fatal(err)
	}
	clock := svc.Clock.(*epiloop.FakeClock)
	began := time.Now()
	if err := seedCases(cmd, svc, clock, NewGen(7), now, byDistrict, districts); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded the case register in %v", time.Since(began))
	// The detained suspects entered the transition facility, each alone
	// for 15 days and then moved on; none of the demo is isolated now
	// (the last 15 days' cases took no custodial measure).
	fv, err := svc.FindFacility(cmd, DemoCaseFacility)
	if err != nil {
		t.Fatal(err)
	}
	if st := fv.Stats; st.Present < demoBigSuspects || st.Isolated != 0 || st.IsolationCellsFree != demoCaseCells {
		t.Errorf("the transition facility: %+v", st)
	}
	t.Logf("%d suspects held at the transition facility", fv.Stats.Present)
	if !clock.Now().Equal(now) {
		t.Errorf("clock left at %v", clock.Now())
	}
	fig, err := svc.CaseFigures(cmd)
	if err != nil {
		t.Fatal(err)
	}
	tot := fig.Total
	if tot.Solved != DemoCasesSolved || tot.Handled != DemoCaseSuspects || tot.Suspects != DemoCaseSuspects {
		t.Errorf("solved %d, suspects %d, handled %d; want %d, %d, %d", tot.Solved, tot.Suspects, tot.Handled, DemoCasesSolved, DemoCaseSuspects, DemoCaseSuspects)
	}
	if tot.States[epiloop.CaseProsecuted] <= tot.States[epiloop.CaseSolved] || tot.Cases < 260 || tot.Cases > 280 {
		t.Errorf("states %v of %d cases", tot.States, tot.Cases)
	}
	for _, k := range fig.Kinds {
		if k.Cases == 0 {
			t.Errorf("no case of kind %s", k.Key)
		}
	}
	busy := 0
	for _, d := range fig.Districts {
		if d.Cases > 0 {
			busy++
		}
	}
	if busy < len(districts)-1 {
		t.Errorf("cases in %d districts of %d", busy, len(districts))
	}
	kind := epiloop.CaseCounterfeit
	l, err := svc.FindCases(cmd, epiloop.CaseFilter{Kind: &kind, District: ptrTo(DemoDistrict), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var big *epiloop.Case
	for i := range l.Cases {
		if l.Cases[i].Title == DemoBigCaseTitle {
			big = &l.Cases[i]
		}
	}
	if big == nil {
		t.Fatal("no large counterfeit case")
	}
	v, err := svc.FindCase(cmd, big.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Provinces) != 23 || len(v.Cities) != 57 || v.AmountFen < 22_000_000_00 || v.State != epiloop.CaseProsecuted ||
		len(v.Suspects) != demoBigSuspects || len(v.Goods) < 3 || len(v.Custody) < 5 || !v.Check.OK {
		t.Errorf("large case: %d provinces, %d cities, %d fen, %s, %d suspects, %d goods, %d custody rows, check %+v",
			len(v.Provinces), len(v.Cities), v.AmountFen, v.State, len(v.Suspects), len(v.Goods), len(v.Custody), v.Check)
	}
	if drift, err := svc.VerifyStats(context.Background()); err != nil || len(drift) != 0 {
		t.Errorf("counters drift: %v %v", err, drift)
	}
}
