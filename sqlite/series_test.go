package sqlite

import (
	"context"
	"testing"

	"github.com/epiloop/epiloop/storetest"
)

// TestHourBackfill pins the migration that filled the hourly counters
// against the domain's rule.
func TestHourBackfill(t *testing.T) {
	db := openInternal(t)
	storetest.RunHourBackfill(t, db, func(t testing.TB) {
		t.Helper()
		b, err := migrationFiles.ReadFile("migrations/0009_hour_counters.sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.writer.ExecContext(context.Background(), string(b)); err != nil {
			t.Fatalf("backfill: %v", err)
		}
	})
}
