package epiloop

// Cipher protects identity numbers and phone numbers at rest: storage
// engines keep only sealed values and keyed blind indexes, so a stolen
// database file (or dump) holds no plaintext. The key lives outside the
// database.
type Cipher interface {
	// Seal encrypts a value; the result names the key that sealed it.
	Seal(plaintext string) ([]byte, error)
	// Open decrypts a sealed value.
	Open(sealed []byte) (string, error)
	// Index returns the blind index of a normalised value of a kind
	// ("id", "phone"): equal values give equal indexes, and without the
	// key nothing can be learnt from them.
	Index(kind, value string) []byte
	AuditSigner
}

// AuditSigner keys the audit chain with a key kept outside the database,
// like the data key, and rotated with it: without the key, no one who can
// write the database can rewrite an entry and re-chain the rest.
type AuditSigner interface {
	// AuditMAC returns the MAC of an entry's digest under the current
	// key; the MAC names the key.
	AuditMAC(digest []byte) []byte
	// CheckAuditMAC reports whether mac is digest's MAC under the key it
	// names.
	CheckAuditMAC(digest, mac []byte) bool
}
