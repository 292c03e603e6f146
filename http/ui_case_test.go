package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/scenario"
)

// stationCase registers a case of the demo station through the service.
func (f *uiFixture) stationCase(title string) int64 {
	f.t.Helper()
	u, err := f.svc.UserBySession(context.Background(), f.session(uiStation))
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.svc.RegisterCase(epiloop.NewContextWithUser(context.Background(), u),
		loop.CaseInput{Kind: epiloop.CaseFraud, Title: title, AmountFen: 1_250_000, Provinces: []string{"21"}, Cities: []string{"2101"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// TestCasePages reads the demo's register as the commander, the district
// and the analyst would, and refuses bad input beside its field with
// what was typed kept.
func TestCasePages(t *testing.T) {
	f := newUIFixture(t, true)
	cmd := f.session(uiCommander)
	res, body := f.get("/cases", cmd)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="cases-next"`) || !strings.Contains(body, `id="cases-tiles"`) ||
		!strings.Contains(body, fmt.Sprintf(`data-case-metric="cases_solved">%d<`, scenario.DemoCasesSolved)) ||
		!strings.Contains(body, fmt.Sprintf(`data-case-metric="case_handled">%d<`, scenario.DemoCaseSuspects)) || !strings.Contains(body, `id="cases-by-district"`) {
		t.Fatalf("/cases: %d, want a page of cases and the seed's figures", res.StatusCode)
	}
	_, body = f.get("/cases?kind=violence_medics", cmd)
	if strings.Contains(body, scenario.DemoBigCaseTitle) || !strings.Contains(body, "殴打防疫医护人员案") || strings.Contains(body, `data-kind="fraud" data-state`) {
		t.Error("the kind filter lets other kinds through")
	}
	if res, _ = f.get("/cases?state=rumour", cmd); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown state: %d, want 400", res.StatusCode)
	}

	// The district opens the big case: 23 provinces, 57 cities, suspects
	// masked, the custody log verified.
	hp := f.session(uiDistrictHP)
	_, body = f.get("/cases?kind=counterfeit&per_page=500", hp)
	i := strings.Index(body, scenario.DemoBigCaseTitle)
	j := strings.LastIndex(body[:max(i, 0)], `<a href="/cases/`)
	if i < 0 || j < 0 {
		t.Fatal("the district does not list the big case")
	}
	href := body[j+len(`<a href="`) : j+strings.Index(body[j:], `">`)]
	_, body = f.get(href, hp)
	for _, want := range []string{`id="case-provinces" data-n="23"`, `id="case-cities" data-n="57"`, `id="custody-check" data-ok="true"`,
		"22,310,000", "假冒KN95口罩", "移送起诉", "********"} {
		if !strings.Contains(body, want) {
			t.Errorf("the big case's page lacks %q", want)
		}
	}
	if strings.Contains(body, `action="`+href+`/suspects/`) && strings.Contains(body, "reveal-form") {
		t.Error("a district commander is offered the reveal")
	}

	// The station's own case: a bad form keeps what was typed.
	station := f.session(uiStation)
	res, body = f.post(station, "/cases", url.Values{"kind": {"fraud"}, "title": {""}, "amount": {"1,000"}, "summary": {"网购口罩被骗"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写案件名称") || !strings.Contains(body, `value="1,000"`) ||
		!strings.Contains(body, "网购口罩被骗") {
		t.Errorf("a case without a title: %d, want 422 with the error beside the title and the values kept", res.StatusCode)
	}
	res, body = f.post(station, "/cases", url.Values{"kind": {"fraud"}, "title": {"网购口罩诈骗"}, "amount": {"1.234"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "金额有误") {
		t.Errorf("an amount of three decimals: %d", res.StatusCode)
	}
	res, _ = f.post(station, "/cases", url.Values{"kind": {"fraud"}, "title": {"网购口罩诈骗"}, "amount": {"12,500"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("register: %d %s", res.StatusCode, loc)
	}
	path, _, _ := strings.Cut(loc, "?")
	res, body = f.post(station, path+"/transition", url.Values{"to": {"filed"}, "doc_no": {""}, "note": {"证据已固定"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写文书编号") || !strings.Contains(body, `value="证据已固定"`) {
		t.Errorf("a step without its document: %d", res.StatusCode)
	}
	res, body = f.post(station, path+"/transition", url.Values{"to": {"solved"}, "doc_no": {"破1号"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "程序不能跳过") {
		t.Errorf("受案 → 破案: %d, want 409 saying no step is skipped", res.StatusCode)
	}
	if res, _ = f.post(station, path+"/transition", url.Values{"to": {"filed"}, "doc_no": {"沈公(和)立字〔2020〕9号"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("立案: %d", res.StatusCode)
	}
	res, body = f.post(station, path+"/suspects", url.Values{"id_number": {uiIDNumber}, "name": {"赵六"}, "kind": {"criminal_detain"}, "date": {"2020-02-01"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "须填写羁押场所编码") || !strings.Contains(body, `value="赵六"`) {
		t.Errorf("a detention without facility: %d", res.StatusCode)
	}
	if res, _ = f.post(station, path+"/suspects", url.Values{"id_number": {uiIDNumber}, "name": {"赵六"}, "kind": {"criminal_detain"},
		"date": {"2020-02-01"}, "facility": {"DT210102001"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a suspect detained: %d", res.StatusCode)
	}
	_, body = f.get(path, station)
	if !strings.Contains(body, uiIDMasked) || strings.Contains(body, uiIDNumber) || !strings.Contains(body, "刑事拘留") {
		t.Error("the suspect is not shown masked with the measure")
	}
	k := strings.Index(body, `/reveal"`)
	if k < 0 {
		t.Fatal("the station is not offered the reveal")
	}
	reveal := body[strings.LastIndex(body[:k], `action="`)+len(`action="`) : k+len(`/reveal`)]
	if res, body = f.post(station, reveal, url.Values{"purpose": {""}}); res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, uiIDNumber) {
		t.Errorf("a reveal without purpose: %d", res.StatusCode)
	}
	if res, body = f.post(station, reveal, url.Values{"purpose": {"提请批准逮捕"}}); res.StatusCode != http.StatusOK || !strings.Contains(body, uiIDNumber) {
		t.Errorf("the reveal: %d", res.StatusCode)
	}

	// The analyst: figures on the dashboard, no register.
	an := f.session(uiAnalyst)
	if res, _ = f.get("/cases", an); res.StatusCode != http.StatusForbidden {
		t.Errorf("analyst opens /cases: %d", res.StatusCode)
	}
	_, body = f.get("/dashboard", an)
	if !strings.Contains(body, `id="cases-tiles"`) || strings.Contains(body, `href="/cases"`) {
		t.Error("the analyst's dashboard lacks the cases' tiles, or links to the register")
	}
	_, body = f.get("/reports/daily", cmd)
	if !strings.Contains(body, `id="report-cases"`) || !strings.Contains(body, fmt.Sprintf(`data-metric="cases_solved">%d<`, scenario.DemoCasesSolved)) {
		t.Error("the daily report lacks the cases' section")
	}
	_, body = f.get("/cases", cmd, "Accept-Language", "en")
	if !strings.Contains(body, "Epidemic-related cases") {
		t.Error("the register is not in English for an English reader")
	}
}

// TestBrowserCaseByKeyboard records a step of the procedure and a custody
// entry on a 390 px phone as the station, typing and pressing Enter.
func TestBrowserCaseByKeyboard(t *testing.T) {
	f := newUIFixture(t, false)
	id := f.stationCase("王某网络销售口罩诈骗案")
	b := newBrowser(t, "")
	o := b.person("station", 390, 844, true)
	o.login(f.url, uiStation, scenario.Password, "body")
	o.run(chromedp.Navigate(fmt.Sprintf("%s/cases/%d", f.url, id)), chromedp.WaitVisible("#procedure", chromedp.ByQuery))
	o.fitsPhone("case")
	if got := o.activeID(); got != "t-filed-doc" {
		t.Errorf("focus on %q, want the first step's document number", got)
	}
	// Enter on an empty document number: the browser's own check holds
	// it; a typed one submits.
	o.run(chromedp.SendKeys("#t-filed-doc", "沈公(和)立字〔2020〕17号\r", chromedp.ByQuery))
	o.run(chromedp.WaitVisible(`#transitions li[data-to="filed"]`, chromedp.ByQuery))
	if got := o.text("#transitions"); !strings.Contains(got, "沈公(和)立字〔2020〕17号") {
		t.Errorf("the step reads %q", got)
	}
	o.run(chromedp.WaitVisible(`form.transition[data-to="investigating"]`, chromedp.ByQuery))
	o.run(chromedp.SendKeys("#cu-place", "派出所涉案财物保管室", chromedp.ByQuery),
		chromedp.SendKeys("#cu-qty", "2000", chromedp.ByQuery),
		chromedp.SendKeys("#cu-holder", "值班民警\r", chromedp.ByQuery))
	o.run(chromedp.WaitVisible(`#custody-table tr[data-seq="1"]`, chromedp.ByQuery))
	if got := o.text("#custody-check"); !strings.Contains(got, "校验通过") {
		t.Errorf("the custody log's check reads %q", got)
	}
	o.fitsPhone("case-custody")
	o.shot("case-custody")
}
