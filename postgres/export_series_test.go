package postgres

import "context"

// Rerun executes an embedded migration's SQL again, for the test that pins
// a backfill against the domain.
func (db *DB) Rerun(name string) error {
	b, err := migrationFiles.ReadFile("migrations/" + name)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(context.Background(), string(b))
	return err
}
