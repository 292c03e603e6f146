package epiloop

import (
	"context"
	"time"
)

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

// SealedOccupant is a screened traveller's sealed identity as stored.
type SealedOccupant struct {
	ScreeningID int64
	Seq         int
	IDSealed    []byte
	PhoneSealed []byte
}

// RetentionTx finds and purges personal data past its retention, and lets
// keys be rotated.
type RetentionTx interface {
	// FindPurgeableLeads returns ids of closed or handed-over leads,
	// ended before cutoff, whose observation (if any) also ended before
	// cutoff, and not yet purged, after afterID in id order.
	FindPurgeableLeads(cutoff time.Time, afterID int64, limit int) ([]int64, error)
	// PurgeLeadRecords blanks what the lead's sources, events, screened
	// occupants and observation say beyond counts (identities,
	// references, addresses, notes) and marks the lead purged at t.
	PurgeLeadRecords(leadID int64, t time.Time) error
	// PurgeScreenings blanks the identities of travellers screened before
	// cutoff who raised no lead (released at the gate), and returns how
	// many it blanked.
	PurgeScreenings(cutoff time.Time) (int, error)
	// PurgeImportRejects deletes the rejected rows (their original cells:
	// names, ID numbers, phones) of imports that ended before cutoff, and
	// returns how many it deleted. The import's counts stay.
	PurgeImportRejects(cutoff time.Time) (int, error)

	// FindSealedOccupants returns screened occupants' sealed identities
	// after (screening, seq) in key order.
	FindSealedOccupants(afterScreening int64, afterSeq int, limit int) ([]SealedOccupant, error)
	UpdateSealedOccupant(o SealedOccupant) error
	// FindSealedPersons returns persons' sealed identities after afterID.
	FindSealedPersons(afterID int64, limit int) ([]SealedPerson, error)
	UpdateSealedPerson(p SealedPerson) error
	// FindSealedTexts returns up to limit rows of a sealed text column
	// after the key after (nil: from the start), in key order.
	FindSealedTexts(c SealedColumn, after []int64, limit int) ([]SealedTextRow, error)
	// UpdateSealedText writes a row's re-sealed value (and, for a column
	// with an index, the value's blind index).
	UpdateSealedText(c SealedColumn, row SealedTextRow) error
}

// SealedTextRow is one row's value of a sealed text column, as stored.
type SealedTextRow struct {
	Key  []int64 // the values of the column's table's key columns
	Text string
	// Index is the blind index to store beside the value (a column
	// with an IndexColumn only).
	Index []byte
}

// WALCheckpointer is a store whose log keeps pages after a commit: a
// retention run ends with CheckpointWAL, so purged values do not stay in
// the log either.
type WALCheckpointer interface {
	CheckpointWAL(ctx context.Context) error
}
