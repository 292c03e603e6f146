package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/epiloop/epiloop/sqlite"
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
	if err := sqlite.Backup(ctx, path, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (integrity ok)\n", path, *out)
	fmt.Fprintln(stdout, "The key file is not in the backup: keep its own backup, apart from this one.")
	return nil
}
