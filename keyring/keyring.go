// Package keyring holds the keys that protect personal data at rest:
// AES-256-GCM for sealing identity numbers and phones, and an HMAC-SHA256
// key for their blind indexes. Keys live in a file outside the database.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
)

// Keyring is a set of sealing keys (the newest seals, all open) and the
// blind-index key. It is safe for concurrent use once loaded.
type Keyring struct {
	mu      sync.RWMutex
	current byte
	aeads   map[byte]cipher.AEAD
	// audit holds, per sealing key, the audit chain's MAC key derived
	// from it: rotating the data key rotates the chain's.
	audit map[byte]*[32]byte
	mac   []byte
	// path is the key file, when loaded from one: a value sealed under a
	// key this ring does not know yet (rotated by another process) makes
	// it read the file again.
	path string
}

// file is the key file's JSON form.
type file struct {
	Current byte              `json:"current"`
	Keys    map[string]string `json:"keys"` // id → base64 32-byte AES key
	Index   string            `json:"index"`
}

// New returns a keyring with fresh random keys, kept in memory.
func New() (*Keyring, error) {
	f := file{Current: 1, Keys: map[string]string{"1": randomKey()}, Index: randomKey()}
	return fromFile(f)
}

func randomKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func fromFile(f file) (*Keyring, error) {
	mac, err := base64.StdEncoding.DecodeString(f.Index)
	if err != nil || len(mac) != 32 {
		return nil, errors.New("keyring: index key must be 32 bytes, base64")
	}
	k := &Keyring{current: f.Current, aeads: map[byte]cipher.AEAD{}, audit: map[byte]*[32]byte{}, mac: mac}
	for id, enc := range f.Keys {
		var n int
		if _, err := fmt.Sscanf(id, "%d", &n); err != nil || n < 1 || n > 255 {
			return nil, fmt.Errorf("keyring: key id %q must be 1–255", id)
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("keyring: key %d must be 32 bytes, base64", n)
		}
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		k.aeads[byte(n)] = aead
		k.audit[byte(n)] = deriveAuditKey(key)
	}
	if k.aeads[k.current] == nil {
		return nil, errors.New("keyring: the current key is missing")
	}
	return k, nil
}

// Load reads a key file.
func Load(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("keyring: %s is not a key file", path)
	}
	k, err := fromFile(f)
	if err != nil {
		return nil, err
	}
	k.path = path
	return k, nil
}

// Create writes a new key file at path; it refuses to overwrite one.
func Create(path string) (*Keyring, error) {
	f := file{Current: 1, Keys: map[string]string{"1": randomKey()}, Index: randomKey()}
	if err := write(path, f, os.O_EXCL); err != nil {
		return nil, err
	}
	return Load(path)
}

// LoadOrCreate loads the key file at path, creating it when missing.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Create(path)
	}
	return k, err
}

// Rotate adds a new sealing key to the file at path and makes it current;
// values sealed with older keys still open until re-sealed.
func Rotate(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("keyring: %s is not a key file", path)
	}
	if f.Current == 255 {
		return nil, errors.New("keyring: no key ids left")
	}
	f.Current++
	f.Keys[fmt.Sprint(f.Current)] = randomKey()
	if err := write(path, f, os.O_TRUNC); err != nil {
		return nil, err
	}
	return Load(path)
}

