package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/scenario"
)

// The checkpoint pages: the officer's keyboard-only entry in a real
// browser, the form's answers over plain HTTP, and who may open what.

const (
	uiGate     = "checkpoint-west-toll" // an officer of a road checkpoint
	uiGateCode = "CK0005"
	// uiCheckpointOfficer is the demo's officer of 沈阳站 (CK0001, rail).
	uiCheckpointOfficer = "checkpoint-shenyang-station"
)

// Travellers of the checkpoint tests, with valid ID numbers.
var (
	ckIDMale   = epiloop.CompleteIDNumber("21010219900101123") // male, born 1990-01-01
	ckIDFemale = epiloop.CompleteIDNumber("42010219850615124") // female, born 1985-06-15
	ckIDThird  = epiloop.CompleteIDNumber("21010319781230235")
)

// withRoadCheckpoint adds the road checkpoint 沈阳西收费站 with its
// officer, and the risk area 武汉 (high, all February 2020).
func (f *uiFixture) withRoadCheckpoint() {
	f.t.Helper()
	f.api(uiCommander, "POST", "/checkpoints", map[string]any{
		"code": uiGateCode, "kind": "road", "name": "沈阳西收费站卡点", "district": "210114", "location": "京哈高速沈阳西收费站",
	}, http.StatusCreated, nil)
	f.api(uiCommander, "POST", "/risk-areas", map[string]any{
		"code": "4201", "level": "high", "from": "2020-01-01", "to": "2020-03-31",
	}, http.StatusCreated, nil)
	u := &epiloop.User{Name: uiGate, Role: epiloop.RoleCheckpoint, UnitCode: uiGateCode}
	if err := f.svc.CreateUser(context.Background(), u, scenario.Password); err != nil {
		f.t.Fatal(err)
	}
}

// TestBrowserCheckpointKeyboard types a car of three at the gate from the
// keyboard alone — plate, Enter, the card reader's ID numbers with their
// Enter, Tab-free Enter from field to field, Alt+N and Enter at the end of
// a row for the next person, Ctrl+Enter to save — and reads the decisions.
func TestBrowserCheckpointKeyboard(t *testing.T) {
	f := newUIFixture(t, false)
	f.withRoadCheckpoint()
	b := newBrowser(t, "")
	gate := b.person("gate", 1280, 800, false)
	gate.login(f.url, uiGate, scenario.Password, "#screening-form")
	if got := gate.activeID(); got != "plate" {
		t.Fatalf("the entry page starts in %q, want the plate", got)
	}
	key := func(s string, mods ...input.Modifier) chromedp.Action {
		return chromedp.KeyEvent(s, chromedp.KeyModifiers(mods...))
	}
	start := time.Now()
	gate.run(
		key("辽a12345\r"), // plate, Enter: to the direction (entering)
		key("\r"),        // Enter: to the first person's ID number
		// The reader types 18 characters and Enter; the form moves on to
		// the name at the 18th and takes the Enter as the reader's.
		key(ckIDMale), key("\r"),
		key("张三\r13800138000\r沈阳市\r"+uiAddrHome+"\r36.5\r"),
		key("\r"), // Enter on the last field of the last person: a new person
	)
	if got := gate.activeID(); got != "o-1-id" {
		gate.shot("lost")
		t.Fatalf("after the first person the focus is in %q, want the second person's ID number", got)
	}
	gate.run(
		key(ckIDFemale), key("\r"),
		key("李四\r\r武汉\r"+uiAddrHome+"\r36.8\r"),
		key("n", input.ModifierAlt), // Alt+N: another person
		key(strings.ToLower(ckIDThird)), key("\r"),
		key("王五\r13900139000\r沈阳\r"+uiAddrHome+"\r38.2"),
	)
	// The origin field suggested regions as the officer typed.
	gate.waitJS(`[...document.querySelectorAll("#origin-list option")].some(o => o.value === "辽宁省沈阳市")`)
	var info []string
	gate.run(chromedp.Evaluate(`[...document.querySelectorAll(".idinfo")].map(e => e.textContent.trim())`, &info))
	if len(info) != 3 || !strings.Contains(info[0], "男") || !strings.Contains(info[0], "1990-01-01") ||
		!strings.Contains(info[1], "女") || !strings.Contains(info[1], "1985-06-15") {
		t.Errorf("the ID numbers read %q, want each person's sex and birth date", info)
	}
	gate.shot("typed")
	gate.run(key("\r", input.ModifierCtrl), chromedp.WaitVisible("#ck-result", chromedp.ByQuery))
	t.Logf("a car of three typed and saved in %v of simulated keystrokes", time.Since(start).Round(time.Millisecond))

	var decisions, messages []string
	gate.run(
		chromedp.Evaluate(`[...document.querySelectorAll("#ck-result .verdict")].map(e => e.dataset.decision)`, &decisions),
		chromedp.Evaluate(`[...document.querySelectorAll("#ck-result .verdict .msg")].map(e => e.textContent.trim())`, &messages),
	)
	want := []string{"release", "lead", "fever"}
	wantMsg := []string{"放行", "已推送核查", "发热：转送发热门诊"}
	if strings.Join(decisions, ",") != strings.Join(want, ",") || strings.Join(messages, ",") != strings.Join(wantMsg, ",") {
		t.Errorf("decisions %q %q, want %q %q", decisions, messages, want, wantMsg)
	}
	if got := gate.text(`#ck-stats [data-metric="persons"]`); got != "3" {
		t.Errorf("today's persons read %q after the car, want 3", got)
	}
	if got := gate.text("#ck-recent tbody tr"); !strings.Contains(got, "辽A12345") {
		t.Errorf("the latest crossing reads %q, want the plate", got)
	}
	gate.waitJS(`document.activeElement && document.activeElement.id === "plate"`) // ready for the next vehicle
	gate.shot("saved")

	// A mistake is shown beside its field, with nothing saved.
	gate.run(
		key("辽I12345\r\r"),
		key(ckIDMale), key("\r"),
		key("张三\r\r火星\r\r36.5"),
		key("\r", input.ModifierCtrl),
		chromedp.WaitVisible("#plate-err", chromedp.ByQuery),
	)
	gate.waitJS(`document.activeElement && document.activeElement.id === "plate"`) // the field in error
	var sc struct {
		Total int `json:"total"`
	}
	f.api(uiCommander, "GET", "/checkpoints/"+uiGateCode+"/screenings", nil, http.StatusOK, &sc)
	if sc.Total != 1 {
		t.Errorf("%d crossings saved, want the one car only", sc.Total)
	}
	gate.shot("refused")
	gate.check()
}

