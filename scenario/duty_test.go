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

// TestSeedCommand seeds the structure and the roster and reads them as
// the demo's visitors would: one coverage gap, people on duty now.
func TestSeedCommand(t *testing.T) {
	ctx := context.Background()
	kr, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), kr)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2020, 2, 1, 3, 0, 0, 0, time.UTC) // 11:00 in Shenyang
	svc := loop.NewService(store)
	svc.Clock = epiloop.NewFakeClock(now)
	tr, err := divisions.Shenyang()
	if err != nil {
		t.Fatal(err)
	}
	j := loop.Jurisdictions{Districts: tr.Districts, Streets: tr.Streets, Communities: tr.Communities, Units: tr.Units()}
	if _, err := svc.SeedJurisdictions(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateAccounts(ctx, svc); err != nil {
		t.Fatal(err)
	}
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	if err := seedCommand(cmd, svc, now); err != nil {
		t.Fatal(err)
	}
	nodes, err := svc.FindCommandNodes(cmd)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[epiloop.NodeKind]int{}
	for _, n := range nodes {
		kinds[n.Kind]++
	}
	if want := map[epiloop.NodeKind]int{epiloop.NodeHeadquarters: 1, epiloop.NodeSubCommand: 4, epiloop.NodeWorkingGroup: 7, epiloop.NodeFront: 4}; len(kinds) != len(want) ||
		kinds[epiloop.NodeHeadquarters] != 1 || kinds[epiloop.NodeSubCommand] != 4 || kinds[epiloop.NodeWorkingGroup] != 7 || kinds[epiloop.NodeFront] != 4 {
		t.Errorf("node kinds %v, want %v", kinds, want)
	}
	gaps, total, err := svc.FindDutySlots(cmd, epiloop.DutySlotFilter{Gaps: true})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || gaps[0].Post.NodeCode != "CMD-HQ" {
		t.Errorf("%d gaps %+v, want one of the headquarters", total, gaps)
	}
	posts, err := svc.OnDutyNow(cmd, "CMD-HQ")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		if len(p.OnDuty) < p.Post.MinStaff {
			t.Errorf("post %s: %d on duty now, want %d", p.Post.Name, len(p.OnDuty), p.Post.MinStaff)
		}
	}
}
