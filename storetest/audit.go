package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testAudit: appends link into one chain with ids 1, 2, …; finds filter
// and page; a failed transaction leaves no entry.
func testAudit(t *testing.T, s epiloop.Store) {
	u := &epiloop.User{ID: 7, Name: "auditor", Role: epiloop.RoleAuditor}
	for i, action := range []string{epiloop.AuditLogin, epiloop.AuditReveal, epiloop.AuditChange} {
		update(t, s, func(tx epiloop.Tx) error {
			e := epiloop.NewAuditEntry(u, action, "lead:1", at(time.Duration(i)*time.Minute))
			e.Purpose = "核查"
			return tx.AppendAudit(e)
		})
	}
	err := s.Update(t.Context(), func(tx epiloop.Tx) error {
		if err := tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditRead, "", at(time.Hour))); err != nil {
			return err
		}
		return epiloop.Errorf(epiloop.EINVALID, "err.roll_back")
	})
	wantCode(t, "rolled back append", err, epiloop.EINVALID)
	view(t, s, func(tx epiloop.Tx) error {
		all, total, err := tx.FindAudit(epiloop.AuditFilter{})
		if err != nil {
			return err
		}
		if total != 3 || len(all) != 3 {
			t.Fatalf("entries = %d (total %d), want 3", len(all), total)
		}
		var prev []byte
		for i, e := range all {
			if e.ID != int64(i+1) {
				t.Errorf("entry %d has id %d", i, e.ID)
			}
			if !e.Valid(prev, tx.AuditSigner(), false) {
				t.Errorf("entry %d does not chain", e.ID)
			}
			if !e.Time.Equal(at(time.Duration(i)*time.Minute)) || e.Time.Location() != time.UTC {
				t.Errorf("entry %d time %v", e.ID, e.Time)
			}
			prev = e.Hash
		}
		action := epiloop.AuditReveal
		got, n, err := tx.FindAudit(epiloop.AuditFilter{Action: &action})
		if err != nil || n != 1 || got[0].Purpose != "核查" {
			t.Errorf("by action: %d %v", n, err)
		}
		got, n, err = tx.FindAudit(epiloop.AuditFilter{After: 1, Limit: 1})
		if err != nil || n != 2 || len(got) != 1 || got[0].ID != 2 {
			t.Errorf("after 1, limit 1: n=%d len=%d %v", n, len(got), err)
		}
		// Uncounted, the total is the page's length.
		got, n, err = tx.FindAudit(epiloop.AuditFilter{After: 1, NoCount: true, Limit: 1})
		if err != nil || n != 1 || len(got) != 1 || got[0].ID != 2 {
			t.Errorf("after 1, limit 1, no count: n=%d len=%d %v", n, len(got), err)
		}
		return nil
	})
}

