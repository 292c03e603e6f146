package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := dbFlags{createKey: true}
	db.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintln(stdout, "database migrated")
	return nil
}
