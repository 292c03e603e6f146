package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// TestPatrolPage reads the 巡逻 page of the demo as its roles do.
func TestPatrolPage(t *testing.T) {
	f := newUIFixture(t, true)
	res, body := f.get("/patrols?date=2020-01-31&days=7", f.session(uiCommander))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="patrol-totals"`) || !strings.Contains(body, `id="incident-table"`) ||
		!strings.Contains(body, "基数小") || !strings.Contains(body, `id="patrol-form"`) || !strings.Contains(body, `data-patrol-id=`) {
		t.Fatalf("/patrols as the commander: %d", res.StatusCode)
	}
	res, body = f.get("/patrols?date=2020-01-31", f.session(uiAnalyst))
	if res.StatusCode != http.StatusOK || strings.Contains(body, `id="patrol-logs"`) || strings.Contains(body, `id="patrol-form"`) {
		t.Errorf("the analyst's page: %d, want figures without logs or forms", res.StatusCode)
	}
	_, body = f.get("/dashboard", f.session(uiCommander))
	if !strings.Contains(body, `id="patrol-tiles"`) || !strings.Contains(body, `data-patrol="officer_shifts"`) {
		t.Error("the dashboard lacks the patrol tile")
	}
	_, body = f.get("/reports/daily?date=2020-01-31", f.session(uiCommander))
	if !strings.Contains(body, `id="report-patrols"`) || !strings.Contains(body, `data-metric="pt_officer_shifts"`) {
		t.Error("the daily report lacks the patrol section")
	}
}

// TestPatrolEntryBrowser logs a patrol and a sortie as a station officer
// on a 390 px phone: every error of the first try at once, beside its
// field; then saved, listed and counted; the sortie by keyboard alone.
func TestPatrolEntryBrowser(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	st := b.person("station", 390, 844, true)
	st.login(f.url, uiStation, scenario.Password, "#inbox-live")
	st.run(chromedp.Navigate(f.url+"/patrols"), chromedp.WaitVisible("#patrol-form", chromedp.ByQuery))
	count := func() int {
		var s string
		st.run(chromedp.Evaluate(`(document.querySelector('#patrol-totals tr[data-district="210102"] td[data-metric="officer_shifts"]')||{}).textContent||""`, &s))
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("officer-shifts cell %q", s)
		}
		return n
	}
	before := count()
	var overflow bool
	st.run(chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &overflow))
	if overflow {
		t.Error("the page scrolls sideways at 390 px")
	}
	// The officers field has the focus: type, and mistakes in two fields.
	var focused string
	st.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "p-officers" {
		t.Errorf("focus on %q, want the officers field", focused)
	}
	st.run(
		chromedp.SendKeys("#p-officers", "张伟、李娜 王强", chromedp.ByQuery),
		chromedp.SendKeys("#p-vehicles", "辽A12345 ABC", chromedp.ByQuery),
		chromedp.SendKeys("#p-area", "中山路—太原街", chromedp.ByQuery),
		chromedp.SetValue("#p-start", "2020-02-01T13:00", chromedp.ByQuery),
		chromedp.SetValue("#p-end", "2020-02-01T12:00", chromedp.ByQuery),
	)
	st.shot("patrol-typed")
	st.click("#patrol-form button.primary")
	st.run(chromedp.WaitVisible("#p-vehicles-err", chromedp.ByQuery))
	if e := st.text("#p-end-err"); !strings.Contains(e, "晚于开始") {
		t.Errorf("end error %q", e)
	}
	if e := st.text("#p-vehicles-err"); !strings.Contains(e, "第 2 个") {
		t.Errorf("plate error %q", e)
	}
	if a := st.text("#patrol-form .alert"); !strings.Contains(a, "2") {
		t.Errorf("the form's summary %q, want the count of fields to fix", a)
	}
	var kept string
	st.run(chromedp.Value("#p-officers", &kept, chromedp.ByQuery))
	if kept != "张伟、李娜 王强" {
		t.Errorf("officers kept as %q", kept)
	}
	st.shot("patrol-errors")
	st.run(
		chromedp.SetValue("#p-vehicles", "辽A12345", chromedp.ByQuery),
		chromedp.SetValue("#p-end", "2020-02-01T15:00", chromedp.ByQuery),
	)
	st.click("#patrol-form button.primary")
	st.run(chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if after := count(); after != before+3 {
		t.Errorf("officer-shifts %d → %d, want 3 more", before, after)
	}
	if !strings.Contains(st.text("#patrol-logs"), "张伟、李娜、王强") {
		t.Error("the new patrol is not in the day's list")
	}
	st.shot("patrol-saved")

	// The sortie by keyboard: its start is prefilled (half an hour ago),
	// type each field, Enter saves.
	var prefilled string
	st.run(chromedp.Value("#s-start", &prefilled, chromedp.ByQuery))
	if prefilled != "2020-02-01T15:30" {
		t.Errorf("the sortie's start is prefilled as %q, want half an hour before 16:00", prefilled)
	}
	st.run(
		chromedp.SendKeys("#s-pilot", "赵飞", chromedp.ByQuery),
		chromedp.SendKeys("#s-drone", "UAV-07", chromedp.ByQuery),
		chromedp.SendKeys("#s-area", "浑河沿岸", chromedp.ByQuery),
		chromedp.SendKeys("#s-minutes", "25\r", chromedp.ByQuery),
	)
	// Enter navigates: wait for the new page before reading it (the last
	// page's flash would otherwise be found, then vanish under the query).
	for i := 0; i < 100; i++ {
		var loc string
		st.run(chromedp.Location(&loc))
		if strings.Contains(loc, "saved=sortie") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	st.run(chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if flash := st.text(".flash"); !strings.Contains(flash, "架次已保存") {
		t.Errorf("flash %q", flash)
	}
	if !strings.Contains(st.text("#patrol-logs"), "赵飞") {
		t.Error("the sortie is not in the day's list")
	}
	st.shot("sortie-saved")
	st.check()
}
