package epiloop_test

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
)

func TestAuditChain(t *testing.T) {
	kr, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := keyring.New()
	at := time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)
	var prev []byte
	var chain []*epiloop.AuditEntry
	for i, action := range []string{epiloop.AuditLogin, epiloop.AuditReveal, epiloop.AuditChange} {
		e := epiloop.NewAuditEntry(&epiloop.User{ID: 3, Name: "commander", Role: epiloop.RoleCommander}, action, "lead:1", at)
		e.ID = int64(i + 1)
		e.Seal(prev, kr)
		prev = e.Hash
		chain = append(chain, e)
	}
	prev = nil
	for _, e := range chain {
		if !e.Valid(prev, kr, false) {
			t.Fatalf("entry %d invalid", e.ID)
		}
		prev = e.Hash
	}
	tests := []struct {
		name string
		edit func(e *epiloop.AuditEntry)
	}{
		{"action", func(e *epiloop.AuditEntry) { e.Action = "read" }},
		{"purpose", func(e *epiloop.AuditEntry) { e.Purpose = "x" }},
		{"time", func(e *epiloop.AuditEntry) { e.Time = e.Time.Add(time.Millisecond) }},
		{"actor", func(e *epiloop.AuditEntry) { e.ActorID = 4 }},
		{"id", func(e *epiloop.AuditEntry) { e.ID = 9 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := *chain[1]
			tt.edit(&e)
			if e.Valid(chain[0].Hash, kr, false) {
				t.Error("edited entry still valid")
			}
		})
	}
	if chain[2].Valid(chain[0].Hash, kr, false) {
		t.Error("entry valid after its predecessor was removed")
	}
	// Without the key, an entry cannot be re-sealed: one sealed under
	// another key, or with the old unkeyed hash, does not verify.
	forged := *chain[1]
	forged.Purpose = "x"
	forged.Seal(chain[0].Hash, other)
	if forged.Valid(chain[0].Hash, kr, false) {
		t.Error("an entry sealed under another key verifies")
	}
	if !epiloop.LegacyAuditHash(make([]byte, 32)) || epiloop.LegacyAuditHash(chain[0].Hash) {
		t.Error("keyed and legacy hashes are not told apart")
	}
}
