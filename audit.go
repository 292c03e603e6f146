package epiloop

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"time"
)

// Audit actions.
const (
	AuditLogin       = "login"
	AuditLoginFailed = "login.failed"
	AuditLogout      = "logout"
	AuditRead        = "read"
	AuditReveal      = "reveal"
	AuditChange      = "change"
	AuditExport      = "export"
	AuditKey         = "key"
	AuditAdmin       = "admin"
	// AuditPrivilege is an admin change that grants a privileged role
	// (Role.Privileged): creating such an account or promoting one to it.
	AuditPrivilege = "privilege"
	AuditRetention = "retention"
)

// AuditActions lists every audit action, for the auditor's filter.
var AuditActions = []string{AuditLogin, AuditLoginFailed, AuditLogout, AuditRead, AuditReveal, AuditChange,
	AuditExport, AuditKey, AuditAdmin, AuditPrivilege, AuditRetention}

// AuditEntry is one line of the append-only audit trail. Each entry carries
// the hash of the one before it, so that editing, deleting or inserting an
// entry breaks the chain from there on. Entries name objects by id and
// never hold identity numbers or phones.
type AuditEntry struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	ActorID int64     `json:"actor_id,omitempty"`
	Actor   string    `json:"actor"`
	Role    Role      `json:"role,omitempty"`
	Action  string    `json:"action"`
	// Object names what was touched, e.g. "lead:42", "user:7".
	Object  string `json:"object,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	Detail  string `json:"detail,omitempty"`
	Prev    []byte `json:"prev"`
	Hash    []byte `json:"hash"`
}

// Seal sets the entry's chain link from the previous entry's hash (nil
// for the first entry) and its hash: the keyed MAC of its digest.
func (e *AuditEntry) Seal(prev []byte, s AuditSigner) {
	e.Prev = append([]byte(nil), prev...)
	e.Hash = s.AuditMAC(e.digest())
}

// LegacyAuditHash reports whether an entry's hash is the unkeyed SHA-256
// of the entries written before the chain was keyed. Verification accepts
// them only as the trail's first entries, before the first keyed one; the
// first keyed entry's MAC covers the last legacy hash, and the anchor
// outside the database covers a trail that has no keyed entry yet.
func LegacyAuditHash(hash []byte) bool { return len(hash) == sha256.Size }

// Valid reports whether the entry's hash matches its contents and prev:
// its keyed MAC, or with legacy allowed its unkeyed hash.
func (e *AuditEntry) Valid(prev []byte, s AuditSigner, legacy bool) bool {
	if string(e.Prev) != string(prev) {
		return false
	}
	if LegacyAuditHash(e.Hash) {
		return legacy && string(e.Hash) == string(e.digest())
	}
	return s.CheckAuditMAC(e.digest(), e.Hash)
}

// digest hashes every field with length prefixes, so that no two distinct
// entries share an encoding.
func (e *AuditEntry) digest() []byte {
	h := NewChainDigest()
	h.Num(e.ID)
	h.Num(e.Time.UTC().UnixMilli())
	h.Num(e.ActorID)
	h.Str(e.Actor)
	h.Str(string(e.Role))
	h.Str(e.Action)
	h.Str(e.Object)
	h.Str(e.Purpose)
	h.Str(e.Detail)
	h.Str(string(e.Prev))
	return h.Sum()
}

// ChainDigest is the hashing rule of every hash-chained list (the audit
// trail, a case's custody log): SHA-256 over the row's fields in a fixed
// order, numbers as 8 big-endian bytes and strings with their length
// before them, so that no two distinct rows share an encoding. The row's
// hash is then the keyed MAC of the digest (AuditSigner), which names the
// key.
type ChainDigest struct {
	h hash.Hash
	b [8]byte
}

// NewChainDigest starts a digest.
func NewChainDigest() *ChainDigest { return &ChainDigest{h: sha256.New()} }

// Num writes a number.
func (d *ChainDigest) Num(v int64) {
	binary.BigEndian.PutUint64(d.b[:], uint64(v))
	d.h.Write(d.b[:])
}

// Str writes a string with its length.
func (d *ChainDigest) Str(s string) {
	d.Num(int64(len(s)))
	d.h.Write([]byte(s))
}

// Sum returns the digest.
func (d *ChainDigest) Sum() []byte { return d.h.Sum(nil) }

// AuditFilter selects audit entries.
type AuditFilter struct {
	Action  *string
	ActorID *int64
	// Actor selects by the actor's name as recorded.
	Actor  *string
	Object *string
	// From and To, when set, bound the entries' time: From ≤ time < To.
	From, To time.Time
	// After selects entries with a larger id; with Desc, Before selects
	// those with a smaller one (0: from the newest).
	After  int64
	Before int64
	// Desc returns the newest entries first.
	Desc bool
	// NoCount skips counting what the filter selects: the total returned
	// is the page's length (a walk of the whole trail does not need it).
	NoCount bool
	Offset  int
	Limit   int
}

// AuditTx stores the audit trail. AppendAudit assigns the id, links the
// entry to the last one and seals it, serialising appenders so the chain
// has no forks.
type AuditTx interface {
	AppendAudit(e *AuditEntry) error
	FindAudit(f AuditFilter) ([]*AuditEntry, int, error)
	// AuditSigner is the key the engine chains the trail with.
	AuditSigner() AuditSigner
}

// NewAuditEntry describes an action by u (nil for the system).
func NewAuditEntry(u *User, action, object string, t time.Time) *AuditEntry {
	e := &AuditEntry{Time: t, Action: action, Object: object, Actor: "system"}
	if u != nil {
		e.ActorID, e.Actor, e.Role = u.ID, u.Name, u.Role
	}
	return e
}
