package epiloop_test

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func TestAuditChain(t *testing.T) {
	at := time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)
	var prev []byte
	var chain []*epiloop.AuditEntry
	for i, action := range []string{epiloop.AuditLogin, epiloop.AuditReveal, epiloop.AuditChange} {
		e := epiloop.NewAuditEntry(&epiloop.User{ID: 3, Name: "commander", Role: epiloop.RoleCommander}, action, "lead:1", at)
		e.ID = int64(i + 1)
		e.Seal(prev)
		prev = e.Hash
		chain = append(chain, e)
	}
	prev = nil
	for _, e := range chain {
		if !e.Valid(prev) {
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
			if e.Valid(chain[0].Hash) {
				t.Error("edited entry still valid")
			}
		})
	}
	if chain[2].Valid(chain[0].Hash) {
		t.Error("entry valid after its predecessor was removed")
	}
}
