package http_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/epiloop/epiloop"
)

// The service desk's pages: the public form and tracking page (no
// personal data shown, a wrong code refused alike, the rate limit's 429),
// the department's queue and ticket page, and a real Chromium on a
// 390 px phone submitting the form by keyboard and tracking it.

const (
	deskContact = "王德福"
	deskPhone   = "13904005678"
	deskCredit  = "91350100M000100Y43"
)

// deskMeasure puts one measure of 市人社局 in the fixture's catalogue.
func deskMeasure(t testing.TB, f *uiFixture) {
	t.Helper()
	cmd := epiloop.NewContextWithUser(context.Background(), &epiloop.User{Name: "test", Role: epiloop.RoleCommander})
	if err := f.svc.SaveMeasure(cmd, &epiloop.ServiceMeasure{Code: "WGFH", Name: "稳岗返还", Mode: epiloop.DeskBoth, UnitCode: "DEPT-RS",
		FirstResponseMin: 120, UpdateEveryMin: 480, SolutionMin: 4320, Active: true}); err != nil {
		t.Fatal(err)
	}
}

func deskFormValues() url.Values {
	return url.Values{"measure": {"WGFH"}, "district": {"210102"}, "enterprise": {"沈阳德福机械有限公司"}, "credit_code": {deskCredit},
		"contact": {deskContact}, "phone": {deskPhone}, "detail": {"申请稳岗返还，材料齐全"}, "source": {"online"}}
}

var (
	deskNumberRe = regexp.MustCompile(`id="desk-number">([^<]+)<`)
	deskCodeRe   = regexp.MustCompile(`id="desk-code">([^<]+)<`)
)

