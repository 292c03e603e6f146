package http_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// TestBrowserLoop walks the closed loop through the pages as the people
// who run it would: the commander watches the dashboard, the station
// officer on a phone accepts and reports, the committee worker reports
// something else, the conflict appears live for the commander, who
// adjudicates; the dashboard follows without a reload; a station of
// another community cannot open the lead.
func TestBrowserLoop(t *testing.T) {
	f := newUIFixture(t, false)
	b := newBrowser(t, "")
	first := f.createLead("210102199001011237", "李四", "沈阳市和平区水源地社区3号楼", false)

	// The commander signs in (after one mistyped password) and reads the
	// dashboard: every count is the API's.
	cmd := b.person("commander", 1280, 800, false)
	cmd.run(
		chromedp.Navigate(f.url+"/dashboard"),
		chromedp.WaitVisible("#login-submit", chromedp.ByQuery),
		chromedp.SendKeys("#name", uiCommander, chromedp.ByQuery),
		chromedp.SendKeys("#password", "not the password", chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#login-error", chromedp.ByQuery),
	)
	if got := cmd.text("#login-error"); !strings.Contains(got, "不正确") {
		t.Errorf("login error reads %q, want it to say the name or password is wrong", got)
	}
	cmd.shot("login-error")
	cmd.run(
		chromedp.SendKeys("#password", scenario.Password, chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#dash-live", chromedp.ByQuery),
	)
	cmd.waitJS(`document.body.getAttribute("data-live-state") === "open"`)
	dashMatchesAPI(t, cmd, f.overview(uiCommander))
	cmd.shot("dashboard")

	// A lead arrives through the API: the dashboard counts it live.
	cmd.mark()
	lead := f.createLead(uiIDNumber, "张三", uiAddrHome, false)
	want := f.overview(uiCommander)
	cmd.waitJS(fmt.Sprintf(`document.querySelector('[data-metric="received"]').textContent.trim() === "%d"`, want["received"]))
	if cmd.reloaded() {
		t.Error("the dashboard reloaded to show the new lead; want a live update")
	}
	dashMatchesAPI(t, cmd, want)
	cmd.waitJS(fmt.Sprintf(`echarts.getInstanceByDom(document.getElementById("chart-funnel")).getOption().series[0].data[0] === %d`, want["received"]))
	cmd.shot("dashboard-live")

	// The commander keeps the conflicts queue open.
	cmd.run(chromedp.Navigate(f.url+"/conflicts"), chromedp.WaitVisible("#queue-live", chromedp.ByQuery))
	cmd.waitJS(`document.body.getAttribute("data-live-state") === "open"`)
	cmd.mark()

	// The station officer, on a phone at the compound gate, accepts with
	// one tap and reports through the form, first forgetting the address.
	st := b.person("station", 390, 844, true)
	st.login(f.url, uiStation, scenario.Password, "#inbox-live")
	card := fmt.Sprintf(`article[data-lead="%d"]`, lead)
	st.run(chromedp.WaitVisible(card, chromedp.ByQuery))
	if got := st.text(card + " .countdown"); !strings.Contains(got, "剩余") {
		t.Errorf("task card countdown reads %q, want the time left", got)
	}
	st.shot("inbox")
	st.run(
		chromedp.Click(card+" button.accept", chromedp.ByQuery),
		chromedp.WaitVisible(card+" .ts-accepted", chromedp.ByQuery),
	)
	st.shot("accepted")
	st.run(
		chromedp.Click(card+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#feedback-form", chromedp.ByQuery),
		chromedp.Click(`input[name="located"][value="elsewhere_in_city"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#address", chromedp.ByQuery),
		chromedp.Click("#submit-feedback", chromedp.ByQuery),
		chromedp.WaitVisible("#address-err", chromedp.ByQuery),
	)
	if got := st.text("#address-err"); !strings.Contains(got, "地址") {
		t.Errorf("address error reads %q, want it to ask for the address", got)
	}
	st.shot("feedback-invalid")
	st.run(
		chromedp.Click(`input[name="located"][value="at_address"]`, chromedp.ByQuery),
		chromedp.WaitNotVisible("#address", chromedp.ByQuery),
		chromedp.Click(`input[name="contact"][value="in_person"]`, chromedp.ByQuery),
		chromedp.SendKeys("#temperature", "36.5", chromedp.ByQuery),
		chromedp.Click(`input[name="measure"][value="home_observation"]`, chromedp.ByQuery),
	)
	st.shot("feedback-filled")
	st.run(
		chromedp.Click("#submit-feedback", chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	st.shot("feedback-done")

	// The committee worker reports a different measure: central isolation.
	cm := b.person("committee", 390, 844, true)
	cm.login(f.url, uiCommittee, scenario.Password, "#inbox-live")
	cm.run(
		chromedp.Click(card+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#feedback-form", chromedp.ByQuery),
		chromedp.Click(`input[name="located"][value="at_address"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="contact"][value="phone"]`, chromedp.ByQuery),
		chromedp.SendKeys("#temperature", "36.6", chromedp.ByQuery),
		chromedp.Click(`input[name="measure"][value="central_isolation"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#site", chromedp.ByQuery),
		chromedp.SendKeys("#site", "沈阳市第一集中隔离点", chromedp.ByQuery),
	)
	cm.shot("feedback-filled")
	cm.run(chromedp.Click("#submit-feedback", chromedp.ByQuery), chromedp.WaitVisible(".flash", chromedp.ByQuery))

	// The conflict appears in the commander's open queue without a reload.
	item := fmt.Sprintf(`article.qitem[data-lead="%d"]`, lead)
	cmd.run(chromedp.WaitVisible(item, chromedp.ByQuery))
	if cmd.reloaded() {
		t.Error("the conflicts queue reloaded; want the conflict to appear live")
	}
	if got := cmd.text(item + " .reasons"); !strings.Contains(got, "措施不一致") {
		t.Errorf("conflict reasons read %q, want the measures named", got)
	}
	cmd.shot("conflict-live")

	// The commander opens it: both reports side by side, then adjudicates.
	cmd.run(
		chromedp.Click(item+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#adjudicate-form", chromedp.ByQuery),
	)
	station := cmd.text(`.tasks [data-side="police_station"] [data-field="measure"]`)
	committee := cmd.text(`.tasks [data-side="committee"] [data-field="measure"]`)
	if station != "居家观察" || committee != "集中隔离" {
		t.Errorf("side by side: station %q, committee %q; want 居家观察 and 集中隔离", station, committee)
	}
	if got := cmd.text(`[data-field="id_number"]`); got != uiIDMasked {
		t.Errorf("lead page shows ID %q, want it masked as the API shows it (%s)", got, uiIDMasked)
	}
	cmd.shot("adjudicate")
	cmd.run(
		chromedp.Click(`#adjudicate-form input[name="located"][value="at_address"]`, chromedp.ByQuery),
		chromedp.Click(`#adjudicate-form input[name="contact"][value="in_person"]`, chromedp.ByQuery),
		chromedp.Click(`#adjudicate-form input[name="measure"][value="central_isolation"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#adjudicate-form #site`, "沈阳市第一集中隔离点", chromedp.ByQuery),
		chromedp.SendKeys(`#adjudicate-form #note`, "电话复核，按社区意见集中隔离", chromedp.ByQuery),
		chromedp.Click("#adj-close", chromedp.ByQuery),
		// A decision goes on to the next conflict: none is left, so
		// back to the queue, which says so.
		chromedp.WaitVisible("#queue-live", chromedp.ByQuery),
	)
	if got := cmd.text(".flash"); !strings.Contains(got, "已裁决") {
		t.Errorf("after adjudication the queue reads %q, want it to say the lead was decided", got)
	}
	cmd.run(
		chromedp.Navigate(fmt.Sprintf("%s/leads/%d", f.url, lead)),
		chromedp.WaitVisible("#outcome", chromedp.ByQuery),
	)
	if got := cmd.text("h1 .badge"); got != "已闭环" {
		t.Errorf("after adjudication the lead reads %q, want 已闭环", got)
	}
	if got := cmd.text("#timeline"); !strings.Contains(got, "指挥部裁决") || !strings.Contains(got, "反馈冲突") {
		t.Errorf("timeline reads %q, want the conflict and the adjudication in words", got)
	}
	cmd.shot("closed")

	// Back on the dashboard, which follows further changes live.
	cmd.run(chromedp.Navigate(f.url+"/dashboard"), chromedp.WaitVisible("#dash-live", chromedp.ByQuery))
	cmd.waitJS(`document.body.getAttribute("data-live-state") === "open"`)
	dashMatchesAPI(t, cmd, f.overview(uiCommander))
	cmd.mark()
	var l struct {
		Tasks []struct {
			ID   int64 `json:"id"`
			Unit struct {
				Code string `json:"code"`
			} `json:"unit"`
		} `json:"tasks"`
	}
	f.api(uiCommander, "GET", "/leads/"+strconv.FormatInt(first, 10), nil, 200, &l)
	for _, tk := range l.Tasks {
		if tk.Unit.Code == scenario.DemoStation {
			f.api(uiStation, "POST", fmt.Sprintf("/tasks/%d/accept", tk.ID), nil, 200, nil)
		}
	}
	want = f.overview(uiCommander)
	cmd.waitJS(fmt.Sprintf(`document.querySelector('[data-metric="accepted_station"]').textContent.trim() === "%d"`, want["accepted_station"]))
	if cmd.reloaded() {
		t.Error("the dashboard reloaded; want a live update")
	}
	dashMatchesAPI(t, cmd, want)
	cmd.shot("dashboard-after")

	// A station of another community gets the not-found page for the
	// lead's URL, as if it did not exist.
	other := b.person("other-station", 390, 844, true)
	other.login(f.url, uiOtherName, scenario.Password, "#inbox-live")
	other.run(
		chromedp.Navigate(fmt.Sprintf("%s/leads/%d", f.url, lead)),
		chromedp.WaitVisible(".error-page", chromedp.ByQuery),
	)
	var status string
	other.run(chromedp.AttributeValue(".error-page", "data-status", &status, nil, chromedp.ByQuery))
	if status != "404" {
		t.Errorf("another community's station sees status %q for the lead, want 404", status)
	}
	if got := other.text("body"); strings.Contains(got, "张三") {
		t.Error("the not-found page shows the person's name")
	}
	other.shot("not-found")

	for _, tb := range []*tab{cmd, st, cm, other} {
		tb.check()
	}
}

// dashMatchesAPI compares every count on the dashboard with the API's.
func dashMatchesAPI(t *testing.T, tb *tab, want map[string]int64) {
	t.Helper()
	var got map[string]string
	tb.run(chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('.tiles [data-metric]')].map(e => [e.dataset.metric, e.textContent.trim()]))`, &got))
	if len(got) == 0 {
		t.Fatal("the dashboard shows no counts")
	}
	for k, v := range got {
		if v != strconv.FormatInt(want[k], 10) {
			t.Errorf("dashboard %s = %s, API says %d", k, v, want[k])
		}
	}
}
