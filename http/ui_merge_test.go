package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestMergePages walks the demo's duplicate persons as a commander: the
// queue (masked), the side-by-side comparison, a merge chosen field by
// field, and its undo; a station has no such page.
func TestMergePages(t *testing.T) {
	f := newUIFixture(t, true)
	cmd := f.session(uiCommander)
	res, body := f.get("/persons/merge", cmd)
	if res.StatusCode != http.StatusOK || strings.Count(body, `<tr id="c-`) != 2 || !strings.Contains(body, `id="merges"`) {
		t.Fatalf("/persons/merge: %d, %d candidates", res.StatusCode, strings.Count(body, `<tr id="c-`))
	}
	if regexp.MustCompile(`1[3-9]\d{9}|\d{17}[\dX]`).MatchString(body) {
		t.Error("the queue shows a phone or an ID number in full")
	}
	if !strings.Contains(body, `href="/persons/merge"`) {
		t.Error("the navigation has no 人员合并")
	}
	compare := regexp.MustCompile(`href="(/persons/merge/\d+/\d+)"`).FindStringSubmatch(body)
	if compare == nil {
		t.Fatal("no comparison link")
	}
	res, body = f.get(compare[1], cmd)
	if res.StatusCode != http.StatusOK || strings.Count(body, `type="radio"`) != 8 {
		t.Fatalf("%s: %d, %d choices", compare[1], res.StatusCode, strings.Count(body, `type="radio"`))
	}
	post := func(path string, v url.Values) *http.Response {
		res, _ := f.do("POST", path, cmd, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
		return res
	}
	if res := post(compare[1], url.Values{"survivor": {"c"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a survivor that is neither side: %d", res.StatusCode)
	}
	if res := post(compare[1], url.Values{"survivor": {"b"}, "name": {"a"}, "id_number": {"b"}, "phone": {"a"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("merge: %d", res.StatusCode)
	}
	_, body = f.get("/persons/merge", cmd)
	if strings.Count(body, `<tr id="c-`) != 1 || strings.Count(body, `<tr id="m-`) != 2 {
		t.Errorf("after the merge: %d candidates, %d merges", strings.Count(body, `<tr id="c-`), strings.Count(body, `<tr id="m-`))
	}
	undo := regexp.MustCompile(`action="(/persons/merges/\d+/undo)"`).FindStringSubmatch(body)
	if undo == nil {
		t.Fatal("no undo")
	}
	if res := post(undo[1], url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("undo: %d", res.StatusCode)
	}
	if res := post(undo[1], url.Values{}); res.StatusCode != http.StatusConflict {
		t.Errorf("second undo: %d", res.StatusCode)
	}
	if res, _ := f.get("/persons/merge", f.session(uiStation)); res.StatusCode != http.StatusForbidden {
		t.Errorf("a station reads the queue: %d", res.StatusCode)
	}
}
