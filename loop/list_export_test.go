package loop_test

import (
	"context"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// exportLeads runs an export and collects its rows.
func (f *fixture) exportLeads(ctx context.Context, kind string, flt epiloop.LeadFilter, purpose string) ([]*epiloop.Lead, error) {
	var out []*epiloop.Lead
	n, err := f.svc.ExportLeads(ctx, kind, flt, purpose, func(l *epiloop.Lead) error {
		out = append(out, l)
		return nil
	})
	if err == nil && n != len(out) {
		f.t.Errorf("export counted %d rows, passed %d", n, len(out))
	}
	return out, err
}

// TestExportLeads: an export holds the caller's list, masked; with a
// purpose a unit gets its open leads' identities in full; the queues hold
// their status only; every export is audited with its count, an
// unmasking as a reveal with the purpose.
func TestExportLeads(t *testing.T) {
	f := newFixture(t)
	mine := f.lead(id1, addrHome, epiloop.Reason{})
	f.lead(id2, "沈阳市沈河区永顺社区5号", epiloop.Reason{})
	f.lead(id3, "火星基地1号", epiloop.Reason{})

	got, err := f.exportLeads(station, loop.ExportKindLeads, epiloop.LeadFilter{Limit: 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != mine.ID || got[0].Person.IDNumber != epiloop.MaskIDNumber(id1) || got[0].Person.Phone != "138****8000" {
		t.Fatalf("station's export = %+v, want its lead masked", got)
	}
	got, err = f.exportLeads(station, loop.ExportKindLeads, epiloop.LeadFilter{}, "上门核查")
	if err != nil || len(got) != 1 || got[0].Person.IDNumber != id1 {
		t.Fatalf("station's export with a purpose = %+v, %v; want %s in full", got, err, id1)
	}
	if _, err := f.exportLeads(station, loop.ExportKindLeads, epiloop.LeadFilter{}, "x"); epiloop.ErrorCode(err) != epiloop.EINVALID {
		t.Errorf("a one-rune purpose: %v, want invalid", err)
	}
	got, err = f.exportLeads(commander, loop.ExportKindUnroutable, epiloop.LeadFilter{}, "")
	if err != nil || len(got) != 1 || got[0].Status != epiloop.LeadUnroutable {
		t.Errorf("unroutable export = %+v, %v", got, err)
	}
	got, err = f.exportLeads(commander, loop.ExportKindLeads, epiloop.LeadFilter{}, "")
	if err != nil || len(got) != 3 {
		t.Errorf("commander's export has %d leads (%v), want 3", len(got), err)
	}
	for _, tc := range []struct {
		ctx  context.Context
		kind string
	}{{station, loop.ExportKindConflicts}, {station, loop.ExportKindUnroutable}, {committee, "everything"}} {
		if _, err := f.exportLeads(tc.ctx, tc.kind, epiloop.LeadFilter{}, ""); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("%s: %v, want forbidden", tc.kind, err)
		}
	}

	auditor := as(epiloop.RoleAuditor, "")
	action := epiloop.AuditExport
	exports, _, err := f.svc.FindAudit(auditor, epiloop.AuditFilter{Action: &action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range exports {
		if strings.HasPrefix(e.Object, "export:") {
			details = append(details, e.Object+" "+e.Detail)
		}
	}
	want := "export:leads 1 rows"
	if len(details) != 4 || !strings.Contains(strings.Join(details, "|"), want) {
		t.Errorf("exports audited: %q, want 4 with %q", details, want)
	}
	reveal := epiloop.AuditReveal
	reveals, _, err := f.svc.FindAudit(auditor, epiloop.AuditFilter{Action: &reveal, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(reveals) != 1 || reveals[0].Purpose != "上门核查" || reveals[0].Object != "export:leads" || reveals[0].Detail != "1 in full" {
		t.Errorf("reveals audited: %+v", reveals)
	}
}
