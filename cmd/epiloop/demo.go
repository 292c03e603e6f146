package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/epiloop/epiloop/scenario"
)

// demoSeed fixes the demo's people so every run tells the same story.
const demoSeed = 2020

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", "", "data directory (a temporary one if empty)")
	perDistrict := fs.Int("leads", 28, "scenario leads per district")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *data
	if dir == "" {
		d, err := os.MkdirTemp("", "epiloop-demo-")
		if err != nil {
			return err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "epiloop.db")
	m, err := NewMain(ctx, dbFlags{dsn: "sqlite:" + path, createKey: true}, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	// The demo is Shenyang with a key pair of its own; its peer Dalian
	// (seeded) resolves nowhere, so it runs without a network.
	if m.Service.XCity.Keys == nil {
		if m.Service.XCity, err = cityConfig(path+".key", scenario.DemoCityCode, true); err != nil {
			return err
		}
	}
	if m.Service.XCity.City == "" {
		m.Service.XCity.City = scenario.DemoCityCode
	}
	fresh, err := scenario.CreateAccounts(ctx, m.Service)
	if err != nil {
		return err
	}
	if fresh {
		start := time.Now()
		sum, err := scenario.Seed(ctx, m.Store, m.Service.Regions, m.Service.Clock.Now(), demoSeed, *perDistrict)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "seeded %d leads across 13 districts in %.1fs\n", sum.Leads, time.Since(start).Seconds())
	}
	if err := m.Run(ctx, *addr); err != nil {
		return err
	}
	printDemo(ctx, stdout, m, path)
	<-ctx.Done()
	return nil
}

// printDemo prints the URL, the database and the demo accounts, each with a
// fresh bearer token for trying the API with curl.
func printDemo(ctx context.Context, w io.Writer, m *Main, path string) {
	fmt.Fprintf(w, "epiloop demo (沈阳市) serving at %s\n", m.Server.URL())
	fmt.Fprintf(w, "database: sqlite:%s\n\n", path)
	fmt.Fprintf(w, "Demo accounts (password %q):\n", scenario.Password)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tUNIT\tBEARER TOKEN")
	for _, a := range slices.Concat(scenario.Accounts, scenario.DutyAccounts, scenario.DetentionAccounts) {
		tok, err := m.Service.CreateToken(ctx, a.Name, 7*24*time.Hour)
		if err != nil {
			tok = "(" + err.Error() + ")"
		}
		unit := a.Unit
		if unit == "" {
			unit = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.Role, unit, tok)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTry: curl -H 'Authorization: Bearer <token>' %s/api/v1/stats/overview\n", m.Server.URL())
}
