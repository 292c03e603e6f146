package scenario

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/sqlite"
)

// TestSeedPatrols seeds the week of patrols and reads the figures as the
// 巡逻 page does: the city's magnitude on a full day, every district
// patrolled, the counters agreeing with the rows, the incidents year on
// year with some districts on a small base.
func TestSeedPatrols(t *testing.T) {
	ctx := context.Background()
	kr, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), kr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // 10:00 in Shenyang
	clock := epiloop.NewFakeClock(now)
	svc := loop.NewService(store)
	svc.Clock = clock
	tr, err := divisions.Shenyang()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SeedJurisdictions(ctx, loop.Jurisdictions{Districts: tr.Districts, Streets: tr.Streets,
		Communities: tr.Communities, Units: tr.Units()}); err != nil {
		t.Fatal(err)
	}
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	if err := seedPatrols(cmd, svc, clock, NewGen(1), now, tr.Districts); err != nil {
		t.Fatal(err)
	}
	if !clock.Now().Equal(now) {
		t.Errorf("clock left at %v", clock.Now())
	}
	yesterday := epiloop.AddDays(epiloop.CivilDate(now), -1)
	v, err := svc.PatrolTotals(cmd, yesterday, yesterday)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a full day city-wide: %+v", v.Total)
	if o := v.Total.OfficerShifts; o < 1150 || o > 1280 {
		t.Errorf("officer-shifts of a full day %d, want about %d", o, DemoOfficerShiftsPerDay)
	}
	if n := v.Total.VehicleShifts; n < 350 || n > 410 {
		t.Errorf("vehicle-shifts of a full day %d, want about %d", n, DemoVehicleShiftsPerDay)
	}
	if s := v.Total.Sorties; s < 30 || s > 50 {
		t.Errorf("sorties of a full day %d", s)
	}
	for _, d := range v.Districts {
		if d.Patrols == 0 || d.OfficerShifts == 0 {
			t.Errorf("district %s not patrolled: %+v", d.District, d)
		}
	}
	drift, err := svc.VerifyStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Errorf("counters drift from the rows: %v", drift)
	}
	tab, err := svc.Incidents(cmd, epiloop.AddDays(epiloop.CivilDate(now), -6), epiloop.CivilDate(now))
	if err != nil {
		t.Fatal(err)
	}
	small, pct := 0, 0
	for _, r := range tab.Districts {
		if !r.Reported {
			t.Errorf("district %s has no incident counts", r.District)
		}
		if r.Criminal.SmallBase {
			small++
		}
		if r.PublicOrder.Percent != nil {
			pct++
		}
	}
	if small == 0 || pct == 0 || tab.Total.Total.Percent == nil || *tab.Total.Total.Percent >= 0 {
		t.Errorf("incidents: %d small-base, %d percentages, total %+v: want both kinds and a fall year on year", small, pct, tab.Total.Total)
	}
}

// BenchmarkSeedPatrols measures the patrol seed (a week, every district).
func BenchmarkSeedPatrols(b *testing.B) {
	ctx := context.Background()
	tr, err := divisions.Shenyang()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		kr, _ := keyring.New()
		store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "demo.db"), kr)
		if err != nil {
			b.Fatal(err)
		}
		clock := epiloop.NewFakeClock(now)
		svc := loop.NewService(store)
		svc.Clock = clock
		if _, err := svc.SeedJurisdictions(ctx, loop.Jurisdictions{Districts: tr.Districts, Streets: tr.Streets,
			Communities: tr.Communities, Units: tr.Units()}); err != nil {
			b.Fatal(err)
		}
		cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
		b.StartTimer()
		if err := seedPatrols(cmd, svc, clock, NewGen(1), now, tr.Districts); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		store.Close()
		b.StartTimer()
	}
}
