package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/epiloop/epiloop"
)

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: epiloop audit verify --db …")
	}
	fs, db := dbFlagSet("audit verify", stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	rep, err := m.Service.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	anchor := "no anchor file at " + m.Service.AnchorPath
	if a := rep.Anchor; a != nil {
		anchor = fmt.Sprintf("%d anchors, the latest of %s naming entry %d", rep.Anchors, a.Time.Format(time.RFC3339), a.ID)
	}
	if b := rep.Break; b != nil {
		fmt.Fprintf(stdout, "audit trail BROKEN at entry %d: %s (%d entries verified before it; %s)\n", b.ID, b.Reason, rep.Entries, anchor)
		return fmt.Errorf("audit trail broken at entry %d", b.ID)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries, keyed chain; %s\n", rep.Entries, anchor)
	return nil
}

// cliContext is the context of a command-line operator, who acts on the
// database directly and is audited as such.
func cliContext(ctx context.Context) context.Context {
	return epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "cli", Role: epiloop.RoleAdmin})
}

// commanderContext is the context of a CLI command that reads the city's
// leads (the benchmarks' set-up): an admin may not, a city commander may.
func commanderContext(ctx context.Context) context.Context {
	return epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "cli", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
}
