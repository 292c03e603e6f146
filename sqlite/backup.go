package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// CheckpointWAL copies the log into the database and truncates it
// (retention ends with it: purged values must not stay in the log).
func (db *DB) CheckpointWAL(ctx context.Context) error {
	_, err := db.writer.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return wrap(err, "wal checkpoint")
}

// Backup writes a consistent copy of the database file at path to out
// while other processes keep using it (VACUUM INTO reads one snapshot;
// writers go on), then runs SQLite's integrity check on the copy. It
// refuses to overwrite out. The key file is not part of the copy.
func Backup(ctx context.Context, path, out string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: database %s: %w", path, err)
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("sqlite: %s exists: refusing to overwrite it", out)
	}
	// Read-only, waiting for a writer's lock rather than failing.
	db, err := sql.Open("sqlite3", fileURI(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := os.Chmod(out, 0o600); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := integrity(ctx, out); err != nil {
		return fmt.Errorf("sqlite: backup written to %s but does not check: %w", out, err)
	}
	return nil
}

// integrity runs SQLite's integrity check on a file.
func integrity(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", fileURI(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return errors.New(result)
	}
	return nil
}

// fileURI makes a file: URI of a path, escaping what a URI would read as
// its query or fragment.
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
