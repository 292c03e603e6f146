package loop_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// adminFixture adds a real admin and a committee worker with passwords.
func adminFixture(t *testing.T) (*fixture, context.Context, *epiloop.User) {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	adm := &epiloop.User{Name: "admin", Role: epiloop.RoleAdmin}
	if err := f.svc.CreateUser(ctx, adm, "admin password"); err != nil {
		t.Fatal(err)
	}
	w := &epiloop.User{Name: "worker", Role: epiloop.RoleCommittee, UnitCode: shuiyuandiCM}
	if err := f.svc.CreateUser(ctx, w, "worker password"); err != nil {
		t.Fatal(err)
	}
	return f, epiloop.NewContextWithUser(ctx, adm), w
}

func TestAdminOnly(t *testing.T) {
	f, _, w := adminFixture(t)
	role := epiloop.RoleCommander
	for name, call := range map[string]func(ctx context.Context) error{
		"FindUsers": func(ctx context.Context) error { _, err := f.svc.FindUsers(ctx); return err },
		"FindUser":  func(ctx context.Context) error { _, err := f.svc.FindUser(ctx, w.ID); return err },
		"UpdateUser": func(ctx context.Context) error {
			_, err := f.svc.UpdateUser(ctx, w.ID, loop.UserUpdate{Role: &role})
			return err
		},
		"ResetPassword": func(ctx context.Context) error { return f.svc.ResetPassword(ctx, w.ID, "a new password") },
		"LoadStationMapping": func(ctx context.Context) error {
			_, err := f.svc.LoadStationMapping(ctx, strings.NewReader("x"))
			return err
		},
	} {
		if got := epiloop.ErrorCode(call(commander)); got != epiloop.EFORBIDDEN {
			t.Errorf("%s as commander: %q, want forbidden", name, got)
		}
		if got := epiloop.ErrorCode(call(context.Background())); got != epiloop.EUNAUTHORIZED {
			t.Errorf("%s signed out: %q, want unauthorized", name, got)
		}
	}
}

func TestUpdateUser(t *testing.T) {
	f, adm, w := adminFixture(t)
	me := epiloop.UserFromContext(adm)
	station := epiloop.RoleStation
	off, on := true, false
	ps, unknown := shuiyuandiPS, "CM000000000000"
	tests := []struct {
		name      string
		id        int64
		upd       loop.UserUpdate
		wantField string
	}{
		{"role without a fitting unit", w.ID, loop.UserUpdate{Role: &station}, "unit"},
		{"unknown unit", w.ID, loop.UserUpdate{UnitCode: &unknown}, "unit"},
		{"disable myself", me.ID, loop.UserUpdate{Disabled: &off}, "disabled"},
		{"demote myself", me.ID, loop.UserUpdate{Role: &station}, "role"},
		{"move to a station", w.ID, loop.UserUpdate{Role: &station, UnitCode: &ps}, ""},
		{"enable", w.ID, loop.UserUpdate{Disabled: &on}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.UpdateUser(adm, tc.id, tc.upd)
			if got := epiloop.ErrorField(err); got != tc.wantField || (tc.wantField == "" && err != nil) {
				t.Errorf("field %q (%v), want %q", got, err, tc.wantField)
			}
		})
	}
	u, err := f.svc.FindUser(adm, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != epiloop.RoleStation || u.UnitCode != shuiyuandiPS || u.DistrictCode != heping {
		t.Errorf("user now %s in %s (%s), want station in %s (%s)", u.Role, u.UnitCode, u.DistrictCode, shuiyuandiPS, heping)
	}

	// Disabling ends the user's sessions at once.
	tok, _, err := f.svc.Login(context.Background(), "worker", "worker password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateUser(adm, w.ID, loop.UserUpdate{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UserBySession(context.Background(), tok); epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED {
		t.Errorf("disabled user's session: %v, want unauthorized", err)
	}
}

