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
// seedCommandAt seeds the command structure and roster at now.
func seedCommandAt(t *testing.T, now time.Time) (*loop.Service, context.Context) {
	t.Helper()
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
	return svc, cmd
}

func TestSeedCommand(t *testing.T) {
	ctx := context.Background()
	svc, cmd := seedCommandAt(t, time.Date(2020, 2, 1, 3, 0, 0, 0, time.UTC)) // 11:00 in Shenyang
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
	// This morning's hand-overs closed but two: the headquarters'
	// officers' reached the headquarters' leader.
	hs, err := svc.FindHandovers(cmd, epiloop.HandoverFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var closed, escalated int
	for _, h := range hs {
		if h.ClosedAt != nil {
			closed++
		}
		if h.EscalatedAt != nil {
			escalated++
		}
	}
	if closed != 3 || escalated != 2 {
		t.Errorf("%d hand-overs, %d closed and %d escalated; want 3 and 2", len(hs), closed, escalated)
	}
	users, _ := userIDs(ctx, svc)
	leader := epiloop.NewContextWithUser(ctx, &epiloop.User{ID: users["duty-leader-hq"], Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	if items, err := svc.DutyInbox(leader, true); err != nil || len(items) != 1 || items[0].Kind != epiloop.DutyItemHandoverOverdue {
		t.Errorf("the leader's inbox: %+v, %v; want the missing hand-over", items, err)
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

// At any hour the demo seeds: before 08:00 this morning's hand-overs are
// yesterday's, confirmed in the past.
func TestSeedCommandAtAnyHour(t *testing.T) {
	for _, h := range []int{23, 11, 12} { // 07:00, 19:00, 20:00 in Shenyang
		seedCommandAt(t, time.Date(2020, 2, 1, h, 30, 0, 0, time.UTC))
	}
}
