package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// TestDetentionPages reads the demo's facilities as the main facility's
// officer, the district's commander and the commander would: the
// facilities with their figures, the facility page's cells with days of
// isolation left and the cohort's checks, the forms refusing bad input
// beside the field with what was typed, and the dashboard's and the
// daily report's figures.
func TestDetentionPages(t *testing.T) {
	f := newUIFixture(t, true)
	officer := f.session(scenario.DetentionAccounts[0].Name)
	res, body := f.get("/detention", officer)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "沈阳市看守所") || strings.Contains(body, "沈河区看守所") {
		t.Fatalf("/detention as the officer: %d, want their facility only", res.StatusCode)
	}
	page := "/detention/" + scenario.DemoFacility
	_, body = f.get(page, officer)
	for _, want := range []string{`id="intake-form"`, `data-days-left="`, `data-ready="1"`, "今日已监测 3 人 / 在岗 6 人", `data-fever="1"`,
		"交班 <span class=\"good\">已确认</span>", `id="closure-state">封闭管理中`} {
		if !strings.Contains(body, want) {
			t.Errorf("the facility page lacks %q", want)
		}
	}
	if strings.Contains(body, `name="override"`) {
		t.Error("the officer is offered the supervisor's override")
	}
	// Intake without a name: the error beside the field, the phone kept.
	form := url.Values{"name": {""}, "phone": {"13912340000"}, "case_ref": {"沈公刑2020-099"}}
	res, body = f.do("POST", page+"/intake", officer, strings.NewReader(form.Encode()))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value=""><span class="err">没有身份证号时必须填写姓名`) ||
		!strings.Contains(body, `value="13912340000"`) || !strings.Contains(body, `value="沈公刑2020-099"`) {
		t.Errorf("intake without a name: %d %s", res.StatusCode, between(body, `id="intake-form"`, "</form>"))
	}
	form.Set("name", "测试收押")
	if res, _ = f.do("POST", page+"/intake", officer, strings.NewReader(form.Encode())); res.StatusCode != http.StatusSeeOther {
		t.Errorf("intake: %d", res.StatusCode)
	}
	// An early move out of isolation: refused with the days left.
	_, body = f.get(page, officer)
	m := regexp.MustCompile(`(?s)data-detainee="(\d+)">(?:[^<]|<[^f]|<f[^o])*?data-days-left`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no detainee in isolation on the page")
	}
	move := url.Values{"detainee": {m[1]}, "area": {"JQ1"}}
	res, body = f.do("POST", page+"/move", officer, strings.NewReader(move.Encode()))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "隔离期未满") {
		t.Errorf("early move: %d", res.StatusCode)
	}
	// The district's commander: figures and cells, no names; the override.
	district := f.session("district-heping")
	_, body = f.get(page, district)
	if strings.Contains(body, `id="intake-form"`) || !strings.Contains(body, `name="override"`) || strings.Contains(body, "测试收押") {
		t.Error("the district's page: an intake form, no override, or a detainee's name")
	}
	move.Set("override", "1")
	res, body = f.do("POST", page+"/move", district, strings.NewReader(move.Encode()))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "提前解除隔离须填写理由") {
		t.Errorf("override without a reason: %d", res.StatusCode)
	}
	move.Set("override_reason", "转医务室留观")
	if res, _ = f.do("POST", page+"/move", district, strings.NewReader(move.Encode())); res.StatusCode != http.StatusSeeOther {
		t.Errorf("override: %d", res.StatusCode)
	}
	cmd := f.session(uiCommander)
	_, body = f.get("/dashboard", cmd)
	if !strings.Contains(body, `id="detention-tiles"`) || !strings.Contains(body, `data-detention-metric="cohorts_overdue">1<`) {
		t.Error("the dashboard lacks the detention tiles")
	}
	_, body = f.get("/reports/daily", cmd)
	if !strings.Contains(body, `id="report-detention"`) {
		t.Error("the daily report lacks the detention section")
	}
	if res, _ := f.get(page, f.session(uiStation)); res.StatusCode != http.StatusForbidden {
		t.Errorf("a station officer reads the facility: %d", res.StatusCode)
	}
}

// between returns the part of s from the first from to the next to.
func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	before, _, _ := strings.Cut(after, to)
	return before
}

// TestBrowserDetentionForms admits a detainee on a 390 px phone as the
// facility's officer: the name typed, Enter submits; then an early move
// is refused beside the form.
func TestBrowserDetentionForms(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	o := b.person("detention", 390, 844, true)
	o.login(f.url, scenario.DetentionAccounts[0].Name, scenario.Password, "body")
	o.run(chromedp.Navigate(f.url+"/detention/"+scenario.DemoFacility), chromedp.WaitVisible("#intake-form", chromedp.ByQuery))
	o.fitsPhone("detention-facility")
	o.run(chromedp.SendKeys(`#intake-form input[name="phone"]`, "13912345670", chromedp.ByQuery))
	o.run(chromedp.SendKeys(`#intake-form input[name="name"]`, "浏览器收押\n", chromedp.ByQuery))
	o.run(chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if got := o.text(".flash"); !strings.Contains(got, "已收押并单独隔离") {
		t.Errorf("the flash reads %q", got)
	}
	if got := o.text("#cells"); !strings.Contains(got, "浏览器收押") || !strings.Contains(got, "隔离还剩 15 天") {
		t.Errorf("the new detainee is not in a cell with 15 days left: %q", got)
	}
	var id string
	o.run(chromedp.Evaluate(`[...document.querySelectorAll('.occupant')].find(e => e.textContent.includes('浏览器收押')).dataset.detainee`, &id))
	sel := "#d-" + id
	o.run(chromedp.SetValue(sel+` select[name="area"]`, "JQ1", chromedp.ByQuery))
	o.run(chromedp.Click(sel+` .move-form button`, chromedp.ByQuery))
	o.run(chromedp.WaitVisible(sel+` .move-form .alert`, chromedp.ByQuery))
	if got := o.text(sel + ` .move-form .alert`); !strings.Contains(got, "隔离期未满") {
		t.Errorf("the early move's refusal reads %q", got)
	}
	o.fitsPhone("detention-move-refused")
}