func TestResetPassword(t *testing.T) {
	f, adm, w := adminFixture(t)
	ctx := context.Background()
	tok, _, err := f.svc.Login(ctx, "worker", "worker password")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ResetPassword(adm, w.ID, "short"); epiloop.ErrorField(err) != "password" {
		t.Errorf("short password: %v, want a password field error", err)
	}
	if err := f.svc.ResetPassword(adm, w.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UserBySession(ctx, tok); epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED {
		t.Errorf("session opened with the old password survives the reset: %v", err)
	}
	if _, _, err := f.svc.Login(ctx, "worker", "worker password"); err == nil {
		t.Error("old password still works")
	}
	if _, _, err := f.svc.Login(ctx, "worker", "a brand new password"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestFindUnitsScope(t *testing.T) {
	f, adm, _ := adminFixture(t)
	kind := epiloop.UnitPoliceStation
	all, err := f.svc.FindUnits(adm, &kind, nil)
	if err != nil {
		t.Fatal(err)
	}
	dist, err := f.svc.FindUnits(as(epiloop.RoleDistrict, epiloop.SubCommandCode(heping)), &kind, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dist) == 0 || len(dist) >= len(all) {
		t.Fatalf("district commander sees %d stations of %d, want their district's only", len(dist), len(all))
	}
	for _, u := range dist {
		if u.DistrictCode != heping {
			t.Errorf("district commander sees %s of district %s", u.Code, u.DistrictCode)
		}
	}
	if _, err := f.svc.FindUnits(station, nil, nil); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("station lists units: %v, want forbidden", err)
	}
}

func TestLoadStationMapping(t *testing.T) {
	f, adm, _ := adminFixture(t)
	bad := "community,station_code,station_name\n210102001002,PS2101020019,新派出所\n999999999999,PS1,x\n"
	if _, err := f.svc.LoadStationMapping(adm, strings.NewReader(bad)); epiloop.ErrorCode(err) != epiloop.EINVALID {
		t.Fatalf("mapping with an unknown community: %v, want invalid", err)
	}
	if l := f.lead("11010519491231002X", addrHome, epiloop.Reason{}); taskOf(t, l, epiloop.UnitPoliceStation).UnitCode != shuiyuandiPS {
		t.Fatal("a rejected mapping changed the routing")
	}
	good := "\ufeff社区代码,派出所代码,派出所名称\n210102001002,PS2101020019,新派出所\n"
	n, err := f.svc.LoadStationMapping(adm, strings.NewReader(good))
	if err != nil || n != 1 {
		t.Fatalf("mapping: %d, %v", n, err)
	}
	l := f.lead("210102199001011237", addrHome, epiloop.Reason{})
	if got := taskOf(t, l, epiloop.UnitPoliceStation).UnitCode; got != "PS2101020019" {
		t.Errorf("after the mapping a lead goes to %s, want PS2101020019", got)
	}
}

// TestPrivilegedChanges: creating an account with a privileged role, or
// promoting one to it, is audited as a privileged change; other account
// changes are plain admin entries.
func TestPrivilegedChanges(t *testing.T) {
	f, adm, w := adminFixture(t)
	auditor := as(epiloop.RoleAuditor, "")
	count := func(action string) int {
		t.Helper()
		_, n, err := f.svc.FindAudit(auditor, epiloop.AuditFilter{Action: &action})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count(epiloop.AuditPrivilege) // the fixture's admin
	if err := f.svc.CreateUser(adm, &epiloop.User{Name: "new-commander", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}, "a long password"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CreateUser(adm, &epiloop.User{Name: "new-worker", Role: epiloop.RoleCommittee, UnitCode: shuiyuandiCM}, "a long password"); err != nil {
		t.Fatal(err)
	}
	if got := count(epiloop.AuditPrivilege); got != before+1 {
		t.Errorf("%d privileged entries after creating a commander and a worker, want %d", got, before+1)
	}
	role := epiloop.RoleAuditor
	if _, err := f.svc.UpdateUser(adm, w.ID, loop.UserUpdate{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if got := count(epiloop.AuditPrivilege); got != before+2 {
		t.Errorf("%d privileged entries after promoting a worker to auditor, want %d", got, before+2)
	}
	off := true
	if _, err := f.svc.UpdateUser(adm, w.ID, loop.UserUpdate{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	if got := count(epiloop.AuditPrivilege); got != before+2 {
		t.Errorf("disabling an account was audited as a privileged change")
	}
}

// TestRevocationReachesEveryReplica: a password reset ends the user's
// bearer tokens as well as their sessions, and a revoke made on one
// replica is honoured by another that had the token cached as soon as its
// broker reads the revocation, not CredentialCacheTTL later.
func TestRevocationReachesEveryReplica(t *testing.T) {
	f, adm, w := adminFixture(t)
	ctx := context.Background()
	tok, err := f.svc.CreateToken(adm, w.Name, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Replica B: its own service (and credential cache) on the same store.
	b := loop.NewService(f.store)
	b.Clock = f.svc.Clock
	broker := loop.NewBroker(f.store)
	broker.Poll, broker.Revoked = 10*time.Millisecond, b.ForgetCredentials
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	go broker.Run(bctx)
	if _, err := b.UserByToken(ctx, tok); err != nil {
		t.Fatalf("replica B checks the token: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // the broker has started from the last event
	if err := f.svc.ResetPassword(adm, w.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UserByToken(ctx, tok); epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED {
		t.Errorf("the token after a password reset: %v, want unauthorized", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := b.UserByToken(ctx, tok)
		if epiloop.ErrorCode(err) == epiloop.EUNAUTHORIZED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica B still accepts the token 2 s after the reset: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
