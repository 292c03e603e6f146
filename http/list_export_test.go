package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetRows opens a workbook answer and returns its first sheet's rows.
func sheetRows(t testing.TB, res *response) [][]string {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("Content-Type %q", ct)
	}
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column returns the cells under the header title of rows.
func column(t testing.TB, rows [][]string, title string) []string {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no header row")
	}
	for i, h := range rows[0] {
		if h == title {
			var out []string
			for _, r := range rows[1:] {
				if i < len(r) {
					out = append(out, r[i])
				} else {
					out = append(out, "")
				}
			}
			return out
		}
	}
	t.Fatalf("no column %q in %q", title, rows[0])
	return nil
}

// TestLeadExport: the lead list's workbook holds what the caller's list
// holds — a station its own leads, masked; a district commander the
// district's, filtered as asked — and every export is audited with its
// kind and count, never a personal value. JSON stays the default.
func TestLeadExport(t *testing.T) {
	f := newFixture(t)
	mine := f.createLead(id1, addrHome)
	f.createLead(idNumber(801), addrHome)
	other := f.createLead(idNumber(802), addrShenhe)

	rows := sheetRows(t, f.do(request{Method: "GET", Path: "/leads?format=xlsx", As: uStation}))
	if got := len(rows) - 1; got != 2 {
		t.Errorf("the station's export has %d leads, want its 2", got)
	}
	ids := column(t, rows, "证件号码")
	for _, id := range ids {
		if id == id1 || id == other.Person.IDNumber || !strings.Contains(id, "********") {
			t.Errorf("the station's export shows ID %q", id)
		}
	}
	if !strings.Contains(strings.Join(ids, " "), id1Masked) {
		t.Errorf("the station's export lacks %s: %q", id1Masked, ids)
	}
	for _, p := range column(t, rows, "手机号") {
		if p != "138****8000" {
			t.Errorf("phone %q, want masked", p)
		}
	}
	if names := column(t, rows, "姓名"); names[0] != "张三" {
		t.Errorf("names %q, want as the list shows them", names)
	}

	rows = sheetRows(t, f.do(request{Method: "GET", Path: "/leads?format=xlsx&district=" + heping + "&status=pushed&page=3&per_page=1", As: uCommander}))
	if got := len(rows) - 1; got != 2 {
		t.Errorf("the commander's 和平区 export has %d leads, want 2 (paging ignored)", got)
	}
	rows = sheetRows(t, f.do(request{Method: "GET", Path: "/leads?format=xlsx", As: uShenhe}))
	if got := column(t, rows, "编号"); len(got) != 1 || got[0] != fmt.Sprint(other.ID) {
		t.Errorf("沈河区's export has leads %v, want only %d", got, other.ID)
	}

	var list struct{ Total int }
	f.call(request{Method: "GET", Path: "/leads", As: uStation}, http.StatusOK, &list)
	if list.Total != 2 {
		t.Errorf("JSON list total %d", list.Total)
	}
	if res := f.do(request{Method: "GET", Path: "/leads?format=csv", As: uStation}); res.Status != http.StatusBadRequest {
		t.Errorf("format=csv: %d, want 400", res.Status)
	}
	if res := f.do(request{Method: "GET", Path: "/leads?format=xlsx&q=" + id1, As: uCommander}); res.Status != http.StatusBadRequest {
		t.Errorf("an export of a person search: %d, want 400", res.Status)
	}
	if res := f.do(request{Method: "GET", Path: "/leads?format=xlsx", As: uAnalyst}); res.Status != http.StatusForbidden {
		t.Errorf("an analyst exports leads: %d", res.Status)
	}

	var audit struct {
		Items []struct {
			Actor, Action, Object, Detail, Purpose string
		}
	}
	f.call(request{Method: "GET", Path: "/audit?action=export&object=export:leads", As: uAuditor}, http.StatusOK, &audit)
	if len(audit.Items) != 3 {
		t.Fatalf("%d lead exports audited, want 3: %+v", len(audit.Items), audit.Items)
	}
	details := map[string]string{}
	for _, e := range audit.Items {
		details[e.Actor] = e.Detail
		if strings.Contains(e.Detail, id1) || strings.Contains(e.Detail, "张三") {
			t.Errorf("the audit holds personal data: %q", e.Detail)
		}
	}
	if got := details[uStation]; !strings.HasPrefix(got, "2 rows") {
		t.Errorf("the station's export is audited as %q", got)
	}
	if got := details[uCommander]; !strings.Contains(got, "district="+heping) || !strings.Contains(got, "status=pushed") {
		t.Errorf("the commander's export is audited as %q, want its filter", got)
	}
	_ = mine
}

