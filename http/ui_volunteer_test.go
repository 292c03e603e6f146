package http_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/epiloop/epiloop/scenario"
)

// TestForcesPage reads the demo community's pool as its committee and its
// station: filters, counts, registration with every refusal at once, the
// station's vetting, an import and its rejects report.
func TestForcesPage(t *testing.T) {
	f := newUIFixture(t, true)
	cm := f.session(uiCommittee)
	res, body := f.get("/forces", cm)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "盛京义勇") || !strings.Contains(body, `href="/forces/deployments"`) ||
		!strings.Contains(body, `data-metric="volunteer_hours"`) || !strings.Contains(body, `href="/forces"`) {
		t.Fatalf("/forces: %d", res.StatusCode)
	}
	if n := strings.Count(body, `data-volunteer="`); n != 50 {
		t.Errorf("the first page shows %d volunteers, want 50", n)
	}
	if !strings.Contains(body, `rel="next"`) || regexp.MustCompile(`\d{6}\d{8}\d{3}[\dX]`).MatchString(body) {
		t.Error("no next page, or an ID number in full")
	}
	_, body = f.get("/forces?vetting=pending&page=1", cm)
	card := func(vetting string) *regexp.Regexp {
		return regexp.MustCompile(`data-volunteer="\d+" data-status="\w+" data-vetting="` + vetting + `"`)
	}
	if card("vetted").MatchString(body) || !card("pending").MatchString(body) {
		t.Error("the vetting filter lets others through")
	}
	if strings.Contains(body, `data-action="vet"`) {
		t.Error("the committee is offered the vetting")
	}
	form := func(v url.Values) (*http.Response, string) {
		return f.do("POST", "/forces", cm, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	}
	// Every refusal at once: the ID number's check character and a team
	// too long.
	res, body = form(url.Values{"name": {"新义勇"}, "id_number": {"110105194912310021"}, "community": {scenario.DemoCommunity},
		"team": {strings.Repeat("队", 40)}})
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `class="err"`) < 2 || !strings.Contains(body, "新义勇") {
		t.Errorf("two bad fields: %d, %d messages", res.StatusCode, strings.Count(body, `class="err"`))
	}
	res, _ = form(url.Values{"name": {"新义勇"}, "id_number": {"11010519491231002X"}, "community": {scenario.DemoCommunity},
		"skills": {"gate", "patrol"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", res.StatusCode)
	}
	st := f.session(uiStation)
	_, body = f.get("/forces?vetting=pending", st)
	vet := regexp.MustCompile(`action="(/forces/volunteers/\d+/vet)"`).FindStringSubmatch(body)
	if vet == nil {
		t.Fatal("the station is offered no vetting")
	}
	res, _ = f.do("POST", vet[1], st, strings.NewReader(url.Values{"vetting": {"vetted"}, "back": {"/forces?vetting=pending"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/forces?vetting=pending") {
		t.Errorf("vet: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := f.do("POST", vet[1], cm, strings.NewReader("vetting=vetted"), "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the committee vets: %d", res.StatusCode)
	}
	// An import with a reject, through the page.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", "名单.csv")
	fmt.Fprintf(w, "姓名,身份证号,手机号,技能\n导入甲,210102199001010018,,门岗值守\n导入乙,210102199001010000,,\n")
	mw.Close()
	res, _ = f.do("POST", "/forces/import", cm, &b, "Content-Type", mw.FormDataContentType())
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/forces?import=") {
		t.Fatalf("import: %d to %q", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/forces?import=")
	f.svc.WaitImports(t.Context())
	_, body = f.get(loc, cm)
	if !strings.Contains(body, `id="import-status" data-status="done"`) || !strings.Contains(body, "/forces/imports/"+id+"/rejects") {
		t.Errorf("the import's status is not shown done with its rejects")
	}
	res, body = f.get("/forces/imports/"+id+"/rejects", cm)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "导入乙") {
		t.Errorf("rejects: %d %q", res.StatusCode, body)
	}
	// The dashboard's tile and the daily report's section: 和平区's row.
	for _, page := range []struct{ path, id string }{{"/dashboard", `id="volunteer-tile"`}, {"/reports/daily", `id="report-volunteers"`}} {
		_, body = f.get(page.path, f.session(uiCommander))
		if !strings.Contains(body, page.id) || !strings.Contains(body, `data-code="`+scenario.DemoDistrict+`"`) ||
			!strings.Contains(body, `data-metric="volunteers_ready"`) {
			t.Errorf("%s lacks the volunteers' figures", page.path)
		}
	}
	// The other district's station sees none of this pool.
	_, body = f.get("/forces", f.session(uiOtherName))
	if strings.Contains(body, `data-volunteer="`) {
		t.Error("another district's station sees the pool")
	}
}

// TestBrowserForcesPage opens the pool on a 390 px phone as the station:
// it fits, the counts and hours show, and vetting takes one tap.
func TestBrowserForcesPage(t *testing.T) {
	f := newUIFixture(t, true)
	b := newBrowser(t, "")
	o := b.person("station", 390, 844, true)
	o.login(f.url, uiStation, scenario.Password, "#inbox-live")
	o.run(chromedp.Navigate(f.url+"/forces?community="+scenario.DemoCommunity+"&vetting=pending"),
		chromedp.WaitVisible("#volunteer-list", chromedp.ByQuery))
	o.fitsPhone("forces")
	o.shot("forces")
	before := o.text("#forces-counts")
	if !strings.Contains(before, "待审核") || !strings.Contains(o.text("#forces-figures"), "服务时长") {
		t.Errorf("counts %q", before)
	}
	o.run(chromedp.Click(`#volunteer-list button[data-action="vet"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if got := o.text(".flash"); !strings.Contains(got, "已记录审核结论") {
		t.Errorf("after vetting the page says %q", got)
	}
	if after := o.text("#forces-counts"); after == before {
		t.Errorf("the counts did not change: %q", after)
	}
	o.run(chromedp.Navigate(f.url+"/forces#register"), chromedp.WaitVisible("#register-form", chromedp.ByQuery))
	o.fitsPhone("forces-register")
	o.shot("forces-register")
}
