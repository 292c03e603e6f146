package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/epiloop/epiloop/scenario"
)

// TestDutyPages reads the demo's command structure and its wall board as a
// committee member would.
func TestDutyPages(t *testing.T) {
	f := newUIFixture(t, true)
	s := f.session(uiCommittee)
	res, body := f.get("/command", s)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/command: %d", res.StatusCode)
	}
	for _, want := range []string{"沈阳市新冠肺炎疫情防控指挥部", "和平区分指挥部", "流调溯源组", "追踪线", "社会面", "赵晨铭", "线索24小时内闭环", `href="/duty/now"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/command lacks %q", want)
		}
	}
	res, body = f.get("/duty/now", s)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/duty/now: %d", res.StatusCode)
	}
	for _, want := range []string{"带班领导", "值班长", "值班员", "duty-officer-1", "duty-officer-2"} {
		if !strings.Contains(body, want) {
			t.Errorf("/duty/now lacks %q", want)
		}
	}
	if strings.Contains(body, "duty-officer-3") {
		t.Error("/duty/now names the night's officer in the day")
	}
	// The officer on duty checks out from the board.
	officer := f.session("duty-officer-1")
	_, body = f.get("/duty/now", officer)
	i := strings.Index(body, `/check-out"`)
	if i < 0 {
		t.Fatal("the board offers the officer on duty no check-out")
	}
	action := body[strings.LastIndex(body[:i], `action="`)+len(`action="`) : i+len(`/check-out`)]
	res, _ = f.do("POST", action, officer, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("check-out %s: %d, want 303", action, res.StatusCode)
	}
	if _, body = f.get("/duty/now", officer); strings.Contains(body, `/check-out"`) {
		t.Error("the board still offers a check-out after it")
	}
	if res, _ := f.get("/duty/now?node=NONE", s); res.StatusCode != http.StatusNotFound {
		t.Errorf("/duty/now of a missing node: %d, want 404", res.StatusCode)
	}
	res, body = f.get("/duty/now?node=FR-SCREEN", s)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "沈阳站卡点长") {
		t.Errorf("/duty/now?node=FR-SCREEN: %d, want the checkpoint chief's post", res.StatusCode)
	}
}

// TestBrowserDutyPages opens 指挥体系 and 当前在岗 on a 390 px phone: both
// fit its width, and the officer on duty checks out with one tap.
func TestBrowserDutyPages(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	o := b.person("duty-officer", 390, 844, true)
	o.login(f.url, "duty-officer-1", scenario.Password, "#dash-live") // an analyst lands on the dashboard
	o.run(chromedp.Navigate(f.url+"/command"), chromedp.WaitVisible("#command-tree", chromedp.ByQuery))
	if got := o.text(`li[data-node="FR-TRACE"] header`); !strings.Contains(got, "追踪线") {
		t.Errorf("the tracing front reads %q", got)
	}
	o.fitsPhone("command")
	o.run(chromedp.Navigate(f.url+"/duty/now"), chromedp.WaitVisible("#duty-now", chromedp.ByQuery))
	o.fitsPhone("duty-now")
	o.shot("duty-now")
	// Back on the board, the officer is off duty: no form is left.
	o.run(chromedp.Click("form.duty-check button", chromedp.ByQuery),
		chromedp.WaitNotPresent("form.duty-check", chromedp.ByQuery), chromedp.WaitVisible("#duty-now", chromedp.ByQuery))
	if got := o.text("#duty-now"); strings.Contains(got, "duty-officer-1") {
		t.Errorf("the board still shows the officer who checked out: %q", got)
	}
}
