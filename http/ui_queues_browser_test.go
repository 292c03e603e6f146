package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// The commander's queues and the field unit's inbox in a real browser on
// a phone: the unroutable queue with its reasons and one-tap candidates,
// several leads routed at once while teaching the gazetteer, adopting a
// side's report in an adjudication and going on to the next conflict, and
// the inbox card that stays under the thumb after "接收任务". Every page
// fits a 390 px wide screen.

// fitsPhone fails the test when the page's content is wider than the
// screen: an element of the main part reaching past the right edge,
// outside a container that scrolls on purpose. The page as a whole is
// checked too, and its overflow named, outside the main part included.
func (tb *tab) fitsPhone(name string) {
	tb.b.t.Helper()
	var over struct {
		Main []string `json:"main"`
		Page []string `json:"page"`
	}
	tb.run(chromedp.Evaluate(`(() => {
	  const w = document.documentElement.clientWidth, main = [], page = [];
	  const clips = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
	    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") { return true; } } return false; };
	  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().replace(/ +/g, ".") : "");
	  document.querySelectorAll("body *").forEach(el => {
	    const r = el.getBoundingClientRect();
	    if (r.width > 1 && r.right > w + 1 && !clips(el)) {
	      (el.closest("#main") ? main : page).push(name(el) + " to " + Math.round(r.right) + "px");
	    }
	  });
	  if (document.documentElement.scrollWidth > w) { page.unshift("page " + document.documentElement.scrollWidth + "px > " + w + "px"); }
	  return {main: main.slice(0, 8), page: page.slice(0, 8)};
	})()`, &over))
	if len(over.Main) > 0 {
		tb.b.t.Errorf("%s's %s page is wider than the phone (%s): %s", tb.name, name, tb.shot(name+"-overflow"), strings.Join(over.Main, "; "))
	} else if len(over.Page) > 0 {
		// Not the page's own content: the layout's (the header).
		tb.b.t.Logf("%s's %s page: the layout is wider than the phone: %s", tb.name, name, strings.Join(over.Page, "; "))
	}
}

