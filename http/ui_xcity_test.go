package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/scenario"
)

// xcityOf returns the demo's hand-overs of a direction and state.
func (f *uiFixture) xcityOf(d epiloop.XCityDirection, s epiloop.XCityState) []epiloop.XCityHandover {
	f.t.Helper()
	cmd := epiloop.NewContextWithUser(f.t.Context(), &epiloop.User{Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	hs, _, err := f.svc.FindXCityHandovers(cmd, epiloop.XCityFilter{Direction: &d, State: &s})
	if err != nil || len(hs) == 0 {
		f.t.Fatalf("the demo has no %s %s hand-over: %v", d, s, err)
	}
	return hs
}

// TestXCityPages reads the demo's 外地协查 as the headquarters: the queue
// (masked), a hand-over from Dalian with the refusal form that keeps what
// was typed beside its error, the lead page with Dalian's result, the
// letter of assistance and its workbook, the dashboard's tile and the
// daily report's section.
func TestXCityPages(t *testing.T) {
	f := newUIFixture(t, true)
	cmd := f.session(uiCommander)
	res, body := f.get("/xcity", cmd)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="xcity-list"`) || strings.Count(body, `data-state="received"`) != 3 {
		t.Fatalf("/xcity: %d, want three waiting from Dalian", res.StatusCode)
	}
	if !strings.Contains(body, "********") || !strings.Contains(body, "大连市") {
		t.Error("the queue shows identities unmasked or no city")
	}
	waiting := f.xcityOf(epiloop.XCityIn, epiloop.XCityReceived)[0]
	path := fmt.Sprintf("/xcity/%d", waiting.ID)
	_, body = f.get(path, cmd)
	if !strings.Contains(body, `id="accept-form"`) || !strings.Contains(body, `id="refuse-form"`) {
		t.Fatal("a waiting hand-over offers no decision")
	}
	// A refusal of spaces: the error beside the field, the typed text kept.
	resp, body := f.do("POST", path+"/refuse", cmd, strings.NewReader(url.Values{"reason": {"   "}}.Encode()), "Origin", f.url)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="reason-err"`) || !strings.Contains(body, "退回须写明原因") {
		t.Errorf("refusal without reason: %d", resp.StatusCode)
	}
	resp, _ = f.do("POST", path+"/refuse", cmd, strings.NewReader(url.Values{"reason": {"该地址不在本市"}}.Encode()), "Origin", f.url)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("refusal: %d, want 303", resp.StatusCode)
	}
	if _, body = f.get(path+"?refused=1", cmd); !strings.Contains(body, "已退回") || strings.Contains(body, `id="refuse-form"`) {
		t.Error("the refused hand-over still offers a decision")
	}

	done := f.xcityOf(epiloop.XCityOut, epiloop.XCityCompleted)[0]
	_, body = f.get(fmt.Sprintf("/leads/%d", done.LeadID), cmd)
	if !strings.Contains(body, `id="xcity"`) || !strings.Contains(body, `id="xcity-result"`) || !strings.Contains(body, "居家") && !strings.Contains(body, "home") {
		t.Error("the handed-over lead's page lacks Dalian's result")
	}

	letter := f.xcityOf(epiloop.XCityOut, epiloop.XCityLetter)[0]
	_, body = f.get(fmt.Sprintf("/xcity/%d/letter", letter.ID), cmd)
	if !strings.Contains(body, `id="letter-title"`) || !strings.Contains(body, "协查函") || strings.Contains(body, "********") {
		t.Error("the letter of assistance lacks its title or the identity in full")
	}
	resp, _ = f.get(fmt.Sprintf("/xcity/%d/letter.xlsx", letter.ID), cmd)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheet") {
		t.Errorf("letter workbook: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// The tile and the report's section agree with a recount of the rows.
	figs, err := f.svc.FindXCityFigures(epiloop.NewContextWithUser(t.Context(), &epiloop.User{Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.xcityOf(epiloop.XCityIn, epiloop.XCityReceived)); figs.Waiting != n {
		t.Errorf("waiting figure %d, rows %d", figs.Waiting, n)
	}
	_, body = f.get("/dashboard", cmd)
	if !strings.Contains(body, `id="xcity-tiles"`) || !strings.Contains(body, fmt.Sprintf(`data-xcity-figure="waiting">%d<`, figs.Waiting)) {
		t.Error("the dashboard lacks the hand-over tile or its figure")
	}
	_, body = f.get("/reports/daily", cmd)
	if !strings.Contains(body, fmt.Sprintf(`data-metric="xcity_waiting">%d<`, figs.Waiting)) {
		t.Error("the daily report lacks the hand-over section's figure")
	}
	// A station has no 外地协查.
	if resp, _ := f.get("/xcity", f.session(uiStation)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("station opens /xcity: %d", resp.StatusCode)
	}
}

// TestBrowserXCityQueue works the 外地协查 queue on a 390 px phone as the
// headquarters' duty officer: opens a waiting hand-over, refuses it with
// the keyboard only (Enter submits), then accepts another.
func TestBrowserXCityQueue(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	o := b.person("duty", 390, 844, true)
	o.login(f.url, uiCommander, scenario.Password, "#dash-live")
	o.run(chromedp.Navigate(f.url+"/xcity"), chromedp.WaitVisible("#xcity-list", chromedp.ByQuery))
	o.fitsPhone("xcity")
	o.click(`#xcity-list article[data-state="received"] a`)
	o.run(chromedp.WaitVisible("#refuse-form", chromedp.ByQuery))
	o.fitsPhone("xcity-one")
	o.run(chromedp.SendKeys("#reason", "经核查不在本市\n", chromedp.ByQuery))
	o.run(chromedp.WaitVisible(".flash, [role=status]", chromedp.ByQuery))
	if got := o.text("main"); !strings.Contains(got, "已退回") {
		t.Errorf("after refusing: %q", got)
	}
	o.run(chromedp.Navigate(f.url+"/xcity"), chromedp.WaitVisible("#xcity-list", chromedp.ByQuery))
	o.click(`#xcity-list article[data-state="received"] a`)
	o.click("#accept")
	o.run(chromedp.WaitVisible("#xcity-lead-link", chromedp.ByQuery))
	if got := o.text("main"); !strings.Contains(got, "已接收") {
		t.Errorf("after accepting: %q", got)
	}
}
