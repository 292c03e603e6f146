package postgres_test

import (
	"testing"

	"github.com/epiloop/epiloop/storetest"
)

// TestHourBackfill pins the migration that filled the hourly counters
// against the domain's rule.
func TestHourBackfill(t *testing.T) {
	db := open(t)
	storetest.RunHourBackfill(t, db, func(t testing.TB) {
		t.Helper()
		if err := db.Rerun("0008_hour_counters.sql"); err != nil {
			t.Fatalf("backfill: %v", err)
		}
	})
}
