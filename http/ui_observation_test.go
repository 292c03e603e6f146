package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// The observation pages: the committee worker's daily check on a phone,
// the forms over plain HTTP, placement at a full site, and who may open
// what.

// obsPlanJSON is a plan as the API reads it.
type obsPlanJSON struct {
	ID       int64  `json:"id"`
	LeadID   int64  `json:"lead_id"`
	Status   string `json:"status"`
	Proposal string `json:"proposal"`
	Hospital string `json:"hospital"`
	Unit     string `json:"unit"`
}

// observed reports a person at the demo address and has both units find
// them at home with the measure given (home observation, or central
// isolation at site); it returns the plan that started.
func (f *uiFixture) observed(idNumber, name, measure, site string) obsPlanJSON {
	f.t.Helper()
	lead := f.createLead(idNumber, name, uiAddrHome, false)
	var l struct {
		Tasks []struct {
			ID   int64 `json:"id"`
			Unit struct {
				Code string `json:"code"`
			} `json:"unit"`
		} `json:"tasks"`
	}
	f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", lead), nil, http.StatusOK, &l)
	for _, tk := range l.Tasks {
		as := uiStation
		if tk.Unit.Code == scenario.DemoCommittee {
			as = uiCommittee
		}
		f.api(as, "POST", fmt.Sprintf("/tasks/%d/feedback", tk.ID), map[string]any{
			"located": "at_address", "contact": "in_person", "temperature": 36.5, "measure": measure, "site": site,
		}, http.StatusOK, nil)
	}
	var list struct {
		Items []obsPlanJSON `json:"items"`
	}
	f.api(uiCommander, "GET", "/observations?per_page=500", nil, http.StatusOK, &list)
	for _, o := range list.Items {
		if o.LeadID == lead {
			return o
		}
	}
	f.t.Fatalf("lead %d started no observation", lead)
	return obsPlanJSON{}
}

func (f *uiFixture) plan(id int64) obsPlanJSON {
	f.t.Helper()
	var o obsPlanJSON
	f.api(uiCommander, "GET", fmt.Sprintf("/observations/%d", id), nil, http.StatusOK, &o)
	return o
}

