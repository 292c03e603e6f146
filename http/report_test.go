package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/epiloop/epiloop"
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

// reportJSON is the daily report as a client reads it.
type reportJSON struct {
	Date     string
	Today    bool
	Issuer   string
	Metrics  []string
	Sections []struct {
		Key     string
		Metrics []string
	}
	Suppressed bool
	Rows       []struct {
		Code   string
		Name   string
		Values map[string]string
	}
}

func (r reportJSON) row(t testing.TB, code string) map[string]string {
	t.Helper()
	for _, row := range r.Rows {
		if row.Code == code {
			return row.Values
		}
	}
	t.Fatalf("report of %s has no row %s", r.Date, code)
	return nil
}

// TestDailyReportDays: ?date= picks a civil day in China Standard Time —
// a lead at 16:30 UTC on 1 February is one of 2 February's — a past day
// has no state section, and a malformed or future day is refused.
func TestDailyReportDays(t *testing.T) {
	f := newFixture(t)
	f.createLead(idNumber(700), addrHome) // 2020-02-01 16:00 CST
	f.createLead(idNumber(701), addrHome)
	f.clock.Set(time.Date(2020, 2, 1, 16, 30, 0, 0, time.UTC)) // 2020-02-02 00:30 CST
	f.createLead(idNumber(702), addrHome)

	var today, past reportJSON
	f.call(request{Method: "GET", Path: "/reports/daily", As: uCommander}, http.StatusOK, &today)
	f.call(request{Method: "GET", Path: "/reports/daily?date=2020-02-01", As: uCommander}, http.StatusOK, &past)
	if today.Date != "2020-02-02" || !today.Today || past.Date != "2020-02-01" || past.Today {
		t.Fatalf("dates %s (today %v), %s (today %v)", today.Date, today.Today, past.Date, past.Today)
	}
	if got := today.row(t, heping)["day_received"]; got != "1" {
		t.Errorf("2 February: received %s in 和平区, want 1", got)
	}
	if got := past.row(t, heping)["day_received"]; got != "2" {
		t.Errorf("1 February: received %s in 和平区, want 2", got)
	}
	if got := today.row(t, heping)["received"]; got != "3" {
		t.Errorf("today's state: received %s, want 3", got)
	}
	if _, ok := past.row(t, heping)["received"]; ok || slices.Contains(past.Metrics, "received") {
		t.Errorf("a past day's report has the state of now: %v", past.Metrics)
	}
	var keys []string
	for _, s := range today.Sections {
		keys = append(keys, s.Key)
	}
	if want := []string{"day", "state", "checkpoints", "observations", "patrols", "places", "volunteers", "desk", "detention", "xcity", "cases"}; !slices.Equal(keys, want) {
		t.Errorf("sections %v, want %v", keys, want)
	}
	if today.Issuer == "" {
		t.Error("the report names no issuing command")
	}
	for _, date := range []string{"2020-02-03", "2020-2-1", "yesterday"} {
		res := f.do(request{Method: "GET", Path: "/reports/daily?date=" + date, As: uCommander})
		if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != "date" {
			t.Errorf("date %s: %d %+v, want 400 on date", date, res.Status, e.Error)
		}
	}
}

var (
	reportCell = regexp.MustCompile(`(?s)<tr data-code="([0-9]*)"[^>]*>(.*?)</tr>`)
	metricCell = regexp.MustCompile(`<td class="num" data-metric="([a-z_]+)">([^<]*)</td>`)
)

// pageReport reads the figures of the report page's tables: area code →
// metric → cell.
func pageReport(t testing.TB, body string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, m := range reportCell.FindAllStringSubmatch(body, -1) {
		if out[m[1]] == nil {
			out[m[1]] = map[string]string{}
		}
		for _, c := range metricCell.FindAllStringSubmatch(m[2], -1) {
			out[m[1]][c[1]] = html.UnescapeString(strings.TrimSpace(c[2]))
		}
	}
	return out
}

