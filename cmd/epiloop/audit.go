package main

import (
	"context"
	"errors"
	"fmt"
	"io"

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
	brk, n, err := m.Service.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		fmt.Fprintf(stdout, "audit trail BROKEN at entry %d: %s (%d entries verified before it)\n", brk.ID, brk.Reason, n)
		return fmt.Errorf("audit trail broken at entry %d", brk.ID)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries\n", n)
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