// TestBrowserObservationCheck has the committee worker, on a phone, find
// today's check in the list, take a fever reading, and see the alert and
// the transfer it calls for.
func TestBrowserObservationCheck(t *testing.T) {
	f := newUIFixture(t, false)
	o := f.observed(uiIDNumber, "张三", "home_observation", "")
	b := newBrowser(t, "")
	cm := b.person("committee", 390, 844, true)
	cm.login(f.url, uiCommittee, scenario.Password, "#inbox-live")
	card := fmt.Sprintf(`article[data-observation="%d"]`, o.ID)
	cm.click(`nav.nav a[href="/observations"]`)
	cm.run(chromedp.WaitVisible(card, chromedp.ByQuery))
	if got := cm.text(card); !strings.Contains(got, "今日待检查") || !strings.Contains(got, "第 3 天 / 共 14 天") {
		t.Errorf("the plan's card reads %q, want today's check due on day 3 of 14", got)
	}
	cm.shot("list")
	cm.run(
		chromedp.Click(card+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#check-form", chromedp.ByQuery),
		chromedp.SendKeys("#temperature", "38.6", chromedp.ByQuery),
		chromedp.Click(`input[name="symptoms"][value="yes"]`, chromedp.ByQuery),
	)
	cm.shot("check")
	cm.run(
		chromedp.Click("#submit-check", chromedp.ByQuery),
		chromedp.WaitVisible("#obs-alert", chromedp.ByQuery),
	)
	if got := cm.text("#obs-alert"); !strings.Contains(got, "发热") || !strings.Contains(got, "38.6") {
		t.Errorf("the alert reads %q, want the fever and its reading", got)
	}
	if got := cm.text("#check-table tbody tr"); !strings.Contains(got, "38.6") {
		t.Errorf("the latest check reads %q", got)
	}
	if p := f.plan(o.ID); p.Proposal != "transfer_to_hospital" {
		t.Errorf("the plan proposes %q, want transfer to hospital", p.Proposal)
	}
	cm.shot("alert")
	cm.run(
		chromedp.WaitVisible("#hospital", chromedp.ByQuery), // the alert opens the transfer
		chromedp.SendKeys("#hospital", "沈阳市第六人民医院", chromedp.ByQuery),
		chromedp.Click("#submit-transfer", chromedp.ByQuery),
		chromedp.WaitVisible("#obs-status.os-transferred_to_hospital", chromedp.ByQuery),
	)
	if got := cm.text("#obs-status"); got != "已转送医院" {
		t.Errorf("after the transfer the plan reads %q", got)
	}
	if p := f.plan(o.ID); p.Status != "transferred_to_hospital" || p.Hospital != "沈阳市第六人民医院" {
		t.Errorf("plan %+v, want transferred to the hospital named", p)
	}
	cm.shot("transferred")
	cm.check()
}

// TestObservationForms posts the plan's forms as a browser without script
// would.
func TestObservationForms(t *testing.T) {
	f := newUIFixture(t, false)
	o := f.observed(uiIDNumber, "张三", "home_observation", "")
	cm := f.session(uiCommittee)
	path := fmt.Sprintf("/observations/%d", o.ID)
	post := func(sess, p string, form url.Values) (*http.Response, string) {
		t.Helper()
		return f.do("POST", p, sess, strings.NewReader(form.Encode()))
	}

	_, body := f.get("/observations", cm)
	if !strings.Contains(body, fmt.Sprintf(`data-observation="%d" data-check="due"`, o.ID)) {
		t.Error("the list does not show today's check due")
	}
	t.Run("errors in place", func(t *testing.T) {
		resp, body := post(cm, path+"/checks", url.Values{"temperature": {"hot"}, "present": {"yes"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="temperature-err"`) || !strings.Contains(body, `value="hot"`) {
			t.Errorf("temperature hot: status %d, want 422 with the value and its message", resp.StatusCode)
		}
		checkPage(t, path, resp, body)
		resp, body = post(cm, path+"/checks", url.Values{"temperature": {"36.6"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "是否在观察地点") {
			t.Errorf("no presence: status %d, want 422 asking whether the person is there", resp.StatusCode)
		}
		resp, body = post(cm, path+"/release", url.Values{"reason": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="reason-err"`) {
			t.Errorf("early end without a reason: status %d, want 422", resp.StatusCode)
		}
		resp, _ = post(f.session(uiStation), path+"/checks", url.Values{"temperature": {"36.6"}, "present": {"yes"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a police station checks: status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("a normal check", func(t *testing.T) {
		resp, _ := post(cm, path+"/checks", url.Values{"temperature": {"36.6"}, "present": {"yes"}, "symptoms": {"no"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		_, body := f.get(path+"?checked=1", cm)
		if !strings.Contains(body, `id="obs-check">今日已检查`) || strings.Contains(body, `id="obs-alert"`) {
			t.Error("after a normal check the page does not say it is done, or shows an alert")
		}
	})
	t.Run("absent", func(t *testing.T) {
		post(cm, path+"/checks", url.Values{"temperature": {"36.6"}, "present": {"no"}})
		_, body := f.get(path, cm)
		if !strings.Contains(body, `id="obs-alert"`) || !strings.Contains(body, "不在观察地点") {
			t.Error("an absence shows no alert")
		}
	})
	t.Run("ended early", func(t *testing.T) {
		resp, _ := post(cm, path+"/release", url.Values{"reason": {"经专家会诊提前解除"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if p := f.plan(o.ID); p.Status != "released" {
			t.Errorf("plan %+v, want released", p)
		}
		resp, _ = post(cm, path+"/checks", url.Values{"temperature": {"36.6"}, "present": {"yes"}})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("a check after the end: status %d, want 409", resp.StatusCode)
		}
	})
}

// TestObservationPlacement has the commander place a plan waiting for a
// place: refused at a full site until they override.
func TestObservationPlacement(t *testing.T) {
	f := newUIFixture(t, false)
	f.api(uiCommander, "POST", "/sites", map[string]any{"code": "SITE9", "name": "测试隔离点", "district": "210102", "capacity": 1}, http.StatusCreated, nil)
	f.observed("210102199001011237", "李四", "central_isolation", "测试隔离点") // takes the one place
	o := f.observed(uiIDNumber, "张三", "central_isolation", "不存在的酒店")
	if o.Status != "pending" {
		t.Fatalf("plan %+v, want pending", o)
	}
	cmd := f.session(uiCommander)
	resp, body := f.get("/observations/sites", cmd)
	if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`data-observation="%d"`, o.ID)) || !strings.Contains(body, "测试隔离点 (1/1)") {
		t.Fatalf("sites page: status %d, want the pending plan and the full site", resp.StatusCode)
	}
	checkPage(t, "/observations/sites", resp, body)
	place := fmt.Sprintf("/observations/%d/place", o.ID)
	resp, body = f.do("POST", place, cmd, strings.NewReader(url.Values{"site": {"SITE9"}, "back": {"sites"}}.Encode()))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "已满") {
		t.Errorf("placing at a full site: status %d, want 409 saying it is full", resp.StatusCode)
	}
	resp, _ = f.do("POST", place, cmd, strings.NewReader(url.Values{"site": {"SITE9"}, "override": {"yes"}, "back": {"sites"}}.Encode()))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/observations/sites") {
		t.Fatalf("placing with override: %d to %q", resp.StatusCode, loc)
	}
	if p := f.plan(o.ID); p.Status != "active" || p.Unit != "SITE9" {
		t.Errorf("plan %+v, want active at the site", p)
	}
	resp, _ = f.do("POST", place, f.session(uiCommittee), strings.NewReader(url.Values{"site": {"SITE9"}}.Encode()))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a committee places a plan: status %d, want 403", resp.StatusCode)
	}
}

// TestObservationPages opens the observation pages as every role on the
// demo's data.
func TestObservationPages(t *testing.T) {
	f := newUIFixture(t, true)
	var list struct {
		Items []obsPlanJSON `json:"items"`
	}
	f.api(uiCommittee, "GET", "/observations?status=active&per_page=1", nil, http.StatusOK, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo has no active plan")
	}
	plan := fmt.Sprintf("/observations/%d", list.Items[0].ID)
	sessions := map[string]string{}
	for _, u := range []string{uiCommander, uiDistrictHP, uiStation, uiCommittee, uiAnalyst, uiAdmin, "checkpoint-shenyang-station"} {
		sessions[u] = f.session(u)
	}
	for _, pg := range []struct {
		user, path string
		want       int
		contains   string
	}{
		{uiCommittee, "/observations", 200, "obs-card"},
		{uiCommittee, "/observations?status=all&kind=home&page=1", 200, "obs-card"},
		{uiCommittee, plan, 200, `id="check-form"`},
		{uiDistrictHP, "/observations", 200, "obs-card"},
		{uiDistrictHP, "/observations/sites", 200, "待安置"},
		{uiDistrictHP, plan, 200, `id="check-form"`},
		{uiCommander, "/observations", 200, `href="/observations/sites"`},
		{uiCommander, "/observations/sites", 200, "沈阳市集中隔离点(浑南)"},
		{uiCommander, plan, 200, "每日检查记录"},
		{uiCommittee, "/observations/sites", 403, "无权"},
		{uiStation, "/observations", 403, "无权"},
		{uiAnalyst, "/observations", 403, "无权"},
		{uiAdmin, "/observations", 403, "无权"},
		{"checkpoint-shenyang-station", plan, 403, "无权"},
		{uiCommander, "/observations/999999", 404, "未找到"},
		{uiCommittee, "/observations?status=nonsense", 400, "请求有误"},
	} {
		t.Run(pg.user+pg.path, func(t *testing.T) {
			resp, body := f.get(pg.path, sessions[pg.user])
			if resp.StatusCode != pg.want {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, pg.want, body)
			}
			checkPage(t, pg.path, resp, body)
			if !strings.Contains(body, pg.contains) {
				t.Errorf("page lacks %q", pg.contains)
			}
		})
	}
	for _, pg := range []struct{ user, path, contains string }{
		{uiCommittee, "/observations", "Under observation"},
		{uiCommittee, plan, "Submit the check"},
		{uiCommander, "/observations/sites", "Awaiting a place"},
	} {
		resp, body := f.get(pg.path, sessions[pg.user], "Accept-Language", "en")
		checkPage(t, pg.path, resp, body)
		if resp.StatusCode != 200 || !strings.Contains(body, pg.contains) {
			t.Errorf("%s in English: status %d, lacks %q", pg.path, resp.StatusCode, pg.contains)
		}
	}
}

// alertingPlan returns a plan of the demo committee's with a fever alert,
// or any of its active plans.
func alertingPlan(t *testing.T, f *uiFixture) int64 {
	t.Helper()
	var list struct {
		Items []obsPlanJSON `json:"items"`
	}
	f.api(uiCommittee, "GET", "/observations?status=active&per_page=500", nil, http.StatusOK, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo has no active plan")
	}
	for _, o := range list.Items {
		if o.Proposal == "transfer_to_hospital" {
			return o.ID
		}
	}
	return list.Items[0].ID
}