// TestReportPage: the page shows the API's figures cell for cell, to a
// commander and (suppressed alike) to an analyst; its workbook has the
// districts' rows and its print view the issuing command's title; a unit
// may not open it.
func TestReportPage(t *testing.T) {
	f := newUIFixture(t, true)
	for _, user := range []string{uiCommander, uiAnalyst, uiDistrictHP} {
		t.Run(user, func(t *testing.T) {
			session := f.session(user)
			resp, api := f.get("/api/v1/reports/daily", session)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("api: %d %s", resp.StatusCode, api)
			}
			var rep reportJSON
			if err := json.Unmarshal([]byte(api), &rep); err != nil {
				t.Fatal(err)
			}
			resp, body := f.get("/reports/daily", session)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("page: %d %.300s", resp.StatusCode, body)
			}
			checkPage(t, "/reports/daily", resp, body)
			cells := pageReport(t, body)
			if len(cells) != len(rep.Rows) {
				t.Errorf("the page has %d rows, the API %d", len(cells), len(rep.Rows))
			}
			for _, row := range rep.Rows {
				for _, m := range rep.Metrics {
					if got, want := cells[row.Code][m], row.Values[m]; got != want {
						t.Errorf("%s %s: page %q, API %q", row.Name, m, got, want)
					}
				}
			}
			if user == uiAnalyst && (!rep.Suppressed || !strings.Contains(body, "&lt;5")) {
				t.Errorf("the analyst's report is not suppressed (suppressed %v)", rep.Suppressed)
			}
			if user == uiDistrictHP && (len(rep.Rows) != 1 || rep.Rows[0].Code != heping) {
				t.Errorf("the district commander's report has rows %v", rep.Rows)
			}
			for _, link := range []string{"/reports/daily.xlsx?date=" + rep.Date, "/reports/daily/print?date=" + rep.Date, `type="date"`} {
				if !strings.Contains(body, link) {
					t.Errorf("the page lacks %s", link)
				}
			}

			resp, book := f.get("/reports/daily.xlsx?date="+rep.Date, session)
			if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.Contains(ct, "spreadsheetml") {
				t.Fatalf("xlsx: %d %s", resp.StatusCode, ct)
			}
			x, err := excelize.OpenReader(strings.NewReader(book))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := x.GetRows(x.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			codes := map[string][]string{}
			for _, r := range rows {
				if len(r) > 0 {
					codes[r[0]] = r
				}
			}
			for _, row := range rep.Rows {
				line, ok := codes[row.Code]
				if !ok {
					t.Errorf("the workbook has no row for %s", row.Name)
					continue
				}
				if got, want := line[2], row.Values[rep.Metrics[0]]; got != want {
					t.Errorf("workbook %s %s: %q, want %q", row.Name, rep.Metrics[0], got, want)
				}
			}
			if user == uiAnalyst && !strings.Contains(fmt.Sprint(rows), "<5") {
				t.Error("the analyst's workbook has no suppressed cell")
			}

			resp, print := f.get("/reports/daily/print?date="+rep.Date, session)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("print: %d", resp.StatusCode)
			}
			checkPage(t, "/reports/daily/print", resp, print)
			if !strings.Contains(print, rep.Issuer+" 每日报告") || !strings.Contains(print, "制表时间") {
				t.Errorf("the print view lacks the title %q or the time it was made", rep.Issuer)
			}
		})
	}
	resp, _ := f.get("/reports/daily", f.session(uiStation))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a station opens the report: %d", resp.StatusCode)
	}
	resp, nav := f.get("/dashboard", f.session(uiCommander))
	if resp.StatusCode != http.StatusOK || !strings.Contains(nav, `href="/reports/daily"`) {
		t.Error("the commander's navigation has no daily report")
	}
}

// TestWorkbooksGuardFormulas: a text cell that would run as a formula —
// an area name an admin loaded, an address a caller reported — reaches
// the workbooks guarded as the CSV's cells are (epiloop.CSVSafe).
func TestWorkbooksGuardFormulas(t *testing.T) {
	f := newFixture(t)
	const name = `=HYPERLINK("http://evil.example/","和平区")`
	ctx := context.Background()
	err := f.store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpsertDistricts([]epiloop.District{{Code: heping, Name: name}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.LoadGazetteer(ctx); err != nil {
		t.Fatal(err)
	}
	const address = `@SUM(1+1)*cmd|' /C calc'!A0`
	body := leadBody(idNumber(900), address)
	f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: body}, http.StatusCreated, nil)

	report := sheetRows(t, f.do(request{Method: "GET", Path: "/reports/daily?format=xlsx", As: uCommander}))
	leads := sheetRows(t, f.do(request{Method: "GET", Path: "/leads?format=xlsx", As: uCommander}))
	var names []string
	for _, r := range report {
		if len(r) > 1 && r[0] == heping {
			names = append(names, r[1])
		}
	}
	if len(names) != 1 || names[0] != "'"+name {
		t.Errorf("the report's area cells %q, want %q", names, "'"+name)
	}
	if got := column(t, leads, "地址"); len(got) != 1 || got[0] != "'"+address {
		t.Errorf("the export's address cells %q, want %q", got, "'"+address)
	}
	for _, rows := range [][][]string{report, leads} {
		for _, r := range rows {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
					t.Errorf("cell %q starts a formula", c)
				}
			}
		}
	}
}
