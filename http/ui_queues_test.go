package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// The commander's queues and the forms over plain HTTP: why each
// unroutable lead did not route, the route page that starts where the
// address points, the confirmation across districts, routing several
// leads at once while teaching the gazetteer, adopting a side's report in
// an adjudication and going on to the next conflict, every field error at
// once, and the inbox's card that stays in place.

// Places of the queue tests.
const (
	qXianghe  = "210102001005" // 和平区 浑河湾街道
	qYongshun = "210103005003" // 沈河区
	qSanlongA = "210106001020" // 三隆社区, 铁西区
	qSanlongB = "210114011005" // 三隆社区, 于洪区
)

// qID is a valid ID number of its own for person n of these tests.
func qID(n int) string { return epiloop.CompleteIDNumber(fmt.Sprintf("21010419800101%03d", n)) }

// post posts a form as a session.
func (f *uiFixture) post(sess, path string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	return f.do("POST", path, sess, strings.NewReader(form.Encode()))
}

// leadStatus reads a lead's status and community through the API.
func (f *uiFixture) leadStatus(id int64) (status, community string) {
	f.t.Helper()
	var l struct {
		Status    string `json:"status"`
		Community *struct {
			Code string `json:"code"`
		} `json:"community"`
	}
	f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", id), nil, http.StatusOK, &l)
	if l.Community != nil {
		community = l.Community.Code
	}
	return l.Status, community
}

// tasksOf returns a lead's live task ids by side.
func (f *uiFixture) tasksOf(id int64) map[string]int64 {
	f.t.Helper()
	var l struct {
		Round int `json:"round"`
		Tasks []struct {
			ID    int64 `json:"id"`
			Round int   `json:"round"`
			Unit  struct {
				Kind string `json:"kind"`
			} `json:"unit"`
		} `json:"tasks"`
	}
	f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", id), nil, http.StatusOK, &l)
	out := map[string]int64{}
	for _, t := range l.Tasks {
		if t.Round == l.Round {
			out[t.Unit.Kind] = t.ID
		}
	}
	return out
}

// conflict makes a lead at home whose two units disagree on the measure:
// the station says home observation at 36.5, the committee hospital at
// 37.6.
func (f *uiFixture) conflict(n int) int64 {
	f.t.Helper()
	id := f.createLead(qID(n), fmt.Sprintf("冲突%d", n), uiAddrHome, false)
	tasks := f.tasksOf(id)
	f.api(uiStation, "POST", fmt.Sprintf("/tasks/%d/feedback", tasks["police_station"]), map[string]any{
		"located": "at_address", "contact": "in_person", "temperature": 36.5, "measure": "home_observation"}, http.StatusOK, nil)
	f.api(uiCommittee, "POST", fmt.Sprintf("/tasks/%d/feedback", tasks["committee"]), map[string]any{
		"located": "at_address", "contact": "phone", "temperature": 37.6, "symptoms": true, "measure": "hospital"}, http.StatusOK, nil)
	if st, _ := f.leadStatus(id); st != "conflict" {
		f.t.Fatalf("lead %d is %s, want conflict", id, st)
	}
	return id
}

// rowOf returns the unroutable queue's row of lead id.
func rowOf(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, fmt.Sprintf(`data-lead="%d" data-reason=`, id))
	if start < 0 {
		t.Fatalf("lead %d is not in the queue", id)
	}
	row := body[start:]
	if end := strings.Index(row, "</article>"); end >= 0 {
		row = row[:end]
	}
	return row
}

