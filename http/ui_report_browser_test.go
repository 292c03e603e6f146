package http_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/epiloop/epiloop/scenario"
)

// overflowing names the elements past the layout viewport's right edge,
// outside the tables' own scrolling boxes.
const overflowing = `Array.from(document.querySelectorAll("body *")).filter(function (e) {
	return !e.closest(".scroll") && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5;
}).map(function (e) { return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""); }).slice(0, 10).join(", ")`

var (
	pdfPage     = regexp.MustCompile(`/Type\s*/Page[^s]`)
	pdfMediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)
)

// TestReportInBrowser: a commander opens the daily report, reads the
// API's figures on it, picks another day, downloads the workbook, and
// prints the print view to an A4 PDF; on a phone the page does not
// overflow sideways.
func TestReportInBrowser(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	tb := b.person("commander", 1280, 900, false)
	tb.login(f.url, uiCommander, scenario.Password, "nav.nav")

	var rep reportJSON
	f.api(uiCommander, "GET", "/reports/daily", nil, http.StatusOK, &rep)
	tb.click(`nav.nav a[href="/reports/daily"]`)
	tb.run(chromedp.WaitVisible("#report-day", chromedp.ByQuery))
	tb.shot("report")
	if got := tb.text("#report-title"); !strings.Contains(got, rep.Issuer) || !strings.Contains(got, "每日报告") {
		t.Errorf("title %q, want %s's daily report", got, rep.Issuer)
	}
	for _, c := range []struct{ section, code, metric string }{
		{"day", "2101", "day_received"}, {"day", heping, "day_closed"}, {"state", "2101", "received"},
		{"state", heping, "open"}, {"checkpoints", "2101", "ck_persons"}, {"observations", heping, "obs_under"},
	} {
		sel := fmt.Sprintf(`#report-%s tr[data-code="%s"] td[data-metric="%s"]`, c.section, c.code, c.metric)
		if got, want := tb.text(sel), rep.row(t, c.code)[c.metric]; got != want {
			t.Errorf("%s %s on the page: %q, the API says %q", c.code, c.metric, got, want)
		}
	}

	// Another day: the picker's form, then the day's page without the
	// state of now.
	tb.run(
		chromedp.SetValue("#report-date", "2020-01-31", chromedp.ByQuery),
		chromedp.Click("#report-show", chromedp.ByQuery),
		chromedp.WaitVisible(`#report-xlsx[href$="date=2020-01-31"]`, chromedp.ByQuery),
	)
	var states int
	tb.run(chromedp.Evaluate(`document.querySelectorAll("#report-state").length`, &states))
	if states != 0 {
		t.Error("a past day's page shows the state of now")
	}
	tb.run(chromedp.Navigate(f.url+"/reports/daily"), chromedp.WaitVisible("#report-day", chromedp.ByQuery))

	// Download the workbook by its link.
	dir := t.TempDir()
	done := make(chan string, 1)
	onDownload := func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	}
	chromedp.ListenTarget(tb.ctx, onDownload)
	chromedp.ListenBrowser(tb.ctx, onDownload)
	tb.run(cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true))
	tb.click("#report-xlsx")
	var book string
	select {
	case guid := <-done:
		book = filepath.Join(dir, guid)
	case <-time.After(15 * time.Second):
		t.Fatal("the workbook did not download")
	}
	x, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatalf("the downloaded workbook: %v", err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	x.Close()
	found := 0
	for _, r := range rows {
		if len(r) > 1 && (r[0] == "2101" || r[0] == heping || r[0] == shenhe) {
			found++
		}
	}
	if found != 3 {
		t.Errorf("the downloaded workbook has %d of the city's, 和平区's and 沈河区's rows: %q", found, rows)
	}

	// The print view, to an A4 PDF.
	tb.click("#report-print")
	tb.run(chromedp.WaitVisible("#print-title", chromedp.ByQuery))
	if got := tb.text("#print-made"); !strings.Contains(got, "制表时间") {
		t.Errorf("the print view says %q, not when it was made", got)
	}
	tb.shot("report-print")
	var pdf []byte
	tb.run(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
		return err
	}))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("PrintToPDF gave %d bytes, not a PDF", len(pdf))
	}
	if n := len(pdfPage.FindAll(pdf, -1)); n < 1 {
		t.Errorf("the PDF has %d pages", n)
	}
	for _, m := range pdfMediaBox.FindAllSubmatch(pdf, -1) {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		if w < 593 || w > 597 || h < 840 || h > 844 {
			t.Errorf("a PDF page is %.1f × %.1f pt, not A4 (595 × 842)", w, h)
		}
	}
	if out := os.Getenv("EPILOOP_SCREENSHOTS"); out != "" {
		os.WriteFile(filepath.Join(out, "report-print.pdf"), pdf, 0o644)
	}

	// On a phone the page scrolls its tables, not itself.
	for _, path := range []string{"/reports/daily", "/reports/daily/print"} {
		var over int
		tb.run(
			chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.Navigate(f.url+path),
			chromedp.WaitReady("body", chromedp.ByQuery),
			// Against the layout viewport: innerWidth grows with an
			// overflow on a phone.
			chromedp.Evaluate(`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth`, &over),
		)
		if over > 0 {
			var wide string
			tb.run(chromedp.Evaluate(overflowing, &wide))
			tb.shot("overflow")
			t.Errorf("%s at 390 px overflows by %d px: %s", path, over, wide)
		}
	}
	tb.shot("report-phone")
	tb.check()
}
