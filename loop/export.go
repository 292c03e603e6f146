package loop

import (
	"context"
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
)

// MaxExportRows caps one export. A list longer than that is refused with
// a message asking for narrower filters, rather than cut short: a
// spreadsheet that silently lacks rows would be read as the whole list.
const MaxExportRows = 100000

// exportPage is how many rows an export reads at a time.
const exportPage = 1000

// The lists that can be exported, as named in the audit trail.
const (
	ExportKindLeads        = "leads"
	ExportKindConflicts    = "conflicts"
	ExportKindUnroutable   = "unroutable"
	ExportKindObservations = "observations"
	ExportKindScreenings   = "screenings"
)

// leadExports are the lists of leads: the action each list's page needs
// and, for the commanders' queues, the status the list holds.
var leadExports = map[string]struct {
	action epiloop.Action
	status epiloop.LeadStatus
}{
	ExportKindLeads:      {epiloop.ActReadLeads, ""},
	ExportKindConflicts:  {epiloop.ActAdjudicate, epiloop.LeadConflict},
	ExportKindUnroutable: {epiloop.ActRoute, epiloop.LeadUnroutable},
}

// ExportLeads passes each lead of a list (kind ExportKindLeads,
// ExportKindConflicts or ExportKindUnroutable) as filtered by f, paging
// aside, to each: the leads the caller may see, newest first, masked as
// the list shows them. With a purpose (as a reveal states one), a user
// granted ActReveal gets the identities of the leads they may reveal
// (epiloop.LeadRevealable) in full, and the unmasking is audited as a
// reveal with that purpose. The export is audited with its kind, row count
// and filter, never a personal value. It returns the number of rows; a
// list longer than MaxExportRows is refused before any row is read.
func (s *Service) ExportLeads(ctx context.Context, kind string, f epiloop.LeadFilter, purpose string, each func(*epiloop.Lead) error) (int, error) {
	u, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	k, ok := leadExports[kind]
	if !ok || !u.Can(k.action) || !u.Can(epiloop.ActReadLeads) {
		return 0, forbidden()
	}
	reveal := strings.TrimSpace(purpose) != ""
	if reveal {
		if !u.Can(epiloop.ActReveal) {
			return 0, forbidden()
		}
		if purpose, err = checkPurpose(purpose); err != nil {
			return 0, err
		}
	}
	if k.status != "" {
		st := k.status
		f.Status = &st
	}
	now := s.now()
	f.Scope, f.Now = u.Scope(), now
	f.Offset, f.Limit, f.Before, f.Total, f.IDs, f.NoCount = 0, exportPage, 0, nil, nil, false
	// The tasks decide whether a unit may reveal; a masked export needs
	// the leads only.
	f.NoTasks = !reveal
	var rows, unmasked int
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		for {
			leads, total, err := tx.FindLeads(f)
			if err != nil {
				return err
			}
			if !f.NoCount && total > MaxExportRows {
				return tooManyRows(total)
			}
			for _, l := range leads {
				if rows == MaxExportRows {
					return tooManyRows(rows + 1)
				}
				if reveal && epiloop.LeadRevealable(u, l, now) {
					unmasked++
				} else {
					present(u, l)
				}
				rows++
				if err := each(l); err != nil {
					return err
				}
			}
			if len(leads) < exportPage {
				return nil
			}
			f.Before, f.NoCount = leads[len(leads)-1].ID, true
		}
	})
	if err != nil {
		return 0, err
	}
	return rows, s.Store.Update(ctx, func(tx epiloop.Tx) error {
		object := "export:" + kind
		if err := s.audit(tx, u, epiloop.AuditExport, object, fmt.Sprintf("%d rows%s", rows, leadFilterText(f))); err != nil {
			return err
		}
		if unmasked == 0 {
			return nil
		}
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, object, now)
		e.Purpose, e.Detail = purpose, fmt.Sprintf("%d in full", unmasked)
		return tx.AppendAudit(e)
	})
}