// activeID returns the id of the focused element.
func (tb *tab) activeID() string {
	tb.b.t.Helper()
	var id string
	tb.run(chromedp.Evaluate(`document.activeElement ? document.activeElement.id : ""`, &id))
	return id
}

// ckForm is a crossing as the entry form posts it.
func ckForm(plate string, rows ...[]string) url.Values {
	v := url.Values{"plate": {plate}, "direction": {"in"}}
	for i, r := range rows {
		p := fmt.Sprintf("o.%d.", i)
		for j, k := range []string{"id_number", "name", "phone", "origin", "destination", "temperature", "symptoms"} {
			if j < len(r) {
				v.Set(p+k, r[j])
			}
		}
	}
	return v
}

// TestCheckpointForm posts the entry form as a browser without script
// would: mistakes come back beside their fields with the typed values and
// nothing saved; the "add occupant" button gives one more row; a good
// crossing answers with each person's decision.
func TestCheckpointForm(t *testing.T) {
	f := newUIFixture(t, false)
	f.withRoadCheckpoint()
	gate := f.session(uiGate)
	path := "/checkpoints/" + uiGateCode + "/screenings"
	post := func(form url.Values) (*http.Response, string) {
		t.Helper()
		return f.do("POST", path, gate, strings.NewReader(form.Encode()))
	}
	good := []string{ckIDMale, "张三", "13800138000", "沈阳市", uiAddrHome, "36.5"}
	for _, tc := range []struct {
		name  string
		form  url.Values
		errID string
		words string
	}{
		{"bad plate", ckForm("辽I12345", good), "plate-err", "车牌号格式不对"},
		{"temperature out of range", ckForm("辽A12345", good, []string{ckIDFemale, "李四", "", "武汉", uiAddrHome, "45"}), "o-1-temperature-err", "34.0 至 43.0"},
		{"temperature missing", ckForm("辽A12345", good, []string{ckIDFemale, "李四", "", "武汉", uiAddrHome}), "o-1-temperature-err", "请填写体温"},
		{"unknown origin", ckForm("辽A12345", []string{ckIDMale, "张三", "", "火星", uiAddrHome, "36.5"}), "o-0-origin-err", "无法识别"},
		{"bad check character", ckForm("辽A12345", []string{ckIDMale[:17] + "0", "张三", "", "沈阳", uiAddrHome, "36.5"}), "o-0-id_number-err", "校验位"},
		{"same person twice", ckForm("辽A12345", good, good), "o-1-id_number-err", "重复"},
		{"nobody", ckForm("辽A12345"), "occupants-err", "至少登记一名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			checkPage(t, path, resp, body)
			if !strings.Contains(body, `id="`+tc.errID+`"`) || !strings.Contains(body, tc.words) {
				t.Errorf("want the message %q beside %s", tc.words, tc.errID)
			}
			if tc.form.Has("o.0.name") && !strings.Contains(body, `value="张三"`) {
				t.Error("the typed values are lost")
			}
		})
	}
	var sc struct {
		Total int `json:"total"`
	}
	f.api(uiCommander, "GET", "/checkpoints/"+uiGateCode+"/screenings", nil, http.StatusOK, &sc)
	if sc.Total != 0 {
		t.Fatalf("refused crossings saved %d screenings", sc.Total)
	}

	t.Run("add occupant without script", func(t *testing.T) {
		form := ckForm("辽A12345", good)
		form.Set("add", "1")
		resp, body := post(form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="o.1.id_number"`) || !strings.Contains(body, `value="张三"`) {
			t.Errorf("status %d, want the form back with a second person and the first kept", resp.StatusCode)
		}
	})
	t.Run("a car of three", func(t *testing.T) {
		form := ckForm("辽A·12345", good,
			[]string{ckIDFemale, "李四", "", "武汉", uiAddrHome, "36.8"},
			[]string{ckIDThird, "王五", "", "沈阳", uiAddrHome, "38.2"},
			[]string{}) // a blank last row is left out
		resp, body := post(form)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		checkPage(t, path, resp, body)
		for _, want := range []string{`data-decision="release"`, `data-decision="lead"`, `data-decision="fever"`, "发热：转送发热门诊", "辽A12345"} {
			if !strings.Contains(body, want) {
				t.Errorf("the answer lacks %s", want)
			}
		}
		// htmx gets the main part only.
		resp, body = f.do("POST", path, gate, strings.NewReader(ckForm("辽B54321", good).Encode()), "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="ck-main"`) {
			t.Errorf("htmx post: status %d, want the fragment", resp.StatusCode)
		}
	})
	t.Run("origin suggestions", func(t *testing.T) {
		_, body := f.get("/checkpoints/origins?o.3.origin="+url.QueryEscape("武汉"), gate)
		if !strings.Contains(body, `<option value="湖北省武汉市">4201</option>`) {
			t.Errorf("suggestions for 武汉: %.300s", body)
		}
		_, body = f.get("/checkpoints/origins?o.0.origin=4201", gate)
		if !strings.Contains(body, "湖北省武汉市") || !strings.Contains(body, "420102") {
			t.Errorf("suggestions for 4201: %.300s", body)
		}
	})
}

