package loop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/epiloop/epiloop"
)

// The audit trail's head is anchored outside the database: AnchorAudit
// appends the latest entry's id and MAC to an append-only file beside the
// key (Service.AnchorPath) and to the system log, at least every minute
// and on shutdown. VerifyAudit compares the trail with every anchor, so
// deleting the tail, emptying the table or rewriting entries (even
// re-chained) is found, not only a gap in the middle.

// AnchorEvery is how often a server anchors the trail's head.
const AnchorEvery = time.Minute

// AuditAnchor is one line of the anchor file: the head of the trail at a
// time.
type AuditAnchor struct {
	Time time.Time `json:"time"`
	ID   int64     `json:"id"`
	MAC  []byte    `json:"mac"`
}

// AnchorAudit writes the trail's head to the anchor file when it moved
// since the file's last line (an empty trail writes nothing). It returns
// the anchor written, or nil.
func (s *Service) AnchorAudit(ctx context.Context) (*AuditAnchor, error) {
	if s.AnchorPath == "" {
		return nil, nil
	}
	s.anchorMu.Lock()
	defer s.anchorMu.Unlock()
	var head []*epiloop.AuditEntry
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		head, _, err = tx.FindAudit(epiloop.AuditFilter{Desc: true, NoCount: true, Limit: 1})
		return err
	})
	if err != nil || len(head) == 0 {
		return nil, err
	}
	if s.lastAnchor == 0 {
		if as, err := ReadAnchors(s.AnchorPath); err == nil && len(as) > 0 {
			s.lastAnchor = as[len(as)-1].ID
		}
	}
	if head[0].ID == s.lastAnchor {
		return nil, nil
	}
	a := &AuditAnchor{Time: s.now().UTC(), ID: head[0].ID, MAC: head[0].Hash}
	if err := appendAnchor(s.AnchorPath, a); err != nil {
		return nil, err
	}
	s.lastAnchor = a.ID
	s.Logger.Info("audit anchor", "id", a.ID, "mac", fmt.Sprintf("%x", a.MAC))
	return a, nil
}

// appendAnchor appends one line to the file at path (created 0600) and
// syncs it.
func appendAnchor(path string, a *AuditAnchor) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit anchor: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("audit anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit anchor: %w", err)
	}
	return f.Close()
}

// ReadAnchors reads the anchor file; a missing file has no anchors. A
// line cut short by a crash while it was written is ignored when it is
// the last.
func ReadAnchors(path string) ([]AuditAnchor, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("audit anchor: %w", err)
	}
	defer f.Close()
	var (
		out []AuditAnchor
		bad int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if bad != 0 {
			return nil, fmt.Errorf("audit anchor: line %d of %s is not an anchor", bad, path)
		}
		var a AuditAnchor
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.ID <= 0 {
			bad = n
			continue
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// AuditBreak is where a verification found the trail broken.
type AuditBreak struct {
	ID     int64
	Reason string
}

// AuditReport is what VerifyAudit checked.
type AuditReport struct {
	// Entries counts the entries verified (before the break, if any).
	Entries int
	// Anchors counts the anchors compared; Anchor is the latest.
	Anchors int
	Anchor  *AuditAnchor
	// Break is the first broken entry, nil when the trail holds.
	Break *AuditBreak
}

// VerifyAudit walks the whole trail: each id follows the last, each entry
// is linked to the one before and carries its keyed MAC (unkeyed legacy
// hashes only before the first keyed entry), each anchored entry still
// has the anchored MAC, and the trail reaches the latest anchor.
func (s *Service) VerifyAudit(ctx context.Context) (*AuditReport, error) {
	rep := &AuditReport{}
	anchors := map[int64]AuditAnchor{}
	if s.AnchorPath != "" {
		as, err := ReadAnchors(s.AnchorPath)
		if err != nil {
			return nil, err
		}
		for i := range as {
			anchors[as[i].ID] = as[i]
			if rep.Anchor == nil || as[i].ID > rep.Anchor.ID {
				rep.Anchor = &as[i]
			}
		}
		rep.Anchors = len(as)
	}
	var (
		prev   []byte
		last   int64
		legacy = true
	)
	const page = 5000
	for {
		var es []*epiloop.AuditEntry
		var signer epiloop.AuditSigner
		err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			signer = tx.AuditSigner()
			es, _, err = tx.FindAudit(epiloop.AuditFilter{After: last, NoCount: true, Limit: page})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			legacy = legacy && epiloop.LegacyAuditHash(e.Hash)
			if rep.Break = checkEntry(e, last, prev, signer, legacy, anchors); rep.Break != nil {
				return rep, nil
			}
			prev, last = e.Hash, e.ID
			rep.Entries++
		}
		if len(es) < page {
			break
		}
	}
	if a := rep.Anchor; a != nil && last < a.ID {
		reason := fmt.Sprintf("entries %d to %d missing: the anchor of %s names entry %d", last+1, a.ID, a.Time.Format(time.RFC3339), a.ID)
		if last == 0 {
			reason = fmt.Sprintf("the trail is empty: the anchor of %s names entry %d", a.Time.Format(time.RFC3339), a.ID)
		}
		rep.Break = &AuditBreak{ID: last + 1, Reason: reason}
	}
	return rep, nil
}

// checkEntry checks one entry against the one before (last, prev) and the
// anchors.
func checkEntry(e *epiloop.AuditEntry, last int64, prev []byte, signer epiloop.AuditSigner, legacy bool, anchors map[int64]AuditAnchor) *AuditBreak {
	switch {
	case e.ID != last+1:
		return &AuditBreak{ID: last + 1, Reason: "entry missing"}
	case string(e.Prev) != string(prev):
		return &AuditBreak{ID: e.ID, Reason: "link to the previous entry broken"}
	case !e.Valid(prev, signer, legacy):
		return &AuditBreak{ID: e.ID, Reason: "MAC does not match the entry"}
	}
	if a, ok := anchors[e.ID]; ok && string(a.MAC) != string(e.Hash) {
		return &AuditBreak{ID: e.ID, Reason: "rewritten since the anchor of " + a.Time.Format(time.RFC3339)}
	}
	return nil
}
