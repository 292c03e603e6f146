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

// TestAuditVerifyDetectsDeletion: an insider with the database file (and
// SQL) drops the triggers and deletes the trail's tail, everything from an
// entry on, or every row, or rewrites an entry and re-chains the rest with
// the unkeyed hash anyone can compute. The anchor file beside the key and
// the keyed MAC make `epiloop audit verify` fail on each, naming the first
// broken entry.
func TestAuditVerifyDetectsDeletion(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		tamper     func(t *testing.T, raw *sql.DB)
	}{
		{"the last entries deleted", "BROKEN at entry 4", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit WHERE id >= 4`)
		}},
		{"everything from entry 2 on", "BROKEN at entry 2", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit WHERE id >= 2`)
		}},
		{"the table emptied", "the trail is empty", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit`)
		}},
		{"an entry rewritten and the rest re-chained without the key", "BROKEN at entry 2", func(t *testing.T, raw *sql.DB) {
			rechain(t, raw, 2)
		}},
		{"a middle entry deleted and the rest renumbered", "BROKEN at entry 3", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit WHERE id = 3`)
			mustExec(t, raw, `UPDATE audit SET id = id - 1 WHERE id > 3`)
			rechain(t, raw, 3)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "epiloop.db")
			dsn := "sqlite:" + path
			if _, err := cli(t, io.Discard, "migrate", "--db", dsn); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"li.na", "wang.qiang", "zhao.min", "sun.li", "zhou.jie"} {
				if _, err := cli(t, io.Discard, "user", "add", "--db", dsn, "--name", name, "--role", "analyst"); err != nil {
					t.Fatal(err)
				}
			}
			out, err := cli(t, io.Discard, "audit", "verify", "--db", dsn)
			if err != nil || !strings.Contains(out, "intact: 5 entries") || !strings.Contains(out, "naming entry 5") {
				t.Fatalf("verify before tampering: %q, %v", out, err)
			}
			if fi, err := os.Stat(AnchorPath(path + ".key")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("anchor file: %v, mode %v", err, fi.Mode())
			}
			raw, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, raw, `DROP TRIGGER audit_no_update`)
			mustExec(t, raw, `DROP TRIGGER audit_no_delete`)
			tc.tamper(t, raw)
			raw.Close()
			out, err = cli(t, io.Discard, "audit", "verify", "--db", dsn)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("verify after tampering: %q, %v; want %q", out, err, tc.want)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rechain rewrites entry from's detail and re-links every entry from
// there on with the unkeyed SHA-256 an insider without the key can
// compute.
func rechain(t *testing.T, db *sql.DB, from int64) {
	t.Helper()
	mustExec(t, db, fmt.Sprintf(`UPDATE audit SET detail = 'nothing happened' WHERE id = %d`, from))
	var prev []byte
	if err := db.QueryRow(`SELECT hash FROM audit WHERE id = ?`, from-1).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, time, actor_id, actor, role, action, object, purpose, detail FROM audit WHERE id >= ? ORDER BY id`, from)
	if err != nil {
		t.Fatal(err)
	}
	var es []*epiloop.AuditEntry
	for rows.Next() {
		var (
			e  epiloop.AuditEntry
			ms int64
		)
		if err := rows.Scan(&e.ID, &ms, &e.ActorID, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Purpose, &e.Detail); err != nil {
			t.Fatal(err)
		}
		e.Time = time.UnixMilli(ms).UTC()
		es = append(es, &e)
	}
	rows.Close()
	for _, e := range es {
		e.Seal(prev, unkeyed{})
		mustExec(t, db, fmt.Sprintf(`UPDATE audit SET prev_hash = x'%x', hash = x'%x' WHERE id = %d`, e.Prev, e.Hash, e.ID))
		prev = e.Hash
	}
}

// unkeyed seals like the trail did before it was keyed: a plain SHA-256.
type unkeyed struct{}

func (unkeyed) AuditMAC(digest []byte) []byte         { return digest }
func (unkeyed) CheckAuditMAC(digest, mac []byte) bool { return string(digest) == string(mac) }

// TestFilesOwnerOnly: the database, its log, the key, the audit anchor
// and a backup are readable by their owner only.
func TestFilesOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "epiloop.db")
	dsn := "sqlite:" + path
	if _, err := cli(t, io.Discard, "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, io.Discard, "user", "add", "--db", dsn, "--name", "li.na", "--role", "analyst"); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "copy.db")
	if _, err := cli(t, io.Discard, "backup", "--db", dsn, "--out", backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".key", AnchorPath(path + ".key"), backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want owner only", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
