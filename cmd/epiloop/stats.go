package main

import (
	"context"
	"fmt"
	"io"
)

func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: epiloop stats verify --db …")
	}
	fs, db := dbFlagSet("stats verify", stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	drift, err := m.Service.VerifyCounters(ctx)
	if err != nil {
		return err
	}
	stats, err := m.Service.VerifyStats(ctx)
	if err != nil {
		return err
	}
	for k, v := range stats {
		drift[k] = v
	}
	for k, v := range drift {
		fmt.Fprintf(stdout, "drift %s %s: counter %d, rows %d\n", k.Scope, k.Metric, v[0], v[1])
	}
	if len(drift) > 0 {
		return fmt.Errorf("%d counters drifted", len(drift))
	}
	fmt.Fprintln(stdout, "counters consistent")
	return nil
}