// TestCheckpointPages opens the checkpoint pages as every role on the
// demo's data.
func TestCheckpointPages(t *testing.T) {
	f := newUIFixture(t, true)
	sessions := map[string]string{}
	for _, u := range []string{uiCommander, uiDistrictHP, uiStation, uiCommittee, uiAnalyst, uiAdmin, "auditor", uiCheckpointOfficer} {
		sessions[u] = f.session(u)
	}
	officer := uiCheckpointOfficer
	for _, pg := range []struct {
		user, path string
		want       int
		contains   string
		lacks      string
	}{
		{officer, "/checkpoints/CK0001", 200, `id="screening-form"`, ""},
		{officer, "/checkpoints/CK0001", 200, `id="train"`, `id="plate"`},
		{officer, "/checkpoints/CK0002", 404, "未找到", ""},
		{uiCommander, "/checkpoints", 200, "沈阳北站卡点", ""},
		// Commanders may screen anywhere (the permission table), so their
		// page has the form too; a district commander's reads only.
		{uiCommander, "/checkpoints/CK0001", 200, `id="screening-form"`, ""},
		{uiDistrictHP, "/checkpoints", 200, "沈阳站卡点", "沈阳北站卡点"},
		{uiDistrictHP, "/checkpoints/CK0001", 200, "沈阳站卡点", `id="screening-form"`},
		{uiDistrictHP, "/checkpoints/CK0002", 404, "未找到", ""},
		{uiStation, "/checkpoints", 403, "无权", ""},
		{uiCommittee, "/checkpoints/CK0001", 403, "无权", ""},
		{uiAnalyst, "/checkpoints", 403, "无权", ""},
		{uiAdmin, "/checkpoints", 403, "无权", ""},
		{"auditor", "/checkpoints", 403, "无权", ""},
		{uiDistrictHP, "/checkpoints/origins?q=x", 403, "无权", ""},
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
			if pg.lacks != "" && strings.Contains(body, pg.lacks) {
				t.Errorf("page shows %q", pg.lacks)
			}
		})
	}
	for _, pg := range []struct{ user, path, contains string }{
		{officer, "/checkpoints/CK0001", "Register a crossing"},
		{uiCommander, "/checkpoints", "Persons, last hour"},
	} {
		resp, body := f.get(pg.path, sessions[pg.user], "Accept-Language", "en")
		checkPage(t, pg.path, resp, body)
		if resp.StatusCode != 200 || !strings.Contains(body, pg.contains) {
			t.Errorf("%s in English: status %d, lacks %q", pg.path, resp.StatusCode, pg.contains)
		}
	}
	// The officer's nav and first page are the checkpoint's.
	resp, _ := f.get("/", sessions[officer])
	if loc := resp.Header.Get("Location"); loc != "/checkpoints" {
		t.Errorf("the officer's home is %q", loc)
	}
	resp, _ = f.get("/checkpoints", sessions[officer])
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/checkpoints/CK0001" {
		t.Errorf("the officer's checkpoints: %d to %q, want their own", resp.StatusCode, loc)
	}
	resp, _ = f.do("POST", "/checkpoints/CK0001/screenings", sessions[uiDistrictHP], strings.NewReader(ckForm("辽A12345").Encode()))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a district commander posts a crossing: %d, want 403 (district commanders read)", resp.StatusCode)
	}
	resp, body := f.do("POST", "/checkpoints/CK0001/screenings", sessions[uiCommander], strings.NewReader(ckForm("辽A12345").Encode()))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "至少登记一名") {
		t.Errorf("a commander posts a crossing with nobody: %d, want 422 naming the missing occupants", resp.StatusCode)
	}
}

