package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/epiloop/epiloop/loop"
)

// runGazetteer loads compound, road and short names into the gazetteer.
func runGazetteer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		return errors.New("usage: epiloop gazetteer load --db … FILE.csv  (columns: alias, community)")
	}
	fs, db := dbFlagSet("gazetteer load", stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: epiloop gazetteer load --db … FILE.csv")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	aliases, err := loop.ParseAliases(f)
	if err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Service.AddAliases(cliContext(ctx), aliases); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d names loaded into the gazetteer\n", len(aliases))
	return nil
}
