package scenario

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedDetention seeds the facilities after the places' demo and reads
// them as the main facility's officer and the commander would.
func TestSeedDetention(t *testing.T) {
	now := time.Date(2020, 3, 2, 2, 30, 0, 0, time.UTC) // 10:30 in Shenyang
	svc, cmd := seedCommandAt(t, now)
	byDistrict, districts, err := communities(cmd, svc.Store)
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
	start := time.Now()
	if err := seedDetention(cmd, svc, clock, now, byDistrict); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v", time.Since(start)) // 12 detainees, 3 cohorts, about 200 transactions
	if !clock.Now().Equal(now) {
		t.Errorf("the clock was left at %v", clock.Now())
	}
	rows, err := svc.FindFacilities(cmd)
	if err != nil || len(rows) != 3 {
		t.Fatalf("facilities: %d %v", len(rows), err)
	}
	v, err := svc.FindFacility(cmd, DemoFacility)
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Stats; !st.Closed || st.Present != 12 || st.Isolated != 8 || st.ReadyToMove != 1 || st.IsolationCellsFree != 1 ||
		st.StaffOnSite != 6 || st.ChecksDone != 3 || st.StaffFever != 1 || !st.HandoverPending || st.CohortOverdue {
		t.Errorf("main facility: %+v", st)
	}
	if v.Handover == nil || v.Handover.State != epiloop.AgreementWaiting || len(v.Handover.Missing) != 1 {
		t.Errorf("hand-over: %+v", v.Handover)
	}
	figs, err := svc.FindDetentionFigures(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{epiloop.MetricDetentionClosed: 3, epiloop.MetricDetaineesIsolated: 8, epiloop.MetricIsolationCellsFree: 1 + 8 + 6,
		epiloop.MetricCohortsOverdue: 1, epiloop.MetricStaffFever: 1}
	for m, n := range want {
		if figs.Counts[m] != n {
			t.Errorf("%s: %d, want %d", m, figs.Counts[m], n)
		}
	}
	officer := epiloop.NewContextWithUser(cmd, &epiloop.User{Name: DetentionAccounts[0].Name, Role: epiloop.RoleDetention, UnitCode: DemoStation})
	if rows, err := svc.FindFacilities(officer); err != nil || len(rows) != 1 || rows[0].Code != DemoFacility {
		t.Errorf("the officer's facilities: %+v %v", rows, err)
	}
}
