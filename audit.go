package epiloop

import (
	"crypto/sha256"
	"encoding/binary"
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

// Seal sets the entry's chain link and hash from the previous entry's hash
// (nil for the first entry).
func (e *AuditEntry) Seal(prev []byte) {
	e.Prev = append([]byte(nil), prev...)
	e.Hash = e.digest()
}

// Valid reports whether the entry's hash matches its contents and prev.
func (e *AuditEntry) Valid(prev []byte) bool {
	return string(e.Prev) == string(prev) && string(e.Hash) == string(e.digest())
}

// digest hashes every field with length prefixes, so that no two distinct
// entries share an encoding.
func (e *AuditEntry) digest() []byte {
	h := sha256.New()
	var b [8]byte
	num := func(v int64) {
		binary.BigEndian.PutUint64(b[:], uint64(v))
		h.Write(b[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.Write([]byte(s))
	}
	num(e.ID)
	num(e.Time.UTC().UnixMilli())
	num(e.ActorID)
	str(e.Actor)
	str(string(e.Role))
	str(e.Action)
	str(e.Object)
	str(e.Purpose)
	str(e.Detail)
	str(string(e.Prev))
	return h.Sum(nil)
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Action  *string
	ActorID *int64
	Object  *string
	After   int64
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
}

// NewAuditEntry describes an action by u (nil for the system).
func NewAuditEntry(u *User, action, object string, t time.Time) *AuditEntry {
	e := &AuditEntry{Time: t, Action: action, Object: object, Actor: "system"}
	if u != nil {
		e.ActorID, e.Actor, e.Role = u.ID, u.Name, u.Role
	}
	return e
}
