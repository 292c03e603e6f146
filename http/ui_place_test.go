package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// TestPlacePages reads the demo's places as the district's commander and
// the station would: the registry, the closed place found open with its
// open rectification, the deployments with the uncovered compounds, and
// the dashboard's and the daily report's places' figures.
func TestPlacePages(t *testing.T) {
	f := newUIFixture(t, true)
	cmd := f.session(uiCommander)
	res, body := f.get("/places?kind=gathering&state=closed", cmd)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "太原街极速网咖") || strings.Contains(body, "南市农贸市场") {
		t.Fatalf("/places closed: %d, want the closed places only", res.StatusCode)
	}
	_, body = f.get("/places/"+scenario.DemoFoundOpen, cmd)
	if !strings.Contains(body, "封闭期间发现营业") || !strings.Contains(body, "待整改/待复查") {
		t.Error("the place found open shows no defect or open rectification")
	}
	station := f.session(uiStation)
	_, body = f.get("/places/"+scenario.DemoFoundOpen, station)
	if !strings.Contains(body, `action="/places/rectifications/`) {
		t.Error("the responsible station is not offered to report the fix")
	}
	_, body = f.get("/forces/deployments", cmd)
	if !strings.Contains(body, `id="uncovered-total"`) || !strings.Contains(body, "2 个小区在岗人数低于最低值守") || !strings.Contains(body, `href="/forces"`) {
		t.Error("/forces/deployments lacks the uncovered compounds or the link to 队伍")
	}
	_, body = f.get("/dashboard", cmd)
	if !strings.Contains(body, `id="places-tiles"`) || !strings.Contains(body, `data-place-metric="uncovered_compounds">2<`) ||
		!strings.Contains(body, `data-place-metric="closed_found_open">1<`) || !strings.Contains(body, `id="places-by-district"`) {
		t.Error("the dashboard lacks the places' tiles by district")
	}
	_, body = f.get("/reports/daily", cmd)
	if !strings.Contains(body, `id="report-places"`) || !strings.Contains(body, `data-metric="uncovered_compounds">2<`) {
		t.Error("the daily report lacks the places' section")
	}
}

// TestBrowserInspectionForm fills the inspection form on a 390 px phone
// as the district's commander at a closed place: submitted unmarked it
// names every item at once; found open, it opens a rectification.
func TestBrowserInspectionForm(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	o := b.person("inspector", 390, 844, true)
	o.login(f.url, "district-heping", scenario.Password, "#dash-live")
	o.run(chromedp.Navigate(f.url+"/places/GP210102002"), chromedp.WaitVisible("#inspect-link", chromedp.ByQuery))
	o.click("#inspect-link")
	o.run(chromedp.WaitVisible("#inspect-form", chromedp.ByQuery))
	o.fitsPhone("place-inspect")
	o.click("#inspect-submit")
	o.run(chromedp.WaitVisible("#form-error", chromedp.ByQuery))
	if got := o.text("#form-error"); !strings.Contains(got, "5") {
		t.Errorf("the form's error reads %q, want the five unmarked items counted", got)
	}
	if got := o.text("#inspect-form"); !strings.Contains(got, "请标记检查项目：封闭措施落实") || !strings.Contains(got, "请标记检查项目：消毒通风") {
		t.Errorf("the unmarked items are not named: %q", got)
	}
	o.shot("place-inspect-errors")
	o.run(chromedp.Click(`input[name="found_open"]`, chromedp.ByQuery))
	for _, it := range []string{"closure_notice", "no_crowding", "entry_screening", "disinfection"} {
		o.run(chromedp.Click(`input[name="item.`+it+`"][value="ok"]`, chromedp.ByQuery))
	}
	o.run(chromedp.SendKeys(`textarea[name="note"]`, "夜间暗访，正在营业", chromedp.ByQuery))
	o.click("#inspect-submit")
	o.run(chromedp.WaitVisible("#rectifications article", chromedp.ByQuery))
	if got := o.text("#rectifications"); !strings.Contains(got, "封闭措施落实") {
		t.Errorf("the new rectification reads %q, want the closure item", got)
	}
	o.fitsPhone("place")
}
