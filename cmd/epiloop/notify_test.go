package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/notify"
)

// TestNoticeSurvivesKill SIGKILLs `epiloop serve` while a webhook
// delivery of an urgent lead's notice is in flight, and restarts it on the
// same file: the notice is delivered again, signed, with the same
// idempotency key; the fake SMS gateway receives the urgent notice's text,
// which carries none of the lead's personal data.
func TestNoticeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const secret = "kill-test-secret"
	var (
		mu      sync.Mutex
		keys    []string
		texts   []string // what the webhook received
		sms     []string // what the gateway received
		first   = make(chan struct{})
		release = make(chan struct{})
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify([]byte(secret), body, r.Header.Get(notify.HeaderSignature)) {
			t.Errorf("webhook: bad signature on %s", body)
		}
		mu.Lock()
		keys = append(keys, r.Header.Get(notify.HeaderIdempotency))
		texts = append(texts, string(body))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			close(first)
			<-release // the server dies before it hears the answer
		}
	}))
	defer hook.Close()
	defer close(release)
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ To, Text string }
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("gateway: %v: %s", err, body)
		}
		mu.Lock()
		sms = append(sms, string(body))
		mu.Unlock()
	}))
	defer gateway.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	c := &cluster{t: t, bin: bin, db: "sqlite:" + filepath.Join(dir, "epiloop.db"),
		env: append(os.Environ(), "EPILOOP_KEY_FILE="+filepath.Join(dir, "epiloop.key"),
			"EPILOOP_NOTIFY_WEBHOOK="+hook.URL, "EPILOOP_NOTIFY_SECRET="+secret,
			"EPILOOP_NOTIFY_SMS_URL="+gateway.URL, "EPILOOP_NOTIFY_SMS_TO=210102=024-23456789,HQ=024-98765432",
			"EPILOOP_NOTIFY_EVERY=100ms", "EPILOOP_NOTIFY_TIMEOUT=500ms", "EPILOOP_NOTIFY_LEASE=1s")}
	c.cli("migrate")
	c.cli("user", "add", "--name", "hq", "--role", "commander", "--unit", "HQ")
	token := strings.TrimSpace(c.cli("token", "create", "--user", "hq"))
	srv := c.start("before")
	if srv == nil {
		t.FailNow()
	}
	person := map[string]any{"id_number": idNumber(901), "name": "李秀英", "phone": "13911112222"}
	srv.post(t, token, "/api/v1/leads", map[string]any{
		"person":  person,
		"address": "沈阳市和平区水源地社区12号楼3单元",
		"source":  map[string]any{"kind": "hotline", "ref": "notice-test"},
		"reason":  map[string]any{"origin": "武汉市", "arrival_date": "2020-01-22", "fever": true},
	}, http.StatusCreated)
	select {
	case <-first:
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook never received the urgent lead's notice")
	}
	srv.kill(t)

	if c.start("after") == nil {
		t.FailNow()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n, m := len(keys), len(sms)
		mu.Unlock()
		if n >= 2 && m >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: %d webhook deliveries, %d SMS; want 2 and 1", n, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("idempotency keys %v: want the same key redelivered", keys)
	}
	if !strings.Contains(sms[0], "紧急线索") || !strings.Contains(sms[0], "024-23456789") {
		t.Errorf("gateway got %s, want the urgent notice to the district's desk", sms[0])
	}
	if out := c.cli("notices", "list", "--log"); !strings.Contains(out, "delivered") || !strings.Contains(out, keys[0]) {
		t.Errorf("notices list:\n%s", out)
	}
	for _, s := range append(texts, sms...) {
		for _, p := range person {
			if strings.Contains(s, p.(string)) {
				t.Errorf("notice %s carries personal data %q", s, p)
			}
		}
	}
}

func TestNotifyConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		worker  bool
		wantErr bool
	}{
		{"nothing configured", nil, false, false},
		{"webhook", []string{"--notify-webhook", "https://h.example/x", "--notify-secret", "s"}, true, false},
		{"webhook without secret", []string{"--notify-webhook", "https://h.example/x"}, false, true},
		{"sms", []string{"--notify-sms-url", "https://sms.example", "--notify-sms-to", "HQ=1,210102=2"}, true, false},
		{"sms to the posts' duty telephones only", []string{"--notify-sms-url", "https://sms.example"}, true, false},
		{"numbers without sms", []string{"--notify-sms-to", "HQ=1"}, false, true},
		{"bad number pair", []string{"--notify-sms-url", "https://sms.example", "--notify-sms-to", "HQ"}, false, true},
		{"bad template", []string{"--notify-sms-url", "u", "--notify-sms-to", "HQ=1", "--notify-sms-template", "{{"}, false, true},
		{"bad header", []string{"--notify-sms-url", "u", "--notify-sms-to", "HQ=1", "--notify-sms-header", "x"}, false, true},
		{"short lease", []string{"--notify-webhook", "u", "--notify-secret", "s", "--notify-lease", "15s"}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"EPILOOP_NOTIFY_WEBHOOK", "EPILOOP_NOTIFY_SECRET", "EPILOOP_NOTIFY_SMS_URL", "EPILOOP_NOTIFY_SMS_TO",
				"EPILOOP_NOTIFY_SMS_TEMPLATE", "EPILOOP_NOTIFY_SMS_HEADER", "EPILOOP_NOTIFY_EVERY", "EPILOOP_NOTIFY_TIMEOUT", "EPILOOP_NOTIFY_LEASE"} {
				t.Setenv(k, "")
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			c := addNotifyFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			w, err := c.worker(nil, epiloop.SystemClock{}, nil)
			if (err != nil) != tc.wantErr || (w != nil) != tc.worker {
				t.Errorf("got worker %v, err %v; want worker %v, error %v", w != nil, err, tc.worker, tc.wantErr)
			}
		})
	}
}
