package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/epiloop/epiloop"
)

func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: epiloop retention run --db … [--days 30] [--dry-run]")
	}
	fs, db := dbFlagSet("retention run", stderr)
	days := fs.Int("days", int(epiloop.DefaultRetention/(24*time.Hour)), "keep personal data this many days after a lead ended")
	dry := fs.Bool("dry-run", false, "print what would be purged, change nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *days < 0 {
		return errors.New("--days must not be negative")
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	rep, err := m.Service.Purge(cliContext(ctx), time.Duration(*days)*24*time.Hour, *dry)
	if err != nil {
		return err
	}
	verb := "purged"
	if rep.DryRun {
		verb = "would purge"
	}
	fmt.Fprintf(stdout, "%s %d leads and %d persons ended before %s\n", verb, rep.Leads, rep.Persons, rep.Cutoff.Format(time.RFC3339))
	fmt.Fprintf(stdout, "%s %d released travellers' identities, %d rejected import rows and %d import warnings\n",
		verb, rep.Travellers, rep.Rejects, rep.Warnings)
	return nil
}