// TestLeadExportReveal: the page's form with a purpose gives a station the
// identities of the leads it may reveal in full, audited as a reveal with
// that purpose; without one it is refused, and a district commander (who
// may not reveal) may not post it.
func TestLeadExportReveal(t *testing.T) {
	f := newUIFixture(t, false)
	f.createLead(uiIDNumber, "李四", uiAddrHome, false)
	station := f.session(uiStation)
	post := func(session, purpose string) (*http.Response, string) {
		form := url.Values{"purpose": {purpose}}
		return f.do("POST", "/leads.xlsx?status=pushed", session, strings.NewReader(form.Encode()), "Origin", f.url, "Sec-Fetch-Site", "same-origin")
	}
	resp, body := post(station, "上门核查需核对证件")
	rows := sheetRows(t, &response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(body)})
	if ids := column(t, rows, "证件号码"); len(ids) != 1 || ids[0] != uiIDNumber {
		t.Errorf("revealed export has IDs %q, want %s in full", ids, uiIDNumber)
	}
	resp, book := f.get("/leads.xlsx?status=pushed", station)
	rows = sheetRows(t, &response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(book)})
	if ids := column(t, rows, "证件号码"); len(ids) != 1 || ids[0] != uiIDMasked {
		t.Errorf("the link's export has IDs %q, want masked", ids)
	}
	if resp, _ := post(station, " "); resp.StatusCode == http.StatusOK {
		t.Error("an export in full without a purpose was given")
	}
	if resp, _ := post(f.session(uiDistrictHP), "核查"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a district commander posts an export in full: %d", resp.StatusCode)
	}
	var audit struct {
		Items []struct{ Action, Object, Purpose, Detail string }
	}
	if resp, body := f.get("/api/v1/audit?action=reveal&object=export:leads", f.session("auditor")); resp.StatusCode != http.StatusOK {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	} else if err := json.Unmarshal([]byte(body), &audit); err != nil {
		t.Fatal(err)
	}
	if len(audit.Items) != 1 || audit.Items[0].Purpose != "上门核查需核对证件" || audit.Items[0].Detail != "1 in full" {
		t.Errorf("reveal audit %+v", audit.Items)
	}
}

// TestListExports: each list page links its workbook with its filters,
// and each workbook answers, scoped: the queues, the plans and a
// checkpoint's screenings.
func TestListExports(t *testing.T) {
	f := newUIFixture(t, true)
	commander, committee := f.session(uiCommander), f.session(uiCommittee)
	for _, tc := range []struct {
		session, page, link, export string
	}{
		{commander, "/leads?status=conflict&priority=urgent", "/leads.xlsx?priority=urgent&amp;status=conflict", "/leads.xlsx?status=conflict&priority=urgent"},
		{commander, "/conflicts", "/conflicts.xlsx", "/conflicts.xlsx"},
		{commander, "/unroutable", "/unroutable.xlsx", "/unroutable.xlsx"},
		{committee, "/observations?status=all&kind=home", "/observations.xlsx?kind=home&amp;status=all", "/observations.xlsx?status=all&kind=home"},
		{commander, "/checkpoints/CK0001", "/checkpoints/CK0001/screenings.xlsx", "/checkpoints/CK0001/screenings.xlsx"},
	} {
		t.Run(tc.page, func(t *testing.T) {
			resp, body := f.get(tc.page, tc.session)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", tc.page, resp.StatusCode)
			}
			if !strings.Contains(body, `href="`+tc.link+`"`) || !strings.Contains(body, "导出 XLSX") {
				t.Errorf("%s has no export link %s", tc.page, tc.link)
			}
			resp, book := f.get(tc.export, tc.session)
			rows := sheetRows(t, &response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(book)})
			if len(rows) < 2 {
				t.Errorf("%s: %d rows, want the demo's", tc.export, len(rows))
			}
			for _, id := range column(t, rows, "证件号码") {
				if id != "" && !strings.Contains(id, "*") {
					t.Errorf("%s shows ID %q in full", tc.export, id)
				}
			}
		})
	}
	if resp, _ := f.get("/conflicts.xlsx", committee); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a committee exports the conflicts: %d", resp.StatusCode)
	}
}