func write(path string, f file, flag int) error {
	b, _ := json.MarshalIndent(f, "", "  ")
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err := fh.Write(append(b, '\n')); err != nil {
		fh.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	return fh.Close()
}

// Path is the key file the keyring was loaded from ("" for one kept in
// memory).
func (k *Keyring) Path() string { return k.path }

// Current returns the id of the key that seals.
func (k *Keyring) Current() byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// SealedWithCurrent reports whether a value is sealed under the current
// key (an empty value needs no sealing).
func (k *Keyring) SealedWithCurrent(sealed []byte) bool {
	return len(sealed) == 0 || sealed[0] == k.Current()
}

// reload reads the key file again after a rotation elsewhere.
func (k *Keyring) reload() {
	if k.path == "" {
		return
	}
	fresh, err := Load(k.path)
	if err != nil || fresh.mac == nil || string(fresh.mac) != string(k.mac) {
		return
	}
	k.mu.Lock()
	k.current, k.aeads, k.audit = fresh.current, fresh.aeads, fresh.audit
	k.mu.Unlock()
}

func (k *Keyring) aead(id byte) cipher.AEAD {
	return lookup(k, func() cipher.AEAD { return k.aeads[id] })
}

// lookup reads a key with get under the read lock, reading the key file
// again when it is missing (rotated in by another process).
func lookup[T comparable](k *Keyring, get func() T) T {
	var zero T
	k.mu.RLock()
	v := get()
	k.mu.RUnlock()
	if v == zero {
		k.reload()
		k.mu.RLock()
		v = get()
		k.mu.RUnlock()
	}
	return v
}

// KeyIDs lists the key ids the keyring can open.
func (k *Keyring) KeyIDs() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := make([]byte, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Seal encrypts plaintext with the current key: key id, nonce, ciphertext.
// The empty string seals to nil.
func (k *Keyring) Seal(plaintext string) ([]byte, error) {
	if plaintext == "" {
		return nil, nil
	}
	cur := k.Current()
	aead := k.aead(cur)
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = cur
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1:], []byte(plaintext), []byte{cur}), nil
}

// Open decrypts a value sealed by any key of the ring; nil opens to "".
func (k *Keyring) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	aead := k.aead(sealed[0])
	if aead == nil || len(sealed) < 1+aead.NonceSize()+aead.Overhead() {
		return "", errors.New("keyring: value sealed with an unknown key or damaged")
	}
	n := 1 + aead.NonceSize()
	pt, err := aead.Open(nil, sealed[1:n], sealed[n:], sealed[:1])
	if err != nil {
		return "", errors.New("keyring: value damaged or sealed with another key")
	}
	return string(pt), nil
}

// SealedWith returns the id of the key that sealed a value.
func SealedWith(sealed []byte) byte {
	if len(sealed) == 0 {
		return 0
	}
	return sealed[0]
}

// deriveAuditKey is the audit chain's MAC key of a sealing key: an HMAC
// of a fixed label, so the two keys are distinct but travel together.
func deriveAuditKey(sealing []byte) *[32]byte {
	m := hmac.New(sha256.New, sealing)
	m.Write([]byte("epiloop audit chain v1"))
	return (*[32]byte)(m.Sum(nil))
}

// auditKey returns the audit MAC key of key id, reading the key file
// again for a key rotated in by another process.
func (k *Keyring) auditKey(id byte) []byte {
	if key := lookup(k, func() *[32]byte { return k.audit[id] }); key != nil {
		return key[:]
	}
	return nil
}

// AuditMAC returns the current key's id followed by HMAC-SHA256 of digest
// under that key's audit key.
func (k *Keyring) AuditMAC(digest []byte) []byte {
	id := k.Current()
	m := hmac.New(sha256.New, k.auditKey(id))
	m.Write(digest)
	return m.Sum([]byte{id})
}

// CheckAuditMAC reports whether mac is AuditMAC(digest) under the key it
// names (in constant time).
func (k *Keyring) CheckAuditMAC(digest, mac []byte) bool {
	if len(mac) != 1+sha256.Size {
		return false
	}
	key := k.auditKey(mac[0])
	if key == nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(digest)
	return hmac.Equal(m.Sum(nil), mac[1:])
}

// Index returns HMAC-SHA256(kind ":" value) truncated to 16 bytes: enough
// against collisions among billions of values, compact in indexes.
func (k *Keyring) Index(kind, value string) []byte {
	if value == "" {
		return nil
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(kind))
	m.Write([]byte{':'})
	m.Write([]byte(value))
	return m.Sum(nil)[:16]
}
