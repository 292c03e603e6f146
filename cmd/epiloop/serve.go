package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	cert := fs.String("tls-cert", "", "TLS certificate file (serve HTTPS)")
	key := fs.String("tls-key", "", "TLS key file")
	escalateEvery := fs.Duration("escalate-every", 30*time.Second, "how often overdue tasks are escalated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	m.Server.TLSCert, m.Server.TLSKey = *cert, *key
	if *escalateEvery > 0 {
		m.EscalateEvery = *escalateEvery
	}
	if err := m.Run(ctx, *addr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "epiloop serving at %s\n", m.Server.URL())
	<-ctx.Done()
	return nil
}

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
	fmt.Fprintf(stdout, "%d task escalations, %d missed observation checks escalated\n", n, o)
	return nil
}

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
