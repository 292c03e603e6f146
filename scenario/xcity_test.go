package scenario

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedXCity seeds the hand-overs with Dalian and reads the queue as
// the headquarters would: three waiting from Dalian, one accepted into a
// pushed lead; three to Dalian, waiting, accepted and with its result.
func TestSeedXCity(t *testing.T) {
	now := time.Date(2020, 2, 3, 2, 30, 0, 0, time.UTC)
	svc, ctx := seedCommandAt(t, now)
	if err := svc.LoadGazetteer(ctx); err != nil {
		t.Fatal(err)
	}
	byDistrict, ds, err := communities(ctx, svc.Store)
	if err != nil {
		t.Fatal(err)
	}
	clock := svc.Clock.(*epiloop.FakeClock)
	start := time.Now()
	if err := seedXCity(ctx, svc, clock, NewGen(3), now, findCommunity(byDistrict[DemoDistrict], DemoCommunity), districtOf(ds, DemoDistrict)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("seeding took %v", d)
	}
	if !clock.Now().Equal(now) {
		t.Errorf("the clock was left at %v", clock.Now())
	}
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	svc.XCity.City = DemoCityCode
	f, err := svc.FindXCityFigures(cmd)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Counts
	for _, w := range []struct {
		d    epiloop.XCityDirection
		s    epiloop.XCityState
		want int
	}{
		{epiloop.XCityIn, epiloop.XCityReceived, 3}, {epiloop.XCityIn, epiloop.XCityAccepted, 1},
		{epiloop.XCityOut, epiloop.XCityPending, 1}, {epiloop.XCityOut, epiloop.XCitySent, 0}, {epiloop.XCityOut, epiloop.XCityAccepted, 1}, {epiloop.XCityOut, epiloop.XCityCompleted, 1},
	} {
		if got := c.Get(w.d, w.s); got != w.want {
			t.Errorf("%s %s: %d, want %d", w.d, w.s, got, w.want)
		}
	}
	in := epiloop.XCityIn
	hs, _, err := svc.FindXCityHandovers(cmd, epiloop.XCityFilter{Direction: &in, State: ptr(epiloop.XCityAccepted)})
	if err != nil || len(hs) != 1 {
		t.Fatalf("accepted %v %v", hs, err)
	}
	l, err := svc.FindLead(cmd, hs[0].LeadID)
	if err != nil || len(l.LiveTasks()) != 2 || l.DistrictCode != DemoDistrict {
		t.Errorf("the accepted hand-over's lead %+v %v, want pushed in the demo district", l, err)
	}
	ps, err := svc.Peers(cmd)
	if err != nil || len(ps) != 1 || ps[0].Name != "辽宁省大连市" {
		t.Errorf("peers %+v %v", ps, err)
	}
}

func ptr[T any](v T) *T { return &v }
