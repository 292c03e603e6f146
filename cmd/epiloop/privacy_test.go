package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/scenario"
)

// cli runs a subcommand in-process and returns its stdout.
func cli(t *testing.T, stderr io.Writer, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, stderr)
	return out.String(), err
}

// TestAuditVerifyDetectsTampering edits an audit entry directly in the
// database file, as an insider with the file would, and sees
// `epiloop audit verify` name the entry.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "epiloop.db")
	if _, err := cli(t, io.Discard, "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"li.na", "wang.qiang", "zhao.min"} {
		if _, err := cli(t, io.Discard, "user", "add", "--db", dsn, "--name", name, "--role", "analyst"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cli(t, io.Discard, "audit", "verify", "--db", dsn)
	if err != nil || !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("verify before tampering: %q, %v", out, err)
	}
	raw, err := sql.Open("sqlite3", filepath.Join(dir, "epiloop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit SET detail = 'nothing happened' WHERE id = 2`); err == nil {
		t.Fatal("the audit trail accepted an UPDATE through SQL")
	}
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET detail = 'nothing happened' WHERE id = 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out, err = cli(t, io.Discard, "audit", "verify", "--db", dsn)
	if err == nil || !strings.Contains(out, "BROKEN at entry 2") {
		t.Errorf("verify after tampering: %q, %v", out, err)
	}
}

// syncBuffer is a log destination shared by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoPersonalData runs a whole scenario — the demo's seeding,
// API calls with good and malformed identities, an import with rejected
// rows, escalation — with the server logging at debug level, and finds no
// ID number, phone or name of anyone involved in the logs or in the
// commands' output.
func TestLogsHoldNoPersonalData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := NewMain(ctx, dbFlags{dsn: "sqlite:" + filepath.Join(dir, "epiloop.db"), createKey: true}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := scenario.CreateAccounts(ctx, m.Service); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.Seed(ctx, m.Store, m.Service.Regions, m.Service.Clock.Now(), 2020, 4); err != nil {
		t.Fatal(err)
	}
	m.EscalateEvery = 50 * time.Millisecond
	if err := m.Run(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	tok, err := m.Service.CreateToken(cliContext(ctx), "commander", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"11010519491231002X", "13800138000", "张三丰", "110105194912310021", "13912345678", "李四光"}
	post := func(path string, body any) {
		js, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", m.Server.URL()+"/api/v1"+path, bytes.NewReader(js))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post("/leads", map[string]any{"person": map[string]any{"id_number": secrets[0], "phone": secrets[1], "name": secrets[2]},
		"address": "沈阳市和平区水源地社区12号楼3单元", "source": map[string]any{"kind": "hotline"}})
	post("/leads", map[string]any{"person": map[string]any{"id_number": secrets[3], "phone": secrets[4], "name": secrets[5]},
		"source": map[string]any{"kind": "hotline"}}) // bad check character: 400
	post("/leads", map[string]any{"person": map[string]any{"phone": "1391234567", "name": secrets[5]}, "source": map[string]any{"kind": "hotline"}})
	post("/leads", `{"person":{"id_number":"`+secrets[0]+`"`) // malformed JSON
	post("/leads/1/reveal", map[string]any{"purpose": "核查"})

	manifest := filepath.Join(dir, "manifest.csv")
	if err := generateTo(manifest, intake.GenOptions{Rows: 500, Seed: 3, Format: intake.FormatCSV, Noise: 0.3}); err != nil {
		t.Fatal(err)
	}
	m.Close() // the import command opens the database itself
	var stderr syncBuffer
	out, err := cli(t, &stderr, "import", "--db", "sqlite:"+filepath.Join(dir, "epiloop.db"), "--source", "rail", manifest)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr.String())
	}
	f, _ := os.Open(manifest)
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	for _, r := range rows[1:] {
		for i, h := range rows[0] {
			if (h == "姓名" || h == "身份证号" || h == "手机号") && len(strings.TrimSpace(r[i])) >= 2 {
				secrets = append(secrets, strings.TrimSpace(r[i]))
			}
		}
	}
	all := logs.String() + stderr.String() + out
	if !strings.Contains(all, "import") && !strings.Contains(out, "rows") {
		t.Fatalf("nothing was logged or printed; the test would prove nothing")
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("personal data in the logs or output: a %d-byte value (%q…)", len(s), s[:3])
		}
	}
	t.Logf("checked %d values against %d bytes of logs and output", len(secrets), len(all))
	_ = fmt.Sprint(epiloop.EINVALID)
}
