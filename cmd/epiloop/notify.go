package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/notify"
)

// notifyConfig is how serve delivers notices to the person on duty: a
// signed webhook for every target, an SMS gateway with a number per target.
type notifyConfig struct {
	webhook, secret                           string
	smsURL, smsMethod, smsTemplate, smsHeader string
	smsTo                                     string
	attempts                                  int
	backoff, every, lease, timeout            time.Duration
}

// addNotifyFlags declares the notifier's flags on fs; each has an
// environment variable too, so secrets stay out of the process list.
func addNotifyFlags(fs *flag.FlagSet) *notifyConfig {
	c := &notifyConfig{}
	env := os.Getenv
	fs.StringVar(&c.webhook, "notify-webhook", env("EPILOOP_NOTIFY_WEBHOOK"), "URL every notice is POSTed to, signed (env EPILOOP_NOTIFY_WEBHOOK)")
	fs.StringVar(&c.secret, "notify-secret", env("EPILOOP_NOTIFY_SECRET"), "shared secret of the webhook's HMAC-SHA256 signature (env EPILOOP_NOTIFY_SECRET)")
	fs.StringVar(&c.smsURL, "notify-sms-url", env("EPILOOP_NOTIFY_SMS_URL"), "URL of the HTTP SMS gateway (env EPILOOP_NOTIFY_SMS_URL)")
	fs.StringVar(&c.smsMethod, "notify-sms-method", "POST", "HTTP method of the SMS gateway")
	fs.StringVar(&c.smsTemplate, "notify-sms-template", env("EPILOOP_NOTIFY_SMS_TEMPLATE"),
		"body template of the SMS gateway (Go text/template with {{.To}}, {{.Text}}, {{.Key}}; {{json .Text}} quotes; default "+notify.DefaultSMSTemplate+")")
	fs.StringVar(&c.smsHeader, "notify-sms-header", env("EPILOOP_NOTIFY_SMS_HEADER"), `header sent to the SMS gateway, "Name: value" (env EPILOOP_NOTIFY_SMS_HEADER)`)
	fs.StringVar(&c.smsTo, "notify-sms-to", env("EPILOOP_NOTIFY_SMS_TO"), "duty desk numbers by target: HQ=…,<district code>=… (env EPILOOP_NOTIFY_SMS_TO)")
	fs.IntVar(&c.attempts, "notify-attempts", epiloop.DefaultNoticeAttempts, "tries before a notice is dead")
	fs.DurationVar(&c.backoff, "notify-backoff", 30*time.Second, "wait after a notice's first failed try, doubled after each next one (at most 1h)")
	fs.DurationVar(&c.every, "notify-every", envDuration("EPILOOP_NOTIFY_EVERY", 5*time.Second), "how often notices are produced and delivered (env EPILOOP_NOTIFY_EVERY)")
	fs.DurationVar(&c.timeout, "notify-timeout", envDuration("EPILOOP_NOTIFY_TIMEOUT", 10*time.Second), "how long one delivery may take (env EPILOOP_NOTIFY_TIMEOUT)")
	fs.DurationVar(&c.lease, "notify-lease", envDuration("EPILOOP_NOTIFY_LEASE", 2*time.Minute),
		"how long a replica's claim on a notice keeps it from the others, at least twice --notify-timeout: a killed replica's notices are sent again after it (env EPILOOP_NOTIFY_LEASE)")
	return c
}

// worker returns the notifier the configuration asks for, or nil when
// nothing is configured: then no notices are produced.
func (c *notifyConfig) worker(store epiloop.Store, clock epiloop.Clock, onDuty notify.OnDuty) (*notify.Worker, error) {
	if c.lease < 2*c.timeout {
		return nil, errors.New("--notify-lease must be at least twice --notify-timeout")
	}
	channels := &notify.Channels{ByTarget: map[string][]notify.Recipient{}, OnDuty: onDuty}
	senders := map[string]notify.Sender{}
	if c.webhook != "" {
		if c.secret == "" {
			return nil, errors.New("--notify-webhook needs --notify-secret")
		}
		channels.All = append(channels.All, notify.Recipient{Channel: "webhook", Address: c.webhook})
		senders["webhook"] = &notify.Webhook{Secret: []byte(c.secret), Clock: clock, Timeout: c.timeout}
	}
	if c.smsURL != "" {
		sms, err := c.sms()
		if err != nil {
			return nil, err
		}
		senders["sms"] = sms
		// Every post's duty telephone gets its node's notices; the
		// numbers by target are desks besides.
		channels.SMSToPost = true
		for _, pair := range strings.Split(c.smsTo, ",") {
			if c.smsTo == "" {
				break
			}
			target, to, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok || target == "" || to == "" {
				return nil, fmt.Errorf("--notify-sms-to: %q is not target=number", pair)
			}
			channels.ByTarget[target] = append(channels.ByTarget[target], notify.Recipient{Channel: "sms", Address: to})
		}
	} else if c.smsTo != "" {
		return nil, errors.New("--notify-sms-to needs --notify-sms-url")
	}
	if channels.Empty() {
		return nil, nil
	}
	w := notify.NewWorker(store, clock, channels, senders)
	if c.attempts > 0 {
		w.MaxAttempts = c.attempts
	}
	if c.backoff > 0 {
		w.Backoff = c.backoff
	}
	w.Lease = c.lease
	return w, nil
}

// envDuration reads a duration from the environment, def when unset or
// unreadable.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func (c *notifyConfig) sms() (*notify.SMS, error) {
	tmpl, err := notify.ParseSMSTemplate(c.smsTemplate)
	if err != nil {
		return nil, fmt.Errorf("--notify-sms-template: %w", err)
	}
	s := &notify.SMS{URL: c.smsURL, Method: c.smsMethod, Body: tmpl, Timeout: c.timeout}
	if c.smsHeader != "" {
		name, value, ok := strings.Cut(c.smsHeader, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("--notify-sms-header: want \"Name: value\"")
		}
		s.HeaderName, s.HeaderValue = strings.TrimSpace(name), strings.TrimSpace(value)
	}
	return s, nil
}

// runNotices lists the outbox of notices and, with --log, each one's
// delivery log: what was sent, how often, and why a dead one died. A
// notice holds no personal data, so the listing is not audited.
func runNotices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New("usage: epiloop notices list --db … [--status pending|delivered|dead] [--limit N] [--log]")
	}
	fs, db := dbFlagSet("notices list", stderr)
	status := fs.String("status", "", "only notices in this status")
	limit := fs.Int("limit", 50, "how many, newest first (at most 1000)")
	withLog := fs.Bool("log", false, "print each notice's delivery attempts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	f := epiloop.NoticeFilter{Limit: *limit}
	if *status != "" {
		s := epiloop.NoticeStatus(*status)
		f.Status = &s
	}
	return m.Store.View(ctx, func(tx epiloop.Tx) error {
		ns, total, err := tx.FindNotices(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d notices\n", total)
		for _, n := range ns {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%d attempts\tnext %s\t%s\tkey %s\n", n.ID, n.Kind, n.Target, n.Channel,
				n.Status, n.Attempts, n.NextAttemptAt.Format(time.RFC3339), n.LastError, n.Key)
			if !*withLog {
				continue
			}
			log, err := tx.FindNoticeAttempts(n.ID)
			if err != nil {
				return err
			}
			for _, a := range log {
				fmt.Fprintf(stdout, "\t%s\tstatus %d\t%d ms\t%s\n", a.Time.Format(time.RFC3339), a.Status, a.Duration.Milliseconds(), a.Error)
			}
		}
		return nil
	})
}