// testRetention: purgeable leads are closed before the cutoff and not yet
// purged; purging marks them; sealed identities round-trip.
func testRetention(t *testing.T, s epiloop.Store) {
	seed(t, s)
	var open, old, recent *epiloop.Lead
	update(t, s, func(tx epiloop.Tx) error {
		open = newLead(d1, c1, epiloop.LeadPushed)
		if err := addLead(tx, person(1), open); err != nil {
			return err
		}
		old = newLead(d1, c1, epiloop.LeadClosed)
		closed := at(time.Hour)
		old.ClosedAt = &closed
		if err := addLead(tx, person(2), old); err != nil {
			return err
		}
		recent = newLead(d2, c2, epiloop.LeadHandedOver)
		later := at(48 * time.Hour)
		recent.ClosedAt = &later
		if err := addLead(tx, person(3), recent); err != nil {
			return err
		}
		// One event of every kind, each with free text in every field
		// that any kind may carry it in, and a code beside.
		for _, k := range epiloop.EventKinds {
			data := map[string]any{"note": "邻居说", "reason": "不在家", "outcome": map[string]any{"address": "测试路1号"}, "unit": "u1"}
			if err := tx.CreateEvent(epiloop.NewEvent(k.Name, old, at(time.Hour), 0, data)); err != nil {
				return err
			}
		}
		return tx.AddSource(old.ID, &epiloop.Source{Kind: epiloop.SourceHotline, Ref: "12345", Address: "测试路1号",
			Reason: epiloop.Reason{Note: "邻居", Origin: "4201"}, CreatedAt: at(0)})
	})
	view(t, s, func(tx epiloop.Tx) error {
		ids, err := tx.FindPurgeableLeads(at(24*time.Hour), 0, 10)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0] != old.ID {
			t.Errorf("purgeable = %v, want [%d]", ids, old.ID)
		}
		return nil
	})
	view(t, s, func(tx epiloop.Tx) error {
		es, err := tx.FindLeadEvents(old.ID)
		if err != nil {
			return err
		}
		for _, e := range es {
			if k, _ := epiloop.FindEventKind(e.Kind); len(k.FreeText) > 0 && len(e.Detail) == 0 {
				t.Errorf("%s before the purge: detail %s", e.Kind, e.Detail)
			}
		}
		return nil
	})
	update(t, s, func(tx epiloop.Tx) error { return tx.PurgeLeadRecords(old.ID, at(25*time.Hour)) })
	view(t, s, func(tx epiloop.Tx) error {
		ids, err := tx.FindPurgeableLeads(at(72*time.Hour), 0, 10)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0] != recent.ID {
			t.Errorf("after purge, purgeable = %v, want [%d]", ids, recent.ID)
		}
		l, err := tx.FindLeadByID(old.ID, false)
		if err != nil {
			return err
		}
		if len(l.Sources) != 1 || l.Sources[0].Address != "" || l.Sources[0].Reason.Note != "" || l.Sources[0].Reason.Origin != "4201" {
			t.Errorf("purged source = %+v", l.Sources[0])
		}
		checkPurgedEvents(t, tx, old.ID)
		ps, err := tx.FindSealedPersons(0, 2)
		if err != nil {
			return err
		}
		if len(ps) != 2 || len(ps[0].IDSealed) == 0 {
			t.Fatalf("sealed persons = %+v", ps)
		}
		return nil
	})
	err := s.Update(t.Context(), func(tx epiloop.Tx) error {
		return tx.UpdateSealedPerson(epiloop.SealedPerson{ID: 999})
	})
	wantCode(t, "reseal unknown person", err, epiloop.ENOTFOUND)
}

// checkPurgedEvents: each kind's free-text fields never reached its data
// (they went to the sealed detail), the purge blanks the detail, and the
// codes stay.
func checkPurgedEvents(t testing.TB, tx epiloop.Tx, leadID int64) {
	t.Helper()
	es, err := tx.FindLeadEvents(leadID)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(epiloop.EventKinds) {
		t.Fatalf("%d events after the purge, want %d", len(es), len(epiloop.EventKinds))
	}
	for _, e := range es {
		var data map[string]any
		if err := json.Unmarshal(e.Data, &data); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		k, _ := epiloop.FindEventKind(e.Kind)
		for _, f := range []string{"note", "reason", "outcome"} {
			_, kept := data[f]
			if want := !slices.Contains(k.FreeText, f); kept != want {
				t.Errorf("%s: field %s in the data %v, want %v", e.Kind, f, kept, want)
			}
		}
		if len(e.Detail) != 0 {
			t.Errorf("%s after the purge: detail %s", e.Kind, e.Detail)
		}
		if data["unit"] != "u1" {
			t.Errorf("%s after the purge: unit %v, want u1", e.Kind, data["unit"])
		}
	}
}

// testUserSecretsRevoked: ending every session and token of a user.
func testUserSecretsRevoked(t *testing.T, s epiloop.Store) {
	u := &epiloop.User{Name: "w", Role: epiloop.RoleCommander, CreatedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		for _, h := range []string{"a", "b"} {
			if err := tx.CreateSession([]byte("s"+h), u.ID, at(time.Hour)); err != nil {
				return err
			}
			if err := tx.CreateToken([]byte("t"+h), u.ID, time.Time{}); err != nil {
				return err
			}
		}
		u.FailedLogins, u.LockedUntil = 3, at(time.Minute)
		return tx.UpdateUser(u)
	})
	update(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindUserByID(u.ID)
		if err != nil {
			return err
		}
		if got.FailedLogins != 3 || !got.LockedUntil.Equal(at(time.Minute)) {
			t.Errorf("lock-out fields = %d, %v", got.FailedLogins, got.LockedUntil)
		}
		if err := tx.DeleteUserSessions(u.ID); err != nil {
			return err
		}
		return tx.DeleteUserTokens(u.ID)
	})
	view(t, s, func(tx epiloop.Tx) error {
		for _, h := range []string{"a", "b"} {
			if _, err := tx.FindUserBySession([]byte("s"+h), at(0)); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("session %s after revocation: %v", h, err)
			}
			if _, err := tx.FindUserByToken([]byte("t"+h), at(0)); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("token %s after revocation: %v", h, err)
			}
		}
		return nil
	})
}
