package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestHandoverPages walks the demo's missing hand-over as its officers
// would on a phone, and the leader's inbox it reached.
func TestHandoverPages(t *testing.T) {
	f := newUIFixture(t, true)
	officer := f.session("duty-officer-1")
	res, body := f.get("/duty/handover", officer)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "交接班") || !strings.Contains(body, "值班员") {
		t.Fatalf("/duty/handover: %d", res.StatusCode)
	}
	post := regexp.MustCompile(`name="post" value="(\d+)"`).FindStringSubmatch(body)
	boundary := regexp.MustCompile(`name="boundary" value="(\d+)"`).FindStringSubmatch(body)
	if post == nil || boundary == nil {
		t.Fatal("the form carries no post or boundary")
	}
	send := func(s string, v url.Values) (*http.Response, string) {
		t.Helper()
		v.Set("post", post[1])
		v.Set("boundary", boundary[1])
		return f.do("POST", "/duty/handover", s, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	}
	// A figure left empty is refused beside it, the rest kept.
	res, body = send(officer, url.Values{"open_conflicts": {"3"}, "overdue_tasks": {""}, "alerts": {"1"}, "note": {"夜班无异常"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写此项数字") || !strings.Contains(body, "夜班无异常") ||
		!strings.Contains(body, `value="3"`) {
		t.Errorf("a missing figure: %d, want 422 with the reason and what was typed", res.StatusCode)
	}
	res, _ = send(officer, url.Values{"open_conflicts": {"3"}, "overdue_tasks": {"2"}, "alerts": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d, want 303", res.StatusCode)
	}
	_, body = f.get("/duty/handover?saved=1", officer)
	if !strings.Contains(body, "已确认") || !strings.Contains(body, "更正我的确认") {
		t.Error("after confirming the page does not say so or offer a correction")
	}
	// Someone not on either slot cannot confirm it.
	res, _ = send(f.session(uiCommittee), url.Values{"open_conflicts": {"3"}, "overdue_tasks": {"2"}, "alerts": {"1"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a bystander's confirmation: %d, want 403", res.StatusCode)
	}

	leader := f.session("duty-leader-hq")
	res, body = f.get("/duty/inbox", leader)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "交接班超时未完成") || !strings.Contains(body, "沈阳市新冠肺炎疫情防控指挥部") {
		t.Fatalf("/duty/inbox: %d, want the late hand-over under the headquarters' name", res.StatusCode)
	}
	done := regexp.MustCompile(`action="(/duty/inbox/\d+/done)"`).FindStringSubmatch(body)
	if done == nil {
		t.Fatal("no done button")
	}
	if res, _ := f.do("POST", done[1], officer, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != http.StatusNotFound {
		t.Errorf("another person marked the leader's item done: %d, want 404", res.StatusCode)
	}
	if res, _ := f.do("POST", done[1], leader, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("done: %d, want 303", res.StatusCode)
	}
	if _, body := f.get("/duty/inbox", leader); strings.Contains(body, done[1]) {
		t.Error("the item is still open after done")
	}
	// The dashboard's duty tiles and the daily dispatch.
	_, body = f.get("/dashboard", f.session(uiCommander))
	if !strings.Contains(body, `id="duty-tiles"`) || !strings.Contains(body, `data-duty="gaps"`) {
		t.Error("the dashboard lacks the duty tiles")
	}
	_, body = f.get("/reports/daily", f.session(uiCommander))
	if !strings.Contains(body, `id="report-dispatch"`) || !strings.Contains(body, "每日调度") || !strings.Contains(body, `data-code="CMD-HQ"`) {
		t.Error("the daily report lacks the dispatch")
	}
}
