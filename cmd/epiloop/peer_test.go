package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

// TestPeerCommands: the city key pair is created once (never
// overwritten), shown as the line to give the other city, and a peer is
// added, listed and removed; a bad key is refused naming the field's rule.
func TestPeerCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "epiloop.db")
	keyFile := filepath.Join(dir, "epiloop.db.key")
	ctx := context.Background()
	run1 := func(args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := run(ctx, args, strings.NewReader(""), &out, &errs)
		return out.String(), err
	}
	if _, err := run1("migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, err := run1("peer", "key", "init", "--key-file", keyFile, "--city", "210100")
	if err != nil || !strings.Contains(out, "epiloop peer add --city 210100") {
		t.Fatalf("key init: %v %s", err, out)
	}
	if _, err := run1("peer", "key", "init", "--key-file", keyFile); err == nil {
		t.Error("key init overwrote the city key file")
	}
	if st, err := os.Stat(CityKeyPath(keyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("city key file: %v %v", st, err)
	}
	shown, err := run1("peer", "key", "show", "--key-file", keyFile)
	if err != nil || !strings.Contains(out, strings.TrimSpace(strings.SplitN(shown, "\n", 2)[0])) {
		t.Errorf("key show %q differs from init %q (%v)", shown, out, err)
	}
	other, _ := epiloop.NewCityKeys()
	if _, err := run1("peer", "add", "--db", db, "--city", "210200", "--url", "https://dalian.example", "--key", "not-a-key"); err == nil {
		t.Error("a bad key was accepted")
	}
	if out, err := run1("peer", "add", "--db", db, "--city", "210200", "--url", "https://dalian.example", "--key", other.PublicKey()); err != nil || !strings.Contains(out, "大连市") {
		t.Fatalf("peer add: %v %s", err, out)
	}
	if out, err := run1("peer", "list", "--db", db); err != nil || !strings.Contains(out, "210200") || !strings.Contains(out, other.PublicKey()) {
		t.Errorf("peer list: %v %s", err, out)
	}
	if _, err := run1("peer", "remove", "--db", db, "--city", "210200"); err != nil {
		t.Fatal(err)
	}
	if out, _ := run1("peer", "list", "--db", db); strings.Contains(out, "210200") {
		t.Errorf("removed peer still listed: %s", out)
	}
}
