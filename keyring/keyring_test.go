package keyring_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
)

var _ epiloop.Cipher = (*keyring.Keyring)(nil)

func TestSealOpen(t *testing.T) {
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"", "11010519491231002X", "13800138000", "张三"} {
		s, err := k.Seal(v)
		if err != nil {
			t.Fatal(err)
		}
		if v != "" && bytes.Contains(s, []byte(v)) {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := k.Open(s)
		if err != nil || got != v {
			t.Errorf("Open(Seal(%q)) = %q, %v", v, got, err)
		}
	}
	s, _ := k.Seal("13800138000")
	s[len(s)-1] ^= 1
	if _, err := k.Open(s); err == nil {
		t.Error("a damaged value opened")
	}
}

func TestIndex(t *testing.T) {
	a, _ := keyring.New()
	b, _ := keyring.New()
	if !bytes.Equal(a.Index("id", "x"), a.Index("id", "x")) {
		t.Error("index not deterministic")
	}
	if bytes.Equal(a.Index("id", "x"), a.Index("phone", "x")) {
		t.Error("kinds share an index")
	}
	if bytes.Equal(a.Index("id", "x"), b.Index("id", "x")) {
		t.Error("different keys give the same index")
	}
	if a.Index("id", "") != nil {
		t.Error("empty value indexed")
	}
}

func TestFileRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.key")
	k1, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Create(path); err == nil {
		t.Error("Create overwrote a key file")
	}
	old, _ := k1.Seal("13800138000")
	k2, err := keyring.Rotate(path)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Current() != 2 {
		t.Errorf("current = %d, want 2", k2.Current())
	}
	if got, err := k2.Open(old); err != nil || got != "13800138000" {
		t.Errorf("old value after rotation: %q, %v", got, err)
	}
	fresh, _ := k2.Seal("x")
	if keyring.SealedWith(fresh) != 2 {
		t.Errorf("sealed with %d, want 2", keyring.SealedWith(fresh))
	}
	if !bytes.Equal(k1.Index("id", "a"), k2.Index("id", "a")) {
		t.Error("rotation changed the blind index")
	}
	k3, err := keyring.Load(path)
	if err != nil || k3.Current() != 2 {
		t.Errorf("reload: %v", err)
	}
}

// TestReloadAfterRotationElsewhere: a server holding the old ring opens
// values sealed by the process that rotated the key.
func TestReloadAfterRotationElsewhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.key")
	server, err := keyring.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := keyring.Rotate(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := rotated.Seal("13800138000")
	if got, err := server.Open(s); err != nil || got != "13800138000" {
		t.Fatalf("server opening a value sealed under the new key: %q, %v", got, err)
	}
	if server.Current() != 2 {
		t.Errorf("server seals with key %d after reload, want 2", server.Current())
	}
}