func TestBrowserQueues(t *testing.T) {
	f := newUIFixture(t, false)
	b := newBrowser(t, "")
	amb := f.createLead(qID(70), "候选甲", "三隆社区8号", false)
	compA := f.createLead(qID(71), "小区乙", "沈阳市和平区祥和苑B座1201", false)
	compB := f.createLead(qID(72), "小区丙", "沈阳市和平区祥和苑A座302", false)
	f.createLead(qID(73), "外市丁", "北京市朝阳区建国路88号", false)
	older, newer := f.conflict(74), f.conflict(75)

	cmd := b.person("commander", 390, 844, true)
	cmd.login(f.url, uiCommander, scenario.Password, "#dash-live")

	// The queue says why, with the address, and offers the ambiguous
	// lead's two 三隆社区 as one-tap routes.
	row := func(id int64) string { return fmt.Sprintf(`article.urow[data-lead="%d"]`, id) }
	cmd.run(chromedp.Navigate(f.url+"/unroutable"), chromedp.WaitVisible(row(amb), chromedp.ByQuery))
	if got := cmd.text(row(amb) + " .why"); !strings.Contains(got, "社区名称不唯一") {
		t.Errorf("ambiguous lead's reason reads %q", got)
	}
	if got := cmd.text(row(compA) + " .uaddr"); got != "沈阳市和平区祥和苑B座1201" {
		t.Errorf("the row shows the address %q", got)
	}
	var cands int
	cmd.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll('%s button.cand').length`, row(amb)), &cands))
	if cands != 2 {
		t.Errorf("ambiguous lead offers %d one-tap candidates, want 2", cands)
	}
	cmd.shot("unroutable")
	cmd.fitsPhone("unroutable")
	cmd.click(row(amb) + ` button[data-community="` + qSanlongA + `"]`)
	cmd.run(chromedp.WaitVisible("#timeline", chromedp.ByQuery))
	if st, c := f.leadStatus(amb); st != "pushed" || c != qSanlongA {
		t.Errorf("one tap: lead %s to %s, want pushed to %s", st, c, qSanlongA)
	}

	// Two leads of one compound, picked and routed in one step, teaching
	// the gazetteer the compound's name. A live refresh in between keeps
	// the picks.
	cmd.run(chromedp.Navigate(f.url+"/unroutable"), chromedp.WaitVisible(row(compA), chromedp.ByQuery))
	cmd.waitJS(`document.body.getAttribute("data-live-state") === "open"`)
	cmd.click(row(compA) + ` input[name="lead"]`)
	cmd.run(chromedp.Evaluate(`window.__queue = document.getElementById("queue-live")`, nil))
	f.createLead(qID(76), "新到戊", "火星基地1号", false) // the queue refreshes live
	cmd.waitJS(`document.getElementById("queue-live") !== window.__queue && document.querySelectorAll("article.urow").length === 4`)
	var kept bool
	cmd.run(chromedp.Sleep(100*time.Millisecond), chromedp.Evaluate(fmt.Sprintf(`document.querySelector('%s input[name="lead"]').checked`, row(compA)), &kept))
	if !kept {
		t.Error("a live refresh of the queue lost the pick")
	}
	cmd.click(row(compB) + ` input[name="lead"]`)
	cmd.click("#bulk-submit")
	cmd.run(chromedp.WaitVisible("#route-leads", chromedp.ByQuery))
	if got := cmd.text("h1"); !strings.Contains(got, "2 条") {
		t.Errorf("bulk route page heading %q", got)
	}
	if got := cmd.text("#route-leads"); !strings.Contains(got, "地名：祥和苑") {
		t.Errorf("bulk route page reads %q, want each lead's place name", got)
	}
	cmd.shot("bulk-route")
	cmd.fitsPhone("bulk-route")
	// The walk starts in 和平区, the district the addresses name.
	cmd.click(`a[href*="street=210102001"]`)
	cmd.run(chromedp.WaitVisible(`input[name="community"][value="`+qXianghe+`"]`, chromedp.ByQuery))
	cmd.click(`input[name="community"][value="` + qXianghe + `"]`)
	cmd.click("#teach")
	cmd.shot("bulk-route-chosen")
	cmd.fitsPhone("bulk-route-chosen")
	cmd.click("#route-submit")
	cmd.run(chromedp.WaitVisible("#queue-live", chromedp.ByQuery))
	if got := cmd.text(".flash"); !strings.Contains(got, "已分派 2 条线索") || !strings.Contains(got, "地名库新增 1 个地名") {
		t.Errorf("after the bulk route the queue reads %q", got)
	}
	for _, id := range []int64{compA, compB} {
		if st, c := f.leadStatus(id); st != "pushed" || c != qXianghe {
			t.Errorf("lead %d: %s to %s, want pushed to %s", id, st, c, qXianghe)
		}
	}
	if st, c := f.leadStatus(f.createLead(qID(77), "再来己", "和平区祥和苑5号楼", false)); st != "pushed" || c != qXianghe {
		t.Errorf("the compound's next lead: %s to %s, want routed by itself", st, c)
	}

	// A single lead's route page and the conflicts queue fit too.
	cmd.run(chromedp.Navigate(fmt.Sprintf("%s/leads/%d/route", f.url, f.createLead(qID(78), "街道庚", "沈阳市和平区浑河湾街道某小区", false))),
		chromedp.WaitVisible("#candidates", chromedp.ByQuery))
	cmd.fitsPhone("route")
	cmd.run(chromedp.Navigate(f.url+"/conflicts"), chromedp.WaitVisible("#queue-live", chromedp.ByQuery))
	cmd.fitsPhone("conflicts")

	// Adjudication: adopt the committee's report, change nothing, decide;
	// the next conflict of the queue opens.
	cmd.run(chromedp.Navigate(fmt.Sprintf("%s/leads/%d#adjudicate", f.url, newer)), chromedp.WaitVisible("#adjudicate-form", chromedp.ByQuery))
	cmd.click("#adopt-committee")
	cmd.run(chromedp.WaitVisible("#adopted", chromedp.ByQuery))
	var filled bool
	cmd.run(chromedp.Evaluate(`document.querySelector('#adjudicate-form input[name="measure"][value="hospital"]').checked &&
		document.querySelector('#adjudicate-form #temperature').value === "37.6"`, &filled))
	if !filled {
		t.Error("adopting the committee's report did not fill the form with it")
	}
	cmd.shot("adopted")
	cmd.fitsPhone("adjudicate")
	cmd.run(chromedp.SendKeys("#adjudicate-form #note", "按社区反馈", chromedp.ByQuery))
	// A click that navigates away: by script, so that chromedp does not
	// wait on a page that is gone.
	cmd.run(chromedp.Evaluate(`document.getElementById("adj-close").click()`, nil))
	cmd.run(chromedp.WaitVisible(fmt.Sprintf(`body[data-lead="%d"] #adjudicate-form`, older), chromedp.ByQuery))
	if got := cmd.text(".flash"); !strings.Contains(got, fmt.Sprintf("#%d 已裁决", newer)) {
		t.Errorf("the next conflict's page reads %q", got)
	}
	if st, _ := f.leadStatus(newer); st != "closed" {
		t.Errorf("adjudicated lead is %s, want closed", st)
	}

	// The station officer accepts a card in the middle of the inbox: it
	// stays where it was, then and after the live refresh.
	var fresh []int64
	for n := range 3 {
		fresh = append(fresh, f.createLead(qID(80+n), fmt.Sprintf("待办%d", n), uiAddrHome, false))
		f.clock.Add(10 * time.Minute)
	}
	st := b.person("station", 390, 844, true)
	st.login(f.url, uiStation, scenario.Password, "#inbox-live")
	st.waitJS(`document.body.getAttribute("data-live-state") === "open"`)
	order := func() string {
		var s string
		st.run(chromedp.Evaluate(`[...document.querySelectorAll("#inbox-live article.tcard")].map(a => a.id).join(" ")`, &s))
		return s
	}
	before := order()
	card := fmt.Sprintf(`article.tcard[data-lead="%d"]`, fresh[0])
	st.run(chromedp.Evaluate(`window.__inbox = document.getElementById("inbox-live")`, nil))
	st.click(card + " button.accept")
	st.run(chromedp.WaitVisible(card+" .ts-accepted", chromedp.ByQuery))
	if got := order(); got != before {
		t.Errorf("after 接收任务 the cards are %q, were %q", got, before)
	}
	st.waitJS(`document.getElementById("inbox-live") !== window.__inbox`) // the live refresh
	st.run(chromedp.WaitVisible(card+" .ts-accepted", chromedp.ByQuery))
	if got := order(); got != before {
		t.Errorf("after the live refresh the cards are %q, were %q", got, before)
	}
	st.shot("inbox-accepted")
	st.fitsPhone("inbox")
	// The feedback form, sent empty, shows its messages and still fits.
	st.run(chromedp.Navigate(fmt.Sprintf("%s/inbox/leads/%d", f.url, fresh[0])), chromedp.WaitVisible("#feedback-form", chromedp.ByQuery))
	st.click("#submit-feedback")
	st.run(chromedp.WaitVisible("#located-err", chromedp.ByQuery))
	st.fitsPhone("feedback-errors")

	for _, tb := range []*tab{cmd, st} {
		tb.check()
	}
}
