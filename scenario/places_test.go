package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedProtected seeds the places' demo and reads it as the demo
// district's commander would: hospitals under protection in every
// district, the isolation sites as places, closed gathering places with
// the one found open, and two compounds below their minimum guard.
func TestSeedProtected(t *testing.T) {
	now := time.Date(2020, 2, 1, 3, 0, 0, 0, time.UTC)
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
	hospital := epiloop.PlaceHospital
	hs, _, err := svc.FindPlaces(cmd, epiloop.PlaceFilter{Kind: &hospital, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	protected := map[string]int{}
	for _, h := range hs {
		if h.Protected() {
			protected[h.DistrictCode]++
		}
	}
	for _, d := range districts {
		if protected[d.Code] == 0 {
			t.Errorf("%s has no protected hospital", d.Name)
		}
	}
	site := epiloop.PlaceIsolationSite
	if ss, total, _ := svc.FindPlaces(cmd, epiloop.PlaceFilter{Kind: &site}); total != len(Sites) || ss[0].Capacity == 0 {
		t.Errorf("isolation sites as places: %d (%+v), want %d with their capacity", total, ss, len(Sites))
	}
	figs, err := svc.PlaceFigures(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{epiloop.MetricUncoveredCompounds: 2, epiloop.MetricClosedFoundOpen: 1, epiloop.MetricPlacesClosed: 5}
	for m, n := range want {
		if figs.Counts[m] != n {
			t.Errorf("%s: %d, want %d", m, figs.Counts[m], n)
		}
	}
	v, err := svc.FindPlace(cmd, DemoFoundOpen)
	if err != nil || len(v.Rectifications) != 1 || !v.Rectifications[0].Open() || !v.Rectifications[0].FoundOpen() {
		t.Errorf("the place found open: %+v %v", v, err)
	}
}
