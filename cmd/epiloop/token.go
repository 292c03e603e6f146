package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "revoke" {
		return runTokenRevoke(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: epiloop token create|revoke --db … --user N")
	}
	fs, db := dbFlagSet("token create", stderr)
	user := fs.String("user", "", "user name")
	ttl := fs.Duration("ttl", 365*24*time.Hour, "validity")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	tok, err := m.Service.CreateToken(cliContext(ctx), *user, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("token revoke", stderr)
	user := fs.String("user", "", "user name: every token of this user is revoked")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Service.RevokeTokens(cliContext(ctx), *user); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tokens of %s revoked\n", *user)
	return nil
}
