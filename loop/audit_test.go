package loop_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func TestRevealIsAuditedAndScoped(t *testing.T) {
	f := newFixture(t)
	l := f.lead(id1, addrHome, epiloop.Reason{})
	if l.Person.IDNumber != "110105********002X" || l.Person.Phone != "138****8000" {
		t.Fatalf("lead shows %q / %q, want masked", l.Person.IDNumber, l.Person.Phone)
	}
	tests := []struct {
		name     string
		ctx      context.Context
		purpose  string
		wantCode string
	}{
		{"commander", commander, "核查身份", ""},
		{"station holding the task", station, "电话联系本人", ""},
		{"committee holding the task", committee, "上门核查", ""},
		{"no purpose", commander, " ", epiloop.EINVALID},
		{"district commander may not", as(epiloop.RoleDistrict, "SC"+heping), "核查", epiloop.EFORBIDDEN},
		{"another station cannot see it", as(epiloop.RoleStation, "PS210103001"), "核查", epiloop.ENOTFOUND},
		{"analyst cannot see it", as(epiloop.RoleAnalyst, ""), "统计", epiloop.ENOTFOUND},
	}
	reveals := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.Reveal(tt.ctx, l.ID, tt.purpose)
			if got := epiloop.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q, want %q", got, tt.wantCode)
			}
			if tt.wantCode == "" {
				reveals++
				if p.IDNumber != id1 || p.Phone != "13800138000" {
					t.Errorf("revealed %q / %q", p.IDNumber, p.Phone)
				}
			}
		})
	}
	action := epiloop.AuditReveal
	entries, total, err := f.svc.FindAudit(as(epiloop.RoleAuditor, ""), epiloop.AuditFilter{Action: &action})
	if err != nil || total != reveals {
		t.Fatalf("reveal entries = %d (%v), want %d", total, err, reveals)
	}
	if entries[0].Purpose != "核查身份" || entries[0].Object != "lead:1" {
		t.Errorf("entry = %+v", entries[0])
	}
	if _, _, err := f.svc.FindAudit(commander, epiloop.AuditFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("commander reading the audit trail: %v, want forbidden", err)
	}
	rep, err := f.svc.VerifyAudit(context.Background())
	if err != nil || rep.Break != nil || rep.Entries == 0 {
		t.Errorf("verify: %+v (%v)", rep, err)
	}
}

func TestLoginLockOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := &epiloop.User{Name: "zhang.wei", Role: epiloop.RoleStation, UnitCode: shuiyuandiPS}
	if err := f.svc.CreateUser(ctx, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(ctx, "zhang.wei", "correct horse battery"); err != nil {
		t.Fatalf("login: %v", err)
	}
	for i := 0; i < 5; i++ {
		if _, _, err := f.svc.Login(ctx, "zhang.wei", "wrong"); epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Locked, the right password answers as a wrong one (and as an
	// unknown name): the answer tells nothing of the account.
	_, _, err := f.svc.Login(ctx, "zhang.wei", "correct horse battery")
	_, _, unknown := f.svc.Login(ctx, "nobody", "correct horse battery")
	if epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED || epiloop.ErrorText(err, epiloop.LangZH) != epiloop.ErrorText(unknown, epiloop.LangZH) ||
		epiloop.ErrorReason(err) != "" {
		t.Fatalf("after 5 failures: %v, want the answer of an unknown name (%v)", err, unknown)
	}
	f.clock.Add(16 * time.Minute)
	tok, _, err := f.svc.Login(ctx, "zhang.wei", "correct horse battery")
	if err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
	who, err := f.svc.UserBySession(ctx, tok)
	if err != nil || who.Name != "zhang.wei" {
		t.Fatalf("session: %v", err)
	}
	if err := f.svc.Logout(epiloop.NewContextWithUser(ctx, who), tok, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UserBySession(ctx, tok); epiloop.ErrorCode(err) != epiloop.EUNAUTHORIZED {
		t.Errorf("session after logout everywhere: %v", err)
	}
	// Five wrong passwords, the attempt while locked, the unknown name.
	failed := epiloop.AuditLoginFailed
	if _, n, _ := f.svc.FindAudit(as(epiloop.RoleAuditor, ""), epiloop.AuditFilter{Action: &failed}); n != 7 {
		t.Errorf("%d failed logins audited, want 7", n)
	}
}

// TestLoginLockOutUnderParallelAttempts: 24 sign-ins at once with a wrong
// password make at most MaxFailedLogins password checks; the right
// password then gets no session until the lock-out ends; the flood of
// attempts on a locked account and on unknown names adds a bounded number
// of audit entries.
func TestLoginLockOutUnderParallelAttempts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := &epiloop.User{Name: "li.na", Role: epiloop.RoleStation, UnitCode: shuiyuandiPS}
	if err := f.svc.CreateUser(ctx, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	checks := loop.RealPasswordChecks()
	var wg sync.WaitGroup
	for range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.svc.Login(ctx, "li.na", "wrong password")
		}()
	}
	wg.Wait()
	if n := loop.RealPasswordChecks() - checks; n > loop.MaxFailedLogins {
		t.Errorf("24 parallel attempts made %d password checks, more than the limit %d", n, loop.MaxFailedLogins)
	}
	failed := epiloop.AuditLoginFailed
	auditor := as(epiloop.RoleAuditor, "")
	entries, _, _ := f.svc.FindAudit(auditor, epiloop.AuditFilter{Action: &failed, Limit: 100})
	real := 0
	for _, e := range entries {
		if e.Detail == "" {
			real++
		}
	}
	if real > loop.MaxFailedLogins {
		t.Errorf("%d real password checks failed, more than the limit %d", real, loop.MaxFailedLogins)
	}
	if _, _, err := f.svc.Login(ctx, "li.na", "correct horse battery"); err == nil {
		t.Fatal("the right password got a session while the account was locked")
	}
	before := len(entries)
	for i := range 40 {
		f.svc.Login(ctx, "li.na", "correct horse battery")
		f.svc.Login(ctx, fmt.Sprintf("nobody-%d", i%3), "x")
	}
	_, after, _ := f.svc.FindAudit(auditor, epiloop.AuditFilter{Action: &failed})
	if after-before > 4 {
		t.Errorf("80 attempts on a locked account and unknown names added %d audit entries, want them aggregated", after-before)
	}
}
