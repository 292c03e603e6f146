package sqlstore

import (
	"time"

	"github.com/epiloop/epiloop"
)

// The positions of the event outbox's publishers and their leases
// (epiloop.StreamTx, package stream).

// streamEpoch is the lease of a position nobody holds.
var streamEpoch = time.UnixMilli(0).UTC()

// ClaimStream takes or renews the lease of a position: one conditional
// UPDATE, so that of two replicas claiming at once one wins.
func (s Store) ClaimStream(name, holder string, now, until time.Time) (*epiloop.StreamPosition, bool, error) {
	_, err := s.c.Exec(`INSERT INTO stream_positions (name, lease_until, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, streamEpoch, now)
	if err != nil {
		return nil, false, wrap(err, "claim stream")
	}
	n, err := s.c.Exec(`UPDATE stream_positions SET holder = ?, lease_until = ?, updated_at = ?
		WHERE name = ? AND (holder = ? OR lease_until <= ?)`, holder, until, now, name, holder, now)
	if err != nil {
		return nil, false, wrap(err, "claim stream")
	}
	pos, err := s.FindStreamPosition(name)
	return pos, n == 1, err
}

// AdvanceStream moves a position forward and renews its holder's lease.
func (s Store) AdvanceStream(name, holder string, last int64, now, until time.Time) error {
	n, err := s.c.Exec(`UPDATE stream_positions SET
		last_event_id = CASE WHEN last_event_id < ? THEN ? ELSE last_event_id END, lease_until = ?, updated_at = ?
		WHERE name = ? AND holder = ?`, last, last, until, now, name, holder)
	if err != nil {
		return wrap(err, "advance stream")
	}
	if n == 0 {
		return epiloop.Errorf(epiloop.ECONFLICT, "err.stream_lease_lost")
	}
	return nil
}

// ReleaseStream ends holder's lease.
func (s Store) ReleaseStream(name, holder string, now time.Time) error {
	_, err := s.c.Exec(`UPDATE stream_positions SET lease_until = ?, updated_at = ? WHERE name = ? AND holder = ?`,
		streamEpoch, now, name, holder)
	return wrap(err, "release stream")
}

// FindStreamPosition returns one position.
func (s Store) FindStreamPosition(name string) (*epiloop.StreamPosition, error) {
	var p epiloop.StreamPosition
	err := s.c.QueryRow(`SELECT name, last_event_id, holder, lease_until, updated_at FROM stream_positions WHERE name = ?`, name).
		Scan(&p.Name, &p.LastEventID, &p.Holder, &p.LeaseUntil, &p.UpdatedAt)
	if err != nil {
		return nil, wrap(noRows(err, "err.stream_not_found"), "find stream position")
	}
	p.LeaseUntil, p.UpdatedAt = p.LeaseUntil.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}
