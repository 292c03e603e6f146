package epiloop

import "time"

// DefaultRetention is how long personal data of a closed lead is kept
// after the lead (and any observation) ended.
const DefaultRetention = 30 * 24 * time.Hour

// PurgedName replaces a purged person's name: the person stays countable,
// not identifiable.
const PurgedName = "（已清除）"

// SealedPerson is a person's sealed identity as stored, for re-sealing
// under a new key.
type SealedPerson struct {
	ID          int64
	IDSealed    []byte
	PhoneSealed []byte
}

// RetentionTx finds and purges personal data past its retention, and lets
// keys be rotated.
type RetentionTx interface {
	// FindPurgeableLeads returns ids of closed or handed-over leads,
	// ended before cutoff and not yet purged, after afterID in id order.
	FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error)
	// PurgeLeadRecords blanks what the lead's sources and events say
	// beyond counts (references, addresses, notes) and marks the lead
	// purged at t.
	PurgeLeadRecords(leadID int64, t time.Time) error
	// FindSealedPersons returns persons' sealed identities after afterID.
	FindSealedPersons(afterID int64, limit int) ([]SealedPerson, error)
	UpdateSealedPerson(p SealedPerson) error
}
