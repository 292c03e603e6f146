package main

import (
	"cmp"
	"flag"
	"log/slog"
	"os"
	"strings"

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
