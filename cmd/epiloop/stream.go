package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	eventstream "github.com/epiloop/epiloop/stream"
)

// streamConfig is the event stream's part of serve: publish the outbox to
// NATS JetStream (package stream) when --nats is given.
type streamConfig struct {
	url, city, stream string
}

func addStreamFlags(fs *flag.FlagSet) *streamConfig {
	c := &streamConfig{}
	env := os.Getenv
	fs.StringVar(&c.url, "nats", env("EPILOOP_NATS"), "NATS server the events are published to through JetStream, nats://host:4222 (env EPILOOP_NATS; none: not published)")
	fs.StringVar(&c.city, "nats-city", env("EPILOOP_NATS_CITY"), "city token of the subjects epiloop.<city>.<kind>.<district> (env EPILOOP_NATS_CITY; default: the jurisdiction tree's city code)")
	fs.StringVar(&c.stream, "nats-stream", env("EPILOOP_NATS_STREAM"), "JetStream stream, created or updated at start (env EPILOOP_NATS_STREAM; default EPILOOP_<city>)")
	return c
}

// publisher returns the publisher the configuration asks for, or nil
// without --nats.
func (c *streamConfig) publisher(store epiloop.Store, logger *slog.Logger) (*eventstream.Publisher, error) {
	if strings.TrimSpace(c.url) == "" {
		return nil, nil
	}
	city := c.city
	if city == "" {
		tree, err := divisions.Shenyang()
		if err != nil {
			return nil, err
		}
		city = tree.City.Code
	}
	p := eventstream.New(store, c.url, city)
	p.Stream = cmp.Or(c.stream, p.Stream)
	p.Name = "nats:" + p.Stream
	p.Logger = logger
	return p, nil
}

// runStream reports the event stream's position: how far the publisher
// got, who holds its lease, and how many events wait.
func runStream(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "status" {
		return errors.New("usage: epiloop stream status --db … [--nats-city C] [--nats-stream S]")
	}
	fs, db := dbFlagSet("stream status", stderr)
	c := addStreamFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	c.url = "nats://unused" // the name only: nothing is published here
	p, err := c.publisher(m.Store, m.Logger)
	if err != nil {
		return err
	}
	return m.Store.View(ctx, func(tx epiloop.Tx) error {
		last, err := tx.LastEventID()
		if err != nil {
			return err
		}
		pos, err := tx.FindStreamPosition(p.Name)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			fmt.Fprintf(stdout, "%s: never published; %d events wait\n", p.Name, last)
			return nil
		}
		if err != nil {
			return err
		}
		lease := "no lease"
		if pos.LeaseUntil.After(m.Service.Clock.Now()) {
			lease = "lease held by " + pos.Holder + " until " + pos.LeaseUntil.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s: published up to event %d of %d (%d waiting), %s, updated %s\n",
			p.Name, pos.LastEventID, last, max(last-pos.LastEventID, 0), lease, pos.UpdatedAt.Format(time.RFC3339))
		return nil
	})
}