func TestDeskPublicPages(t *testing.T) {
	f := newUIFixture(t, false)
	deskMeasure(t, f)
	res, body := f.get("/desk", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="desk-form"`) || !strings.Contains(body, "稳岗返还") {
		t.Fatalf("/desk: %d", res.StatusCode)
	}
	// A wrong check character: refused beside the field, what was typed
	// kept.
	bad := deskFormValues()
	bad.Set("credit_code", "91350100M000100Y44")
	res, body = f.post("", "/desk", bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="credit_code-err"`) ||
		!strings.Contains(body, "校验位不符") || !strings.Contains(body, `value="沈阳德福机械有限公司"`) {
		t.Errorf("a bad credit code: %d %.200s", res.StatusCode, body)
	}
	res, body = f.post("", "/desk", deskFormValues())
	number, code := deskNumberRe.FindStringSubmatch(body), deskCodeRe.FindStringSubmatch(body)
	if res.StatusCode != http.StatusCreated || number == nil || code == nil {
		t.Fatalf("submitted: %d, number %v code %v", res.StatusCode, number, code)
	}
	if strings.Contains(res.Request.URL.String(), code[1]) {
		t.Error("the code is in the URL")
	}
	res, body = f.post("", "/desk/track", url.Values{"number": {number[1]}, "code": {code[1]}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-state="new"`) || !strings.Contains(body, "稳岗返还") ||
		!strings.Contains(body, "市人力资源和社会保障局") || !strings.Contains(body, `data-clock="first_response"`) {
		t.Fatalf("tracked: %d %.300s", res.StatusCode, body)
	}
	for _, pd := range []string{deskContact, deskPhone, deskCredit, "申请稳岗返还，材料齐全"} {
		if strings.Contains(body, pd) {
			t.Errorf("the tracking page shows %q", pd)
		}
	}
	// A wrong code and a number that does not exist read alike.
	alert := regexp.MustCompile(`id="desk-track-error">([^<]+)<`)
	r1, b1 := f.post("", "/desk/track", url.Values{"number": {number[1]}, "code": {"WRONG123"}})
	r2, b2 := f.post("", "/desk/track", url.Values{"number": {"FW20200201999999"}, "code": {code[1]}})
	m1, m2 := alert.FindStringSubmatch(b1), alert.FindStringSubmatch(b2)
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != r1.StatusCode || m1 == nil || m2 == nil || m1[1] != m2[1] {
		t.Errorf("wrong code %d %v, no number %d %v: want the same refusal", r1.StatusCode, m1, r2.StatusCode, m2)
	}
	if strings.Contains(b1, "WRONG123") || strings.Contains(b2, code[1]) {
		t.Error("a refused look-up echoes the code")
	}
	// The limit: 3 submissions an hour from an address; two were made.
	f.srv.DeskSubmitLimit = 3
	if res, _ := f.post("", "/desk", deskFormValues()); res.StatusCode != http.StatusCreated {
		t.Errorf("the third submission: %d", res.StatusCode)
	}
	res, body = f.post("", "/desk", deskFormValues())
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "提交过于频繁") || res.Header.Get("Retry-After") == "" {
		t.Errorf("over the limit: %d %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	res, body = f.do("POST", "/api/v1/desk/tickets", "", strings.NewReader(`{"measure":"WGFH"}`), "Content-Type", "application/json")
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "提交过于频繁") {
		t.Errorf("the API over the limit: %d %s", res.StatusCode, body)
	}
	for _, l := range f.logs.lines() {
		if strings.Contains(l, deskContact) || strings.Contains(l, deskPhone) || strings.Contains(l, code[1]) {
			t.Errorf("a log line holds personal data: %s", l)
		}
	}
}

func TestDeskStaffPages(t *testing.T) {
	f := newUIFixture(t, false)
	deskMeasure(t, f)
	sub, err := f.svc.SubmitTicket(context.Background(), epiloop.TicketInput{Measure: "WGFH", District: "210102",
		Enterprise: "沈阳德福机械有限公司", CreditCode: deskCredit, Contact: deskContact, Phone: deskPhone, Detail: "申请稳岗返还"}, epiloop.SourceOnline)
	if err != nil {
		t.Fatal(err)
	}
	dept := f.session("dept-hrss")
	res, body := f.get("/desk/tickets", dept)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, sub.Number) || strings.Contains(body, deskPhone) || strings.Contains(body, deskContact) {
		t.Fatalf("the queue: %d, want the ticket masked", res.StatusCode)
	}
	path := "/desk/tickets/" + strconv.FormatInt(sub.Ticket.ID, 10)
	res, _ = f.post(dept, path, url.Values{"action": {"solve"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("solved before a response: %d", res.StatusCode)
	}
	res, _ = f.post(dept, path, url.Values{"action": {"respond"}, "note": {"已联系"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("respond: %d", res.StatusCode)
	}
	_, body = f.get(path, dept)
	if !strings.Contains(body, `data-state="in_progress"`) || !strings.Contains(body, `id="desk-step-solve"`) {
		t.Error("the ticket page after the response")
	}
	_, body = f.post(dept, path+"/reveal", url.Values{"purpose": {"电话回访企业"}})
	if !strings.Contains(body, deskPhone) {
		t.Error("the reveal shows no phone")
	}
	desk := f.session("desk-hotline")
	res, body = f.post(desk, "/desk/hotline", deskFormValues())
	if res.StatusCode != http.StatusCreated || deskCodeRe.FindStringSubmatch(body) == nil {
		t.Errorf("hotline: %d", res.StatusCode)
	}
	_, body = f.get("/dashboard", f.session(uiCommander))
	if !strings.Contains(body, `id="desk-tiles"`) || !strings.Contains(body, `data-desk-metric="desk_open">2<`) {
		t.Error("the dashboard lacks the desk's tile")
	}
}

// TestBrowserDeskOnPhone submits the public form on a 390 px phone by
// keyboard alone, then tracks the request with its number and code.
func TestBrowserDeskOnPhone(t *testing.T) {
	f := newUIFixture(t, false)
	deskMeasure(t, f)
	b := newBrowser(t, "")
	o := b.person("enterprise", 390, 844, true)
	o.run(chromedp.Navigate(f.url+"/desk"), chromedp.WaitVisible("#desk-form", chromedp.ByQuery))
	o.fitsPhone("desk")
	o.shot("desk-form")
	// The measure's picker has the focus: type to choose, Tab on.
	o.run(
		chromedp.SendKeys("#measure", "稳岗", chromedp.ByQuery),
		chromedp.SetValue("#measure", "WGFH", chromedp.ByQuery),
		chromedp.SendKeys("#enterprise", "沈阳德福机械有限公司", chromedp.ByQuery),
		chromedp.SendKeys("#credit_code", "91350100m000100y43", chromedp.ByQuery),
		chromedp.SetValue("#district", "210102", chromedp.ByQuery),
		chromedp.SendKeys("#contact", deskContact, chromedp.ByQuery),
		chromedp.SendKeys("#phone", deskPhone, chromedp.ByQuery),
		chromedp.SendKeys("#detail", "复工后资金紧张，申请稳岗返还", chromedp.ByQuery),
		chromedp.SendKeys("#project", kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible("#desk-done", chromedp.ByQuery),
	)
	number, code := o.text("#desk-number"), o.text("#desk-code")
	if !strings.HasPrefix(number, "FW") || len(code) != 8 {
		t.Fatalf("number %q code %q", number, code)
	}
	o.fitsPhone("desk-done")
	o.click("#desk-done-track")
	o.run(chromedp.WaitVisible("#desk-track-form", chromedp.ByQuery),
		chromedp.SendKeys("#number", number, chromedp.ByQuery),
		chromedp.SendKeys("#code", code+kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible("#desk-view", chromedp.ByQuery))
	if got := o.text("#desk-view-state"); got != "待响应" {
		t.Errorf("state %q, want 待响应", got)
	}
	if got := o.text("#main"); strings.Contains(got, deskContact) || strings.Contains(got, deskPhone) {
		t.Error("the tracking page shows the contact")
	}
	o.fitsPhone("desk-track")
	o.shot("desk-track")
}
