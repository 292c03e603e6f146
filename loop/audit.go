package loop

import (
	"context"
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
)

// audit appends an entry inside the caller's transaction, so a change and
// its audit line commit together.
func (s *Service) audit(tx epiloop.Tx, u *epiloop.User, action, object, detail string) error {
	e := epiloop.NewAuditEntry(u, action, object, s.now())
	e.Detail = detail
	return tx.AppendAudit(e)
}

// auditRead records a read of personal data in its own transaction (reads
// run in read-only snapshots).
func (s *Service) auditRead(ctx context.Context, u *epiloop.User, object, detail string) error {
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		return s.audit(tx, u, epiloop.AuditRead, object, detail)
	})
}

// Audit records an action taken outside the workflows (exports, key
// operations, retention runs) in the trail.
func (s *Service) Audit(ctx context.Context, action, object, detail string) error {
	u := epiloop.UserFromContext(ctx)
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		return s.audit(tx, u, action, object, detail)
	})
}

func leadObject(id int64) string { return fmt.Sprintf("lead:%d", id) }

// FindAudit returns a page of the audit trail, for auditors.
func (s *Service) FindAudit(ctx context.Context, f epiloop.AuditFilter) ([]*epiloop.AuditEntry, int, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !u.Can(epiloop.ActReadAudit) {
		return nil, 0, forbidden()
	}
	var (
		out   []*epiloop.AuditEntry
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindAudit(f)
		return err
	})
	return out, total, err
}

// Reveal returns a lead's full ID number and phone to a user allowed to see
// them — a commander, or a unit holding a task for the person — for a
// stated purpose, and audits it.
func (s *Service) Reveal(ctx context.Context, leadID int64, purpose string) (epiloop.Person, error) {
	u, err := actor(ctx)
	if err != nil {
		return epiloop.Person{}, err
	}
	purpose, err = checkPurpose(purpose)
	if err != nil {
		return epiloop.Person{}, err
	}
	var p epiloop.Person
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		l, err := tx.FindLeadByID(leadID, false)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && !epiloop.LeadVisible(u, l, s.now())) {
			return leadNotFound()
		} else if err != nil {
			return err
		}
		if !epiloop.LeadRevealable(u, l, s.now()) {
			return forbidden()
		}
		p = l.Person
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, leadObject(leadID), s.now())
		e.Purpose = purpose
		return tx.AppendAudit(e)
	})
	return p, err
}

// checkPurpose trims and checks the purpose stated for unmasking an
// identity.
func checkPurpose(purpose string) (string, error) {
	purpose = strings.TrimSpace(purpose)
	if len([]rune(purpose)) < 2 || len(purpose) > 500 {
		return "", epiloop.FieldError("purpose", "err.state_purpose_2_500_characters")
	}
	return purpose, nil
}
