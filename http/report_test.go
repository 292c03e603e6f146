package http_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestDailyReport: commanders get exact counts, analysts get "<5" for
// small cells, units may not export, and the XLSX opens.
func TestDailyReport(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 3; i++ {
		f.createLead(idNumber(600+i), addrHome)
	}
	type report struct {
		Suppressed bool
		Rows       []struct {
			Code   string
			Values map[string]string
		}
	}
	var cmd, ana report
	f.call(request{Method: "GET", Path: "/reports/daily", As: uCommander}, 200, &cmd)
	f.call(request{Method: "GET", Path: "/reports/daily", As: uAnalyst}, 200, &ana)
	if cmd.Suppressed || !ana.Suppressed {
		t.Errorf("suppressed: commander %v, analyst %v", cmd.Suppressed, ana.Suppressed)
	}
	find := func(r report, code string) map[string]string {
		for _, row := range r.Rows {
			if row.Code == code {
				return row.Values
			}
		}
		t.Fatalf("no row %s", code)
		return nil
	}
	if got := find(cmd, heping)["received"]; got != "3" {
		t.Errorf("commander sees received %q, want 3", got)
	}
	if got := find(ana, heping)["received"]; got != "<5" {
		t.Errorf("analyst sees received %q, want <5", got)
	}
	if got := find(ana, shenhe)["received"]; got != "0" {
		t.Errorf("analyst sees an empty district as %q, want 0", got)
	}
	var district report
	f.call(request{Method: "GET", Path: "/reports/daily", As: uHeping}, 200, &district)
	if len(district.Rows) != 1 || district.Rows[0].Code != heping {
		t.Errorf("district commander's report has rows %+v, want only 和平区", district.Rows)
	}
	for _, as := range []string{uStation, uCommittee, uAuditor} {
		if res := f.do(request{Method: "GET", Path: "/reports/daily", As: as}); res.Status != 403 {
			t.Errorf("%s: %d, want 403", as, res.Status)
		}
	}
	res := f.do(request{Method: "GET", Path: "/reports/daily?format=xlsx", As: uAnalyst})
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) < 5 {
		t.Fatalf("xlsx has %d rows", len(rows))
	}
	csvRes := f.do(request{Method: "GET", Path: "/reports/daily?format=csv", As: uCommander})
	if !bytes.HasPrefix(csvRes.Body, []byte("\ufeff代码,区县")) {
		t.Errorf("csv starts %q", csvRes.Body[:20])
	}
	if res := f.do(request{Method: "GET", Path: "/reports/daily?format=pdf", As: uCommander}); res.Status != 400 {
		t.Errorf("bad format: %d", res.Status)
	}
	var audit struct{ Total int }
	f.call(request{Method: "GET", Path: "/audit?action=export", As: uAuditor}, 200, &audit)
	if audit.Total < 4 {
		t.Errorf("%d exports audited, want the reports counted", audit.Total)
	}
	_ = json.Valid
}