// shootScreeningResult photographs the demo officer's page with the
// decisions of a carriage's three travellers, for docs/screenshots.
func shootScreeningResult(t *testing.T, f *uiFixture, tb *tab, desktop, phone chromedp.Action) {
	t.Helper()
	tb.run(network.ClearBrowserCookies(), desktop)
	tb.login(f.url, uiCheckpointOfficer, scenario.Password, "#screening-form")
	type person struct{ id, name, phone, origin, temp string }
	fill := []chromedp.Action{
		chromedp.SendKeys("#train", "G1234", chromedp.ByQuery),
		chromedp.SendKeys("#carriage", "5", chromedp.ByQuery),
	}
	for i, p := range []person{
		{ckIDMale, "张三", "13800138000", "沈阳市", "36.5"},
		{ckIDFemale, "李四", "", "湖北省武汉市", "36.8"},
		{ckIDThird, "王五", "13900139000", "大连", "38.2"},
	} {
		if i > 0 {
			fill = append(fill, chromedp.Click("#add-occupant", chromedp.ByQuery))
		}
		pre := fmt.Sprintf("#o-%d-", i)
		fill = append(fill,
			chromedp.SendKeys(pre+"id", p.id, chromedp.ByQuery),
			chromedp.SendKeys(pre+"name", p.name, chromedp.ByQuery),
			chromedp.SendKeys(pre+"phone", p.phone, chromedp.ByQuery),
			chromedp.SendKeys(pre+"origin", p.origin, chromedp.ByQuery),
			chromedp.SendKeys(pre+"destination", uiAddrHome, chromedp.ByQuery),
			chromedp.SendKeys(pre+"temperature", p.temp, chromedp.ByQuery),
		)
	}
	tb.run(fill...)
	tb.run(chromedp.Click("#submit-screening", chromedp.ByQuery), chromedp.WaitVisible("#ck-result", chromedp.ByQuery))
	tb.run(chromedp.Sleep(200 * time.Millisecond))
	tb.shotAs("checkpoint-result-desktop.png")
	tb.run(phone, chromedp.Sleep(200*time.Millisecond))
	tb.shotAs("checkpoint-result-phone.png")
}