func TestUnroutableQueueSaysWhy(t *testing.T) {
	f := newUIFixture(t, false)
	cmd := f.session(uiCommander)
	street := f.createLead(qID(1), "甲", "沈阳市和平区浑河湾街道某小区", false)
	amb := f.createLead(qID(2), "乙", "三隆社区8号", false)
	none := f.createLead(qID(3), "丙", "", false)
	outside := f.createLead(qID(4), "丁", "北京市朝阳区建国路88号", false)
	village := f.createLead(qID(5), "戊", "沈北新区某某屯3组", false)
	returned := f.createLead(qID(6), "己", uiAddrHome, false)
	f.api(uiStation, "POST", fmt.Sprintf("/tasks/%d/return", f.tasksOf(returned)["police_station"]), map[string]any{"reason": "户籍不在本辖区"}, http.StatusOK, nil)

	resp, body := f.get("/unroutable", cmd)
	checkPage(t, "/unroutable", resp, body)
	tests := []struct {
		lead   int64
		reason string
		words  []string
	}{
		{street, "street_only", []string{"沈阳市和平区浑河湾街道某小区", "只写到和平区浑河湾街道"}},
		{amb, "ambiguous", []string{"三隆社区8号", "社区名称不唯一", `data-community="` + qSanlongA + `"`, `data-community="` + qSanlongB + `"`, "铁西区", "于洪区"}},
		{none, "no_address", []string{"无地址", "没有地址"}},
		{outside, "outside_city", []string{"北京市朝阳区建国路88号", "地址不在本市"}},
		{village, "unknown_village", []string{"村（屯）不在区划中"}},
		{returned, "returned", []string{"承办单位退回：户籍不在本辖区"}},
	}
	for _, tt := range tests {
		row := rowOf(t, body, tt.lead)
		if !strings.Contains(row, `data-reason="`+tt.reason+`"`) {
			t.Errorf("lead %d: row %.200q, want reason %s", tt.lead, row, tt.reason)
		}
		for _, w := range tt.words {
			if !strings.Contains(row, w) {
				t.Errorf("lead %d (%s): row lacks %q", tt.lead, tt.reason, w)
			}
		}
	}

	t.Run("one click on a candidate routes", func(t *testing.T) {
		resp, _ := f.post(cmd, fmt.Sprintf("/leads/%d/route", amb), url.Values{"community": {qSanlongA}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		if st, c := f.leadStatus(amb); st != "pushed" || c != qSanlongA {
			t.Errorf("lead %s to %s, want pushed to %s", st, c, qSanlongA)
		}
	})
}

func TestRoutePageStartsAtTheAddress(t *testing.T) {
	f := newUIFixture(t, false)
	cmd := f.session(uiCommander)
	street := f.createLead(qID(10), "甲", "沈阳市和平区浑河湾街道某小区", false)
	district := f.createLead(qID(11), "乙", "沈阳市和平区某某小区", false)
	amb := f.createLead(qID(12), "丙", "和平区三隆社区", false)

	_, body := f.get(fmt.Sprintf("/leads/%d/route", street), cmd)
	if !strings.Contains(body, "<span>浑河湾街道</span>") || !strings.Contains(body, `id="candidates"`) || !strings.Contains(body, `value="210102001002"`) {
		t.Errorf("street only: the page does not start at 浑河湾街道 with its communities as candidates")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d/route", district), cmd)
	if !strings.Contains(body, `?district=210102">和平区</a>`) || !strings.Contains(body, "?street=210102001") {
		t.Errorf("district only: the page does not start in 和平区 with its streets")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d/route?street=210102001", district), cmd)
	if !strings.Contains(body, `id="alias" name="alias" value="某某小区"`) {
		t.Errorf("the place name to teach is not offered")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d/route?at=city", district), cmd)
	if !strings.Contains(body, "?district=210106") {
		t.Errorf("the city level lists no districts")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d/route", amb), cmd)
	cands := body[strings.Index(body, `id="candidates"`):]
	cands = cands[:strings.Index(cands, "</fieldset>")]
	if !strings.Contains(cands, qSanlongA) || !strings.Contains(cands, qSanlongB) || !strings.Contains(cands, "非地址所写区县") {
		t.Errorf("candidates %q: want both 三隆社区, marked outside 和平区", cands)
	}
}

func TestRouteConfirmsOtherDistrict(t *testing.T) {
	f := newUIFixture(t, false)
	cmd := f.session(uiCommander)
	l := f.createLead(qID(20), "甲", "沈阳市和平区某某小区", false)
	path := fmt.Sprintf("/leads/%d/route", l)

	resp, body := f.post(cmd, path, url.Values{"community": {qYongshun}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="confirm-err"`) || !strings.Contains(body, "所选社区在沈河区") {
		t.Fatalf("another district unconfirmed: status %d, want 422 asking to confirm beside the box", resp.StatusCode)
	}
	if !strings.Contains(body, `value="`+qYongshun+`" aria-required="true" checked`) {
		t.Errorf("the chosen community is not kept")
	}
	if st, _ := f.leadStatus(l); st != "unroutable" {
		t.Fatalf("unconfirmed routing routed the lead (%s)", st)
	}
	// The API holds the same rule.
	res := struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}{}
	f.api(uiCommander, "POST", path, map[string]any{"community": qYongshun}, http.StatusBadRequest, &res)
	if res.Error.Field != "confirm" {
		t.Errorf("API: field %q, want confirm", res.Error.Field)
	}
	resp, _ = f.post(cmd, path, url.Values{"community": {qYongshun}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: status %d, want 303", resp.StatusCode)
	}
	if st, c := f.leadStatus(l); st != "pushed" || c != qYongshun {
		t.Errorf("confirmed: %s to %s", st, c)
	}
}

func TestBulkRouteTeaches(t *testing.T) {
	f := newUIFixture(t, false)
	cmd := f.session(uiCommander)
	a := f.createLead(qID(30), "甲", "沈阳市和平区祥和苑B座1201", false)
	b := f.createLead(qID(31), "乙", "沈阳市和平区祥和苑A座302", false)

	resp, body := f.get(fmt.Sprintf("/unroutable/route?lead=%d&lead=%d", a, b), cmd)
	checkPage(t, "/unroutable/route", resp, body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "分派 2 条线索") || !strings.Contains(body, "地名：祥和苑") {
		t.Fatalf("bulk route page: status %d, want both leads with their place name", resp.StatusCode)
	}
	resp, body = f.post(cmd, "/unroutable/route", url.Values{"lead": {fmt.Sprint(a), fmt.Sprint(b)}, "community": {qXianghe}, "teach": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/unroutable?routed=2&taught=1" {
		t.Fatalf("bulk route: status %d to %q: %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, id := range []int64{a, b} {
		if st, c := f.leadStatus(id); st != "pushed" || c != qXianghe {
			t.Errorf("lead %d: %s to %s, want pushed to %s", id, st, c, qXianghe)
		}
	}
	_, body = f.get("/unroutable?routed=2&taught=1", cmd)
	if !strings.Contains(body, "已分派 2 条线索") || !strings.Contains(body, "地名库新增 1 个地名") {
		t.Errorf("the queue does not say what was done")
	}
	next := f.createLead(qID(32), "丙", "和平区祥和苑5号楼", false)
	if st, c := f.leadStatus(next); st != "pushed" || c != qXianghe {
		t.Errorf("the next lead of the compound: %s to %s, want routed by itself to %s", st, c, qXianghe)
	}

	t.Run("API", func(t *testing.T) {
		c := f.createLead(qID(33), "丁", "沈阳市和平区锦绣华庭3号楼", false)
		d := f.createLead(qID(34), "戊", "沈阳市和平区锦绣华庭7号楼", false)
		var out struct {
			Leads []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"leads"`
			Taught []struct {
				Alias     string `json:"alias"`
				Community string `json:"community"`
			} `json:"taught"`
		}
		f.api(uiCommander, "POST", "/leads/route", map[string]any{"lead_ids": []int64{c, d}, "community": qXianghe, "teach": true}, http.StatusOK, &out)
		if len(out.Leads) != 2 || out.Leads[0].Status != "pushed" || len(out.Taught) != 1 || out.Taught[0].Alias != "锦绣华庭" {
			t.Errorf("answer %+v, want two pushed leads and 锦绣华庭 taught", out)
		}
		f.api(uiCommander, "POST", "/leads/route", map[string]any{"lead_ids": []int64{c}, "community": qXianghe}, http.StatusConflict, nil)
		f.api(uiCommander, "POST", "/leads/route", map[string]any{"lead_ids": []int64{}, "community": qXianghe}, http.StatusBadRequest, nil)
		f.api(uiStation, "POST", "/leads/route", map[string]any{"lead_ids": []int64{c}, "community": qXianghe}, http.StatusForbidden, nil)
	})
	t.Run("nothing picked", func(t *testing.T) {
		resp, body := f.post(cmd, "/unroutable/route", url.Values{"community": {qXianghe}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请先勾选") {
			t.Errorf("status %d, want 422 asking to pick leads", resp.StatusCode)
		}
	})
}

func TestAdjudicationAdoptsAndGoesOn(t *testing.T) {
	f := newUIFixture(t, false)
	cmd := f.session(uiCommander)
	first, second := f.conflict(40), f.conflict(41)

	_, body := f.get(fmt.Sprintf("/leads/%d", second), cmd)
	if !strings.Contains(body, `id="adopt-station"`) || !strings.Contains(body, `id="adopt-committee"`) {
		t.Fatal("the adjudication form offers no adoption")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d?adopt=committee", second), cmd)
	form := body[strings.Index(body, `id="adjudicate-form"`):]
	for _, w := range []string{`value="hospital" checked`, `value="37.6"`, `name="symptoms" value="yes" checked`, `value="phone" checked`} {
		if !strings.Contains(form, w) {
			t.Errorf("adopting the committee's report: the form lacks %s", w)
		}
	}
	if !strings.Contains(body, "已按社区反馈填好") {
		t.Error("the page does not say the form was filled from the committee's report")
	}
	_, body = f.get(fmt.Sprintf("/leads/%d?adopt=station", second), cmd)
	if form := body[strings.Index(body, `id="adjudicate-form"`):]; !strings.Contains(form, `value="home_observation" checked`) || !strings.Contains(form, `value="36.5"`) {
		t.Error("adopting the station's report does not fill its measure and temperature")
	}

	// Deciding the newer conflict goes on to the older one, the next of
	// the queue; deciding that one, back to the queue.
	resp, _ := f.post(cmd, fmt.Sprintf("/leads/%d/adjudicate", second), url.Values{"located": {"at_address"}, "contact": {"phone"},
		"temperature": {"37.6"}, "symptoms": {"yes"}, "measure": {"hospital"}, "adopted": {"committee"}})
	if want := fmt.Sprintf("/leads/%d?decided=%d#adjudicate", first, second); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("after a decision: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if st, _ := f.leadStatus(second); st != "closed" {
		t.Errorf("decided lead is %s", st)
	}
	_, body = f.get(fmt.Sprintf("/leads/%d?decided=%d", first, second), cmd)
	if !strings.Contains(body, fmt.Sprintf("线索 #%d 已裁决", second)) {
		t.Error("the next conflict's page does not say the last was decided")
	}
	resp, _ = f.post(cmd, fmt.Sprintf("/leads/%d/adjudicate", first), url.Values{"action": {"repush"}, "note": {"复核"}})
	if want := fmt.Sprintf("/conflicts?decided=%d", first); resp.Header.Get("Location") != want {
		t.Errorf("after the last conflict: to %q, want %q", resp.Header.Get("Location"), want)
	}
	_, body = f.get(fmt.Sprintf("/conflicts?decided=%d", first), cmd)
	if !strings.Contains(body, "冲突已全部处理") {
		t.Error("the queue does not say none is left")
	}
}

// errIDs are the ids of the messages beside fields on a page.
var errIDs = regexp.MustCompile(`<p class="err" id="([a-z0-9_-]+)-err"`)

func fieldErrors(body string) []string {
	var out []string
	for _, m := range errIDs.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func TestFormsShowEveryError(t *testing.T) {
	f := newUIFixture(t, false)
	st := f.session(uiStation)
	cmd := f.session(uiCommander)
	lead := f.createLead(uiIDNumber, "张三", uiAddrHome, false)

	t.Run("feedback", func(t *testing.T) {
		resp, body := f.post(st, fmt.Sprintf("/inbox/leads/%d/feedback", lead), url.Values{
			"located": {"elsewhere_in_city"}, "temperature": {"50"}, "arrival_date": {"2020-13-45"}, "measure": {"central_isolation"}, "contact": {"fax"}})
		want := []string{"address", "arrival", "contact", "site", "temperature"}
		if got := fieldErrors(body); resp.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(got, want) {
			t.Errorf("status %d, messages beside %v, want 422 beside %v", resp.StatusCode, got, want)
		}
		if !strings.Contains(body, "有 5 处需要修改") || !strings.Contains(body, `class="req"`) || !strings.Contains(body, "（必填）") {
			t.Error("the form does not count the mistakes or mark the required fields")
		}
	})
	t.Run("feedback with a temperature that is no number", func(t *testing.T) {
		_, body := f.post(st, fmt.Sprintf("/inbox/leads/%d/feedback", lead), url.Values{"temperature": {"hot"}})
		if got, want := fieldErrors(body), []string{"located", "temperature"}; !slices.Equal(got, want) {
			t.Errorf("messages beside %v, want %v", got, want)
		}
	})
	t.Run("adjudication", func(t *testing.T) {
		c := f.conflict(50)
		resp, body := f.post(cmd, fmt.Sprintf("/leads/%d/adjudicate", c), url.Values{"located": {"left_city"}, "measure": {"central_isolation"}, "note": {"x"}})
		if got, want := fieldErrors(body), []string{"destination", "site"}; resp.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(got, want) {
			t.Errorf("status %d, messages beside %v, want 422 beside %v", resp.StatusCode, got, want)
		}
	})
	t.Run("route", func(t *testing.T) {
		u := f.createLead(qID(51), "甲", "沈阳市和平区浑河湾街道某小区", false)
		resp, body := f.post(cmd, fmt.Sprintf("/leads/%d/route", u), url.Values{"teach": {"yes"}, "alias": {"x"}})
		if got, want := fieldErrors(body), []string{"alias", "community"}; resp.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(got, want) {
			t.Errorf("status %d, messages beside %v, want 422 beside %v", resp.StatusCode, got, want)
		}
	})
	t.Run("checkpoint", func(t *testing.T) {
		f.withRoadCheckpoint()
		gate := f.session(uiGate)
		bad := ckIDMale[:17] + map[bool]string{true: "0", false: "1"}[ckIDMale[17] != '0']
		resp, body := f.post(gate, "/checkpoints/"+uiGateCode+"/screenings", url.Values{"direction": {"in"}, "plate": {"辽I12345"},
			"o.0.id_number": {bad}, "o.0.name": {"张三"}, "o.0.phone": {""}, "o.0.origin": {""}, "o.0.destination": {""}, "o.0.temperature": {""},
			"o.1.id_number": {ckIDFemale}, "o.1.name": {"李四"}, "o.1.phone": {"123"}, "o.1.origin": {"火星"}, "o.1.destination": {""}, "o.1.temperature": {"99"}})
		want := []string{"o-0-id_number", "o-0-origin", "o-0-temperature", "o-1-origin", "o-1-phone", "o-1-temperature", "plate"}
		if got := fieldErrors(body); resp.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(got, want) {
			t.Errorf("status %d, messages beside %v\nwant 422 beside %v", resp.StatusCode, got, want)
		}
		if !strings.Contains(body, `id="o-0-id_number-err">`+epiloop.T(epiloop.LangZH, "reject.id_checksum")+"<") {
			t.Error("the ID number's message is not the specific one (校验位不符)")
		}
	})
}

func TestInboxKeepsTheCardInPlace(t *testing.T) {
	f := newUIFixture(t, false)
	st := f.session(uiStation)
	var ids []int64
	for n := range 3 {
		ids = append(ids, f.createLead(qID(60+n), fmt.Sprintf("排序%d", n), uiAddrHome, n == 2))
		f.clock.Add(10 * time.Minute)
	}
	order := func() []string {
		_, body := f.get("/inbox", st)
		var out []string
		for _, m := range regexp.MustCompile(`id="(task-\d+)" data-lead`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	before := order()
	if len(before) != 3 {
		t.Fatalf("inbox cards %v, want 3", before)
	}
	// Accept the first lead's card (normal priority, pushed first) without
	// the script: back to the inbox at the card, and no card moved — by its
	// current deadline it would go below the second, whose acceptance is
	// due before its feedback.
	lead := ids[0]
	task := f.tasksOf(lead)["police_station"]
	resp, _ := f.post(st, fmt.Sprintf("/inbox/leads/%d/accept", lead), url.Values{"from": {"inbox"}})
	if want := fmt.Sprintf("/inbox#task-%d", task); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Errorf("accept from the inbox: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if after := order(); !slices.Equal(after, before) {
		t.Errorf("after accepting: order %v, was %v", after, before)
	}
}
