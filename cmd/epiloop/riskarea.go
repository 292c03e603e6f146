package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

const riskAreaUsage = `usage:
  epiloop risk-area add --db … --code 4201 --level high|medium|low|none --from 2020-01-01 --to 2020-03-31 [--note TEXT]
  epiloop risk-area list --db … [--history]`

// runRiskArea manages the risk areas from the command line, acting as
// headquarters: a change appends a version; decisions already taken keep
// the version they used.
func runRiskArea(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(riskAreaUsage)
	}
	switch args[0] {
	case "add":
		return runRiskAreaAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return runRiskAreaList(ctx, args[1:], stdout, stderr)
	}
	return errors.New(riskAreaUsage)
}

// cliCommander is the identity the command line acts under: a commander
// whose changes the audit trail records as made from the command line.
func cliCommander(ctx context.Context) context.Context {
	return epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "cli", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
}

func runRiskAreaAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("risk-area add", stderr)
	code := fs.String("code", "", "division code or name: province (42), city (4201) or county (420102)")
	level := fs.String("level", "high", "high, medium, low, or none to lift the area")
	from := fs.String("from", "", "first day of the watch window, YYYY-MM-DD")
	to := fs.String("to", "", "last day of the watch window, YYYY-MM-DD")
	note := fs.String("note", "", "why (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	a, err := m.Service.AddRiskArea(cliCommander(ctx), loop.RiskAreaInput{
		Code: *code, Level: epiloop.RiskLevel(*level), From: *from, To: *to, Note: *note,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "risk area %s %s %s..%s recorded as version %d\n", a.Code, a.Level, a.From, a.To, a.Version)
	return nil
}

func runRiskAreaList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("risk-area list", stderr)
	history := fs.Bool("history", false, "every version ever recorded, newest first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	ctx = cliCommander(ctx)
	var areas []epiloop.RiskArea
	if *history {
		areas, _, err = m.Service.RiskAreaHistory(ctx, 0, 1000)
	} else {
		var set *epiloop.RiskAreaSet
		if set, err = m.Service.RiskAreaSet(ctx); err == nil {
			areas = set.Areas
			fmt.Fprintf(stdout, "in force at version %d\n", set.Version)
		}
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCODE\tLEVEL\tFROM\tTO\tNOTE")
	for _, a := range areas {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.Version, a.Code, a.Level, a.From, a.To, a.Note)
	}
	return tw.Flush()
}
