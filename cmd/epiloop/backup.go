package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the driver of the SQLite engine
)

// runBackup writes a consistent copy of an SQLite database while the
// server keeps running (VACUUM INTO reads one snapshot; writers go on).
// PostgreSQL is backed up with its own tools.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dsn := fl.String("db", "", "database: sqlite:PATH")
	out := fl.String("out", "", "backup file to write (must not exist)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(*dsn, "postgres://"), strings.HasPrefix(*dsn, "postgresql://"):
		fmt.Fprintln(stdout, "PostgreSQL is backed up with pg_dump (and restored with pg_restore), e.g.:")
		fmt.Fprintln(stdout, "  pg_dump --format=custom --file=epiloop.dump 'postgres://USER@HOST:PORT/DB'")
		fmt.Fprintln(stdout, "or continuously with WAL archiving; see docs/deployment.md. Back the key file up separately.")
		return errors.New("epiloop backup does not copy PostgreSQL databases: use pg_dump")
	case !strings.HasPrefix(*dsn, "sqlite:") || strings.TrimPrefix(*dsn, "sqlite:") == "":
		return errors.New("--db sqlite:PATH is required")
	case *out == "":
		return errors.New("--out FILE is required")
	}
	path := strings.TrimPrefix(*dsn, "sqlite:")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: refusing to overwrite it", *out)
	}
	// Read-only, waiting for a writer's lock rather than failing.
	db, err := sql.Open("sqlite3", sqliteURI(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, *out); err != nil {
		os.Remove(*out)
		return fmt.Errorf("backup: %w", err)
	}
	var check string
	if err := verifyBackup(ctx, *out, &check); err != nil {
		return fmt.Errorf("backup written to %s but does not check: %w", *out, err)
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (integrity %s)\n", path, *out, check)
	fmt.Fprintln(stdout, "The key file is not in the backup: keep its own backup, apart from this one.")
	return nil
}

// verifyBackup runs SQLite's integrity check on the written file.
func verifyBackup(ctx context.Context, path string, result *string) error {
	db, err := sql.Open("sqlite3", sqliteURI(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(result); err != nil {
		return err
	}
	if *result != "ok" {
		return errors.New(*result)
	}
	return nil
}

// sqliteURI makes a file: URI of a path, escaping what a URI would read
// as its query or fragment.
func sqliteURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