// ExportObservations passes each plan the caller may see, as filtered by f
// (paging aside), newest first and masked, to each; the export is
// audited. A list longer than MaxExportRows is refused.
func (s *Service) ExportObservations(ctx context.Context, f epiloop.ObservationFilter, each func(*epiloop.Observation) error) (int, error) {
	u, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if !u.Can(epiloop.ActReadObs) {
		return 0, forbidden()
	}
	f.Scope = u.Scope()
	f.Offset, f.Limit, f.Before, f.NoCount = 0, exportPage, 0, false
	var rows int
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		for {
			os, total, err := tx.FindObservations(f)
			if err != nil {
				return err
			}
			if !f.NoCount && total > MaxExportRows {
				return tooManyRows(total)
			}
			for _, o := range os {
				if rows == MaxExportRows {
					return tooManyRows(rows + 1)
				}
				presentObservation(o)
				rows++
				if err := each(o); err != nil {
					return err
				}
			}
			if len(os) < exportPage {
				return nil
			}
			f.Before, f.NoCount = os[len(os)-1].ID, true
		}
	})
	if err != nil {
		return 0, err
	}
	var filter []string
	if f.Status != nil {
		filter = append(filter, "status="+string(*f.Status))
	}
	if f.Kind != nil {
		filter = append(filter, "kind="+string(*f.Kind))
	}
	if f.Unit != nil {
		filter = append(filter, "unit="+*f.Unit)
	}
	return rows, s.Audit(ctx, epiloop.AuditExport, "export:"+ExportKindObservations, fmt.Sprintf("%d rows%s", rows, joinFilter(filter)))
}

// ExportScreenings passes each screening of a checkpoint the caller may
// read, newest first, identities masked, to each; the export is audited.
// A list longer than MaxExportRows screenings is refused.
func (s *Service) ExportScreenings(ctx context.Context, code string, each func(*epiloop.Screening) error) (int, error) {
	u, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := s.visibleCheckpoint(ctx, u, code); err != nil {
		return 0, err
	}
	f := epiloop.ScreeningFilter{Checkpoint: &code, Limit: exportPage}
	var rows int
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		for {
			ss, total, err := tx.FindScreenings(f)
			if err != nil {
				return err
			}
			if !f.NoCount && total > MaxExportRows {
				return tooManyRows(total)
			}
			for _, sc := range ss {
				if rows == MaxExportRows {
					return tooManyRows(rows + 1)
				}
				for _, o := range sc.Occupants {
					o.Person = o.Person.Masked()
				}
				rows++
				if err := each(sc); err != nil {
					return err
				}
			}
			if len(ss) < exportPage {
				return nil
			}
			f.Before, f.NoCount = ss[len(ss)-1].ID, true
		}
	})
	if err != nil {
		return 0, err
	}
	return rows, s.Audit(ctx, epiloop.AuditExport, "export:"+ExportKindScreenings, fmt.Sprintf("%d rows; checkpoint=%s", rows, code))
}

// tooManyRows refuses an export of n rows.
func tooManyRows(n int) error {
	return epiloop.Errorf(epiloop.EINVALID, "err.export_too_many_rows", n, MaxExportRows)
}

// leadFilterText describes a lead filter for the audit trail: codes and
// flags only, nothing personal.
func leadFilterText(f epiloop.LeadFilter) string {
	var out []string
	if f.Status != nil {
		out = append(out, "status="+string(*f.Status))
	}
	if f.Priority != nil {
		out = append(out, "priority="+string(*f.Priority))
	}
	if f.District != nil {
		out = append(out, "district="+*f.District)
	}
	if f.Community != nil {
		out = append(out, "community="+*f.Community)
	}
	if f.Overdue != nil {
		out = append(out, fmt.Sprintf("overdue=%t", *f.Overdue))
	}
	return joinFilter(out)
}

func joinFilter(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, " ")
}
