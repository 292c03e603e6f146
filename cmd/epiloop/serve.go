package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	cert := fs.String("tls-cert", "", "TLS certificate file (serve HTTPS)")
	key := fs.String("tls-key", "", "TLS key file")
	proxies := fs.String("trusted-proxy", os.Getenv("EPILOOP_TRUSTED_PROXY"),
		"addresses or CIDR prefixes of the reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated; env EPILOOP_TRUSTED_PROXY)")
	escalateEvery := fs.Duration("escalate-every", 30*time.Second, "how often overdue tasks are escalated")
	notices := addNotifyFlags(fs)
	events := addStreamFlags(fs)
	city := fs.String("city", os.Getenv("EPILOOP_CITY"), "this instance's city code for the hand-over between cities (210100; env EPILOOP_CITY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	trusted, err := ehttp.ParseTrustedProxies(*proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	if *city != "" {
		if !epiloop.ValidCityCode(*city) {
			return fmt.Errorf("--city %q: want a 6-digit city code such as 210100", *city)
		}
		m.Service.XCity.City = *city
	}
	if m.Service.XCity.Keys != nil && m.Service.XCity.City == "" {
		m.Logger.Warn("city key file present but no --city (EPILOOP_CITY): no hand-over messages are sent or received")
	}
	m.Server.TLSCert, m.Server.TLSKey = *cert, *key
	m.Server.TrustedProxies = trusted
	if *escalateEvery > 0 {
		m.EscalateEvery = *escalateEvery
	}
	if m.Notifier, err = notices.worker(m.Store, m.Service.Clock, m.Service.OnDutyFor); err != nil {
		return err
	}
	if m.Notifier != nil {
		m.Notifier.Logger = m.Logger
		m.NotifyEvery = notices.every
	}
	if m.Publisher, err = events.publisher(m.Store, m.Logger); err != nil {
		return err
	}
	if err := m.Run(ctx, *addr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "epiloop serving at %s\n", m.Server.URL())
	<-ctx.Done()
	return nil
}
