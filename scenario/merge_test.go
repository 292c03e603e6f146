package scenario

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestSeedMerges seeds the duplicate persons and finds their pairs in the
// commander's queue: two open, one merged.
func TestSeedMerges(t *testing.T) {
	now := time.Date(2020, 2, 3, 2, 30, 0, 0, time.UTC)
	svc, ctx := seedCommandAt(t, now)
	if err := svc.LoadGazetteer(ctx); err != nil {
		t.Fatal(err)
	}
	byDistrict, _, err := communities(ctx, svc.Store)
	if err != nil {
		t.Fatal(err)
	}
	clock := svc.Clock.(*epiloop.FakeClock)
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{ID: 0, Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	if err := seedMerges(cmd, svc, clock, NewGen(7), now, byDistrict[DemoDistrict]); err != nil {
		t.Fatal(err)
	}
	open, n, err := svc.FindMergeCandidates(cmd, epiloop.CandidateOpen, 10, 0)
	if err != nil || n != 2 {
		t.Fatalf("open candidates %d %v", n, err)
	}
	reasons := map[epiloop.CandidateReason]bool{}
	for _, c := range open {
		reasons[c.Reason] = true
	}
	if !reasons[epiloop.CandidatePhoneName] || !reasons[epiloop.CandidateNameBirth] {
		t.Errorf("reasons %v", reasons)
	}
	if _, n, err := svc.FindMergeCandidates(cmd, epiloop.CandidateMerged, 10, 0); err != nil || n != 1 {
		t.Errorf("merged candidates %d %v", n, err)
	}
	if ms, n, err := svc.FindMerges(cmd, 10, 0); err != nil || n != 1 || ms[0].Journal.Fold == nil {
		t.Errorf("merges %d %v (a fold of the two open leads expected)", n, err)
	}
}
