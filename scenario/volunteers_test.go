package scenario

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedVolunteers seeds the demo district's pools and reads them as
// the district commander and the demo community's committee would.
func TestSeedVolunteers(t *testing.T) {
	now := time.Date(2020, 2, 3, 2, 30, 0, 0, time.UTC) // 10:30 in Shenyang
	svc, ctx := seedCommandAt(t, now)
	if err := svc.LoadGazetteer(ctx); err != nil {
		t.Fatal(err)
	}
	byDistrict, _, err := communities(ctx, svc.Store)
	if err != nil {
		t.Fatal(err)
	}
	cs := byDistrict[DemoDistrict]
	clock := svc.Clock.(*epiloop.FakeClock)
	if err := seedVolunteers(ctx, svc, clock, NewGen(7), now, cs); err != nil {
		t.Fatal(err)
	}
	if !clock.Now().Equal(now) {
		t.Errorf("the clock was left at %v", clock.Now())
	}
	district := epiloop.NewContextWithUser(ctx, &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: DemoDistrict})
	rows, err := svc.VolunteerFigures(district)
	if err != nil || len(rows) != 1 {
		t.Fatalf("figures %+v %v", rows, err)
	}
	f := rows[0].Figures
	want := int64(DemoVolunteers + VolunteersPerCommunity*(len(cs)-1))
	if f[epiloop.MetricVolunteers] >= want || f[epiloop.MetricVolunteers] < want*3/4 || f[epiloop.MetricVolunteersReady] == 0 ||
		f[epiloop.MetricVolunteerHours] < 20 {
		t.Errorf("figures %v, of %d registered", f, want)
	}
	for _, c := range cs {
		p, err := svc.FindVolunteers(district, epiloop.VolunteerFilter{Community: &c.Code, Limit: 1})
		if err != nil || p.Total == 0 {
			t.Errorf("community %s has no volunteers: %v", c.Code, err)
		}
		if c.Code == DemoCommunity && (p.Tally.Vetting[epiloop.VettingPending] == 0 || p.Tally.Vetting[epiloop.VettingRefused] == 0 ||
			p.Tally.Status[epiloop.VolunteerPaused] == 0 || p.Tally.Status[epiloop.VolunteerLeft] == 0) {
			t.Errorf("the demo community's pool lacks a state: %+v", p.Tally)
		}
	}
}
