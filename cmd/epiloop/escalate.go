package main

import (
	"context"
	"fmt"
	"io"
)

func runEscalate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("escalate", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	n, err := m.Service.Escalate(ctx)
	if err != nil {
		return err
	}
	o, err := m.Service.EscalateObservations(ctx)
	if err != nil {
		return err
	}
	h, err := m.Service.EscalateHandovers(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d task escalations, %d missed observation checks, %d overdue hand-overs escalated\n", n, o, h)
	r, err := m.Service.EscalateRectifications(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d overdue rectifications escalated\n", r)
	d, err := m.Service.EscalateDesk(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d service desk clocks breached, %d tickets closed unconfirmed\n", d.Breached, d.Unconfirmed)
	c, err := m.Service.EscalateCohorts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d detention cohorts overdue for relief escalated\n", c)
	return nil
}
