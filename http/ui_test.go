package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/epiloop/epiloop/scenario"
)

// The pages over plain HTTP: what every page must be (no inline script or
// style, a strict CSP, the user's language), who may open what, and the
// forms' answers. The browser tests cover what needs a browser.

var (
	inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=|<style`)
	eventAttr    = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	missingKey   = regexp.MustCompile(`\[[a-z_]+\.[a-z_.0-9]+\]`)
)

// checkPage asserts what every rendered page must be.
func checkPage(t *testing.T, path string, resp *http.Response, body string) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("%s: CSP %q, want scripts and styles from self only", path, csp)
	}
	for _, m := range inlineScript.FindAllString(body, -1) {
		if !strings.Contains(m, "src=") {
			t.Errorf("%s: inline script %s", path, m)
		}
	}
	if m := styleAttr.FindString(body); m != "" {
		t.Errorf("%s: inline style %q", path, m)
	}
	if m := eventAttr.FindString(body); m != "" {
		t.Errorf("%s: inline event handler %q", path, m)
	}
	if m := missingKey.FindString(body); m != "" {
		t.Errorf("%s: catalog key missing: %s", path, m)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
}

func TestPagesRender(t *testing.T) {
	f := newUIFixture(t, true)
	lead := f.createLead("210102199001011237", "李四", "沈阳市和平区水源地社区3号楼", true)
	unroutable := f.createLead("210102199001011253", "王五", "火星基地1号", false)
	sessions := map[string]string{}
	for _, u := range []string{uiCommander, uiDistrictHP, uiStation, uiCommittee, uiAnalyst, uiAdmin, "auditor"} {
		sessions[u] = f.session(u)
	}
	pages := []struct {
		user, path string
		want       int
		contains   string
	}{
		{"", "/login", 200, "登录"},
		{uiCommander, "/dashboard", 200, "全市"},
		{uiDistrictHP, "/dashboard", 200, "和平区"},
		{uiAnalyst, "/dashboard", 200, "全市"},
		{uiCommander, "/leads", 200, "李四"},
		{uiCommander, "/leads?status=conflict&priority=urgent&overdue=true&district=210102&page=1", 200, "线索"},
		{uiCommander, fmt.Sprintf("/leads/%d", lead), 200, "李四"},
		{uiCommander, "/conflicts", 200, "冲突"},
		{uiCommander, "/unroutable", 200, "王五"},
		{uiCommander, fmt.Sprintf("/leads/%d/route", unroutable), 200, "和平区"},
		{uiCommander, fmt.Sprintf("/leads/%d/route?district=210102", unroutable), 200, "浑河湾街道"},
		{uiCommander, fmt.Sprintf("/leads/%d/route?street=210102001", unroutable), 200, "水源地社区"},
		{uiCommander, fmt.Sprintf("/leads/%d/route?q=%s", unroutable, url.QueryEscape("和平 水源地")), 200, "210102001002"},
		{uiStation, "/inbox", 200, "李四"},
		{uiStation, fmt.Sprintf("/inbox/leads/%d", lead), 200, "feedback-form"},
		{uiCommittee, "/inbox", 200, "李四"},
		{uiAdmin, "/admin/users", 200, uiStation},
		{uiAdmin, "/admin/units?kind=police_station&district=210102", 200, "浑河湾"},
		{uiAdmin, "/admin/mapping", 200, "CSV"},
		{"auditor", "/account", 200, "审计"},
		// Who may not: the error page, never the data.
		{uiAnalyst, "/leads", 403, "无权"},
		{uiStation, "/dashboard", 403, "无权"},
		{uiCommittee, "/conflicts", 403, "无权"},
		{uiDistrictHP, "/unroutable", 403, "无权"},
		{uiCommander, "/inbox", 403, "无权"},
		{uiStation, "/admin/users", 403, "无权"},
		{uiCommander, "/leads/999999", 404, "未找到"},
		{uiCommander, "/nowhere", 404, "未找到"},
		{uiCommander, "/leads/abc", 404, "未找到"},
	}
	for _, pg := range pages {
		t.Run(pg.user+pg.path, func(t *testing.T) {
			resp, body := f.get(pg.path, sessions[pg.user])
			if resp.StatusCode != pg.want {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, pg.want, body)
			}
			checkPage(t, pg.path, resp, body)
			if !strings.Contains(body, pg.contains) {
				t.Errorf("page lacks %q", pg.contains)
			}
			if pg.want >= 400 && strings.Contains(body, "李四") {
				t.Error("an error page shows a person's name")
			}
		})
	}
}

func TestPagesNeedSession(t *testing.T) {
	f := newUIFixture(t, false)
	for _, path := range []string{"/", "/dashboard", "/leads/1", "/inbox", "/admin/users"} {
		resp, _ := f.get(path, "")
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("%s without a session: %d to %q, want 303 to /login", path, resp.StatusCode, loc)
		}
	}
	resp, _ := f.get("/dashboard", "not-a-session")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a forged session gets %d, want a redirect to the login", resp.StatusCode)
	}
	// After login the person lands where they were going (a local path
	// only) or on their role's first page.
	for _, tc := range []struct{ next, want string }{
		{"/leads/7", "/leads/7"},
		{"https://evil.example/", "/dashboard"},
		{"//evil.example/x", "/dashboard"},
		{"", "/dashboard"},
	} {
		form := url.Values{"name": {uiCommander}, "password": {scenario.Password}, "next": {tc.next}}
		resp, _ := f.do("POST", "/login", "", strings.NewReader(form.Encode()))
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("login with next %q goes to %q, want %q", tc.next, got, tc.want)
		}
		for _, c := range resp.Cookies() {
			if c.Name == "epiloop_session" && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v", c.HttpOnly, c.SameSite)
			}
		}
	}
}

func TestLoginLockOut(t *testing.T) {
	f := newUIFixture(t, false)
	try := func(password string) (int, string) {
		form := url.Values{"name": {uiStation}, "password": {password}}
		resp, body := f.do("POST", "/login", "", strings.NewReader(form.Encode()))
		return resp.StatusCode, body
	}
	for i := 1; i < 5; i++ {
		if st, body := try("wrong password"); st != http.StatusUnauthorized || !strings.Contains(body, "不正确") {
			t.Fatalf("failure %d: status %d, want 401 with a clear message", i, st)
		}
	}
	st, body := try("wrong password")
	if st != http.StatusTooManyRequests || !strings.Contains(body, "暂时锁定") {
		t.Fatalf("fifth failure: status %d, want 429 with the lock-out message: %.200s", st, body)
	}
	// Even the right password waits out the lock.
	if st, _ := try(scenario.Password); st != http.StatusTooManyRequests {
		t.Errorf("right password while locked: status %d, want 429", st)
	}
	if resp, body := f.get("/login", "", "Accept-Language", "en-GB,en;q=0.9"); !strings.Contains(body, "Sign in") {
		t.Errorf("English login page: status %d", resp.StatusCode)
	}
}

func TestLanguage(t *testing.T) {
	f := newUIFixture(t, false)
	for _, tc := range []struct{ accept, cookie, want string }{
		{"", "", "登录"},
		{"en-US,en;q=0.9", "", "Sign in"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "", "Sign in"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "", "登录"},
		{"en-US", "zh", "登录"},
		{"zh-CN", "en", "Sign in"},
	} {
		hdr := []string{"Accept-Language", tc.accept}
		if tc.cookie != "" {
			hdr = append(hdr, "Cookie", "epiloop_lang="+tc.cookie)
		}
		_, body := f.get("/login", "", hdr...)
		if !strings.Contains(body, "<title>"+tc.want) {
			t.Errorf("Accept-Language %q, cookie %q: want %q", tc.accept, tc.cookie, tc.want)
		}
	}
	// The switch sets the cookie and goes back to a local page only.
	resp, _ := f.do("POST", "/lang", "", strings.NewReader("lang=en&next=%2Fleads%3Fpage%3D2"))
	if loc := resp.Header.Get("Location"); loc != "/leads?page=2" {
		t.Errorf("language switch goes to %q", loc)
	}
	var set bool
	for _, c := range resp.Cookies() {
		set = set || (c.Name == "epiloop_lang" && c.Value == "en" && c.HttpOnly)
	}
	if !set {
		t.Error("language switch set no HttpOnly cookie")
	}
	resp, _ = f.do("POST", "/lang", "", strings.NewReader("lang=en&next=https%3A%2F%2Fevil.example"))
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("language switch follows a foreign next to %q", loc)
	}
}

func TestCrossOriginFormsRefused(t *testing.T) {
	f := newUIFixture(t, false)
	sess := f.session(uiAdmin)
	form := url.Values{"name": {"mallory"}, "role": {"admin"}, "password": {"0123456789ab"}}
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		resp, _ := f.do("POST", "/admin/users", sess, strings.NewReader(form.Encode()), hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin form post (%s): status %d, want 403", hdr[0], resp.StatusCode)
		}
	}
	_, body := f.get("/admin/users", sess)
	if strings.Contains(body, "mallory") {
		t.Fatal("a cross-origin form created a user")
	}
	resp, _ := f.do("POST", "/admin/users", sess, strings.NewReader(form.Encode()), "Sec-Fetch-Site", "same-origin", "Origin", f.url)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin form post: status %d, want 303", resp.StatusCode)
	}
}

func TestAssets(t *testing.T) {
	f := newUIFixture(t, false)
	_, body := f.get("/login", "")
	for _, name := range []string{"app.css", "app.js", "vendor/htmx-2.0.11.min.js"} {
		m := regexp.MustCompile(`/static/[0-9a-f]{12}/` + regexp.QuoteMeta(name)).FindString(body)
		if m == "" {
			t.Errorf("login page does not link %s by a fingerprinted URL", name)
			continue
		}
		resp, _ := f.get(m, "", "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: status %d, Cache-Control %q", m, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		stale, _ := f.get("/static/000000000000/"+name, "")
		if stale.StatusCode != 200 || strings.Contains(stale.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s by a stale hash: status %d, Cache-Control %q", name, stale.StatusCode, stale.Header.Get("Cache-Control"))
		}
	}
	if resp, _ := f.get("/static/x/../../server.go", ""); resp.StatusCode == 200 {
		t.Error("static files escape their directory")
	}
}

// TestForms posts the pages' forms as a browser without JavaScript would.
func TestForms(t *testing.T) {
	f := newUIFixture(t, false)
	lead := f.createLead(uiIDNumber, "张三", uiAddrHome, false)
	st := f.session(uiStation)
	post := func(sess, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		return f.do("POST", path, sess, strings.NewReader(form.Encode()))
	}
	leadPath := fmt.Sprintf("/inbox/leads/%d", lead)

	t.Run("feedback errors in place", func(t *testing.T) {
		resp, body := post(st, leadPath+"/feedback", url.Values{"located": {"left_city"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="destination-err"`) {
			t.Fatalf("status %d, want 422 with the destination's message beside it", resp.StatusCode)
		}
		resp, body = post(st, leadPath+"/feedback", url.Values{"located": {"at_address"}, "temperature": {"hot"}, "measure": {"none_required"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="temperature-err"`) || !strings.Contains(body, `value="hot"`) {
			t.Fatalf("status %d, want 422 keeping the typed temperature with its message", resp.StatusCode)
		}
	})
	t.Run("accept and report", func(t *testing.T) {
		resp, _ := post(st, leadPath+"/accept", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: status %d", resp.StatusCode)
		}
		resp, body := post(st, leadPath+"/accept", nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `role="alert"`) {
			t.Errorf("accepting twice: status %d, want 409 with a message", resp.StatusCode)
		}
		resp, _ = post(st, leadPath+"/feedback", url.Values{"located": {"at_address"}, "contact": {"in_person"}, "temperature": {"36.4"},
			"measure": {"home_observation"}, "address": {"ignored: does not apply"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("feedback: status %d", resp.StatusCode)
		}
		var l struct {
			Tasks []struct {
				Feedback *struct {
					Address string `json:"address"`
				} `json:"feedback"`
			} `json:"tasks"`
		}
		f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", lead), nil, 200, &l)
		for _, tk := range l.Tasks {
			if tk.Feedback != nil && tk.Feedback.Address != "" {
				t.Error("an address typed for an answer that needs none was stored")
			}
		}
	})
	t.Run("reveal for a purpose", func(t *testing.T) {
		_, body := f.get(leadPath, st)
		if strings.Contains(body, uiIDNumber) || !strings.Contains(body, uiIDMasked) {
			t.Fatal("the task page shows the ID number unmasked before a reveal")
		}
		resp, body := post(st, leadPath+"/reveal", url.Values{"purpose": {"x"}})
		if strings.Contains(body, uiIDNumber) || !strings.Contains(body, "purpose-err") {
			t.Errorf("reveal without a real purpose: status %d, shown or unexplained", resp.StatusCode)
		}
		_, body = post(st, leadPath+"/reveal", url.Values{"purpose": {"电话联系核实"}})
		if !strings.Contains(body, uiIDNumber) {
			t.Error("reveal with a purpose does not show the ID number")
		}
	})
	t.Run("route by hand", func(t *testing.T) {
		cmd := f.session(uiCommander)
		u := f.createLead("210102199001011253", "王五", "火星基地1号", false)
		path := fmt.Sprintf("/leads/%d/route", u)
		resp, body := post(cmd, path, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请选择") {
			t.Errorf("route without a community: status %d", resp.StatusCode)
		}
		resp, _ = post(cmd, path, url.Values{"community": {"210102001002"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("route: status %d", resp.StatusCode)
		}
		var l struct {
			Status string `json:"status"`
		}
		f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", u), nil, 200, &l)
		if l.Status != "pushed" {
			t.Errorf("routed lead is %s, want pushed", l.Status)
		}
	})
	t.Run("admin", func(t *testing.T) {
		adm := f.session(uiAdmin)
		resp, body := post(adm, "/admin/users", url.Values{"name": {"new-worker"}, "role": {"committee"}, "unit": {"PS210102001"}, "password": {"0123456789ab"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "单位不存在，或与角色不符") {
			t.Errorf("committee worker in a police station: status %d, want 422 naming the unit", resp.StatusCode)
		}
		resp, _ = post(adm, "/admin/users", url.Values{"name": {"new-worker"}, "role": {"committee"}, "unit": {"CM210102001002"}, "password": {"0123456789ab"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create user: status %d", resp.StatusCode)
		}
		_, body = f.get("/admin/users", adm)
		m := regexp.MustCompile(`/admin/users/(\d+)">new-worker<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("new user not listed")
		}
		worker := f.sessionWith("new-worker", "0123456789ab")
		resp, _ = post(adm, "/admin/users/"+m[1], url.Values{"role": {"committee"}, "unit": {"CM210102001002"}, "disabled": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: status %d", resp.StatusCode)
		}
		if resp, _ := f.get("/inbox", worker); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a disabled user's session still opens pages (status %d)", resp.StatusCode)
		}
		resp, _ = post(adm, "/admin/users/"+m[1]+"/password", url.Values{"password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("short password: status %d, want 422", resp.StatusCode)
		}
	})
}
