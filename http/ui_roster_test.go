package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/scenario"
)

// The 值班表 page on the demo's roster: the fixture's clock is 2020-02-01
// 16:00 China Standard Time, so the week shown by default runs from duty
// day 2020-02-01 to 2020-02-07, and its third night (2020-02-03 20:00) is
// the demo's gap: one headquarters officer of two.

const rosterWeek = "2020-02-01"

// rosterSlots returns the slots of node's posts in the demo's first week,
// read as the commander.
func rosterSlots(t testing.TB, f *uiFixture, node string) []epiloop.DutySlot {
	t.Helper()
	ctx := context.Background()
	var cmd *epiloop.User
	err := f.svc.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		cmd, err = tx.FindUserByName(uiCommander)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	from := epiloop.CivilMidnight(rosterWeek).Add(epiloop.ShiftDayHour * time.Hour)
	slots, _, err := f.svc.FindDutySlots(epiloop.NewContextWithUser(ctx, cmd),
		epiloop.DutySlotFilter{Node: &node, From: from, To: from.AddDate(0, 0, 7), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return slots
}

// rosterSlot finds the slot of post name starting at start (CST wall
// clock, "2006-01-02 15:04").
func rosterSlot(t testing.TB, slots []epiloop.DutySlot, post, start string) epiloop.DutySlot {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", start, time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Post.Name == post && s.Start.Equal(at) {
			return s
		}
	}
	t.Fatalf("no slot of %s at %s", post, start)
	return epiloop.DutySlot{}
}

// slotHTML cuts one slot's block out of a roster page.
func slotHTML(t testing.TB, body string, id int64) string {
	t.Helper()
	i := strings.Index(body, fmt.Sprintf(`id="slot-%d"`, id))
	if i < 0 {
		t.Fatalf("the page has no slot %d", id)
	}
	end, own := len(body), i+strings.Index(body[i:], "data-slot=")+1
	if next := strings.Index(body[own:], "data-slot="); next >= 0 {
		end = strings.LastIndex(body[:own+next], "<div")
	}
	if td := strings.Index(body[i:], "</td>"); td >= 0 && i+td < end {
		end = i + td
	}
	return body[strings.LastIndex(body[:i], "<div"):end]
}

// rosterKeys matches a catalogue key of the page left untranslated.
var rosterKeys = regexp.MustCompile(`\b(roster|duty)\.[a-z_]+\.?[a-z0-9_]*\b`)

func TestRosterPage(t *testing.T) {
	f := newUIFixture(t, true)
	s := f.session(uiCommander)
	hq := rosterSlots(t, f, "CMD-HQ")
	gap := rosterSlot(t, hq, "值班员", "2020-02-03 20:00")
	full := rosterSlot(t, hq, "带班领导", "2020-02-01 08:00")

	res, body := f.get("/roster", s)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/roster: %d", res.StatusCode)
	}
	for _, want := range []string{
		"沈阳市新冠肺炎疫情防控指挥部", "带班领导", "值班长", "值班员", "每班 2–3 人", "每班 1 人",
		`<th scope="col" data-day="2020-02-01" class="today" aria-current="date">02-01 周六</th>`, "02-07 周五",
		"2020-02-01 至 2020-02-07", "week=2020-01-25", "week=2020-02-08",
		"08:00–20:00", "20:00–08:00 <small>次日</small>", "08:00–08:00 <small>次日</small>", "duty-officer-1", "duty-chief-a",
		`<datalist id="roster-people">`, `<option value="duty-officer-4">`,
		`href="/duty/now?node=CMD-HQ"`, `aria-current="page">值班表</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/roster lacks %q", want)
		}
	}
	if k := rosterKeys.FindString(body); k != "" {
		t.Errorf("/roster shows the catalogue key %q", k)
	}
	if strings.Contains(body, "$argon2id$") {
		t.Error("/roster shows a password hash")
	}
	// The gap is red and says so in words; a full slot offers no form.
	g := slotHTML(t, body, gap.ID)
	for _, want := range []string{`class="slot gap"`, "缺 1 人", "duty-officer-3", fmt.Sprintf(`action="/roster/slots/%d/assign"`, gap.ID)} {
		if !strings.Contains(g, want) {
			t.Errorf("the gap slot lacks %q: %s", want, g)
		}
	}
	if c := strings.Count(body, `class="slot gap"`); c != 1 {
		t.Errorf("%d slots marked as gaps, want the demo's one", c)
	}
	fs := slotHTML(t, body, full.ID)
	if strings.Contains(fs, "/assign") || !strings.Contains(fs, "已满员") || !strings.Contains(fs, "/unassign") {
		t.Errorf("the full slot of 带班领导: %s", fs)
	}

	t.Run("english", func(t *testing.T) {
		_, body := f.get("/roster", s, "Accept-Language", "en")
		for _, want := range []string{"Duty roster", "1 short", "02-01 Sat", "2–3 per slot", "Assign"} {
			if !strings.Contains(body, want) {
				t.Errorf("the English roster lacks %q", want)
			}
		}
		if k := rosterKeys.FindString(body); k != "" {
			t.Errorf("the English roster shows the catalogue key %q", k)
		}
	})
	t.Run("node and week", func(t *testing.T) {
		res, body := f.get("/roster?node=SUB-HP&week=2020-02-08", s)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		for _, want := range []string{"和平区分指挥部", "2020-02-08 至 2020-02-14", "district-heping", `href="/roster?node=SUB-HP&week=2020-02-01" id="roster-prev"`, `id="roster-today"`} {
			if !strings.Contains(body, want) {
				t.Errorf("SUB-HP's second week lacks %q", want)
			}
		}
		if strings.Contains(body, "带班领导") {
			t.Error("SUB-HP's roster shows headquarters' posts")
		}
	})
	t.Run("links", func(t *testing.T) {
		for path, want := range map[string]string{"/command": `href="/roster?node=SUB-HP"`, "/duty/now?node=FR-SCREEN": `href="/roster?node=FR-SCREEN"`} {
			if _, body := f.get(path, s); !strings.Contains(body, want) {
				t.Errorf("%s has no link %s", path, want)
			}
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for path, want := range map[string]int{"/roster?node=NONE": http.StatusNotFound, "/roster?week=2020-02-31": http.StatusBadRequest} {
			if res, _ := f.get(path, s); res.StatusCode != want {
				t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
			}
		}
	})
}

// TestRosterReadOnly shows the roster to those who may not keep it: a
// station officer anywhere, a district commander outside their district.
func TestRosterReadOnly(t *testing.T) {
	f := newUIFixture(t, true)
	for _, tc := range []struct {
		name, user, node string
		manage           bool
	}{
		{"station", uiStation, "CMD-HQ", false},
		{"district at headquarters", uiDistrictHP, "CMD-HQ", false},
		{"district at its sub-command", uiDistrictHP, "SUB-HP", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := f.get("/roster?node="+tc.node, f.session(tc.user))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if !strings.Contains(body, `class="slot`) {
				t.Fatal("the page shows no slots")
			}
			forms := strings.Contains(body, "/assign\"") || strings.Contains(body, "/unassign\"") || strings.Contains(body, "<datalist")
			if forms != tc.manage {
				t.Errorf("assign forms shown: %v, want %v", forms, tc.manage)
			}
			if ro := strings.Contains(body, `id="roster-readonly"`); ro == tc.manage {
				t.Errorf("read-only note shown: %v, want %v", ro, !tc.manage)
			}
		})
	}
	// The page's forms are not the only gate.
	slot := rosterSlot(t, rosterSlots(t, f, "CMD-HQ"), "值班员", "2020-02-03 20:00")
	form := url.Values{"name": {"duty-officer-4"}, "node": {"CMD-HQ"}, "week": {rosterWeek}}
	for user, want := range map[string]int{uiStation: http.StatusForbidden, uiDistrictHP: http.StatusForbidden} {
		res, _ := f.do("POST", fmt.Sprintf("/roster/slots/%d/assign", slot.ID), f.session(user), strings.NewReader(form.Encode()))
		if res.StatusCode != want {
			t.Errorf("%s assigns at headquarters: %d, want %d", user, res.StatusCode, want)
		}
	}
}

// TestRosterAssign assigns by account name and takes the person off
// again; each refusal comes back beside its slot, naming its rule, with
// the name as typed.
func TestRosterAssign(t *testing.T) {
	f := newUIFixture(t, true)
	s := f.session(uiCommander)
	hq, hp := rosterSlots(t, f, "CMD-HQ"), rosterSlots(t, f, "SUB-HP")
	gap := rosterSlot(t, hq, "值班员", "2020-02-03 20:00")
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		return f.do("POST", path, s, strings.NewReader(form.Encode()))
	}
	assign := func(id int64, name string) (*http.Response, string) {
		t.Helper()
		return post(fmt.Sprintf("/roster/slots/%d/assign", id), url.Values{"name": {name}, "node": {"CMD-HQ"}, "week": {rosterWeek}})
	}

	res, _ := assign(gap.ID, " duty-officer-4 ")
	want := fmt.Sprintf("/roster?done=assign&node=CMD-HQ&week=%s#slot-%d", rosterWeek, gap.ID)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("assign: %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	_, body := f.get(want[:strings.Index(want, "#")], s)
	if g := slotHTML(t, body, gap.ID); strings.Contains(g, "gap") || !strings.Contains(g, "duty-officer-4") {
		t.Errorf("after the assignment the slot reads %s", g)
	}
	if !strings.Contains(body, `class="flash"`) || !strings.Contains(body, "已排班") {
		t.Error("the page does not confirm the assignment")
	}

	refusals := []struct {
		name string
		slot epiloop.DutySlot
		node string
		who  string
		// status and words of the refusal.
		status int
		words  string
	}{
		// duty-officer-1 holds headquarters' day slot of 2020-02-01.
		{"overlap", rosterSlot(t, hp, "值班长", "2020-02-01 08:00"), "SUB-HP", "duty-officer-1", http.StatusConflict, "违反时间重叠规则"},
		{"rest", rosterSlot(t, hq, "值班员", "2020-02-01 20:00"), "CMD-HQ", "duty-officer-1", http.StatusConflict, "违反最短休息规则"},
		{"already", gap, "CMD-HQ", "duty-officer-4", http.StatusConflict, "该人员已在此班次"},
		{"unknown name", gap, "CMD-HQ", "nobody-such", http.StatusUnprocessableEntity, "未找到该人员账号或账号已停用"},
		{"no name", gap, "CMD-HQ", "", http.StatusUnprocessableEntity, "请填写人员账号名"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			res, body := post(fmt.Sprintf("/roster/slots/%d/assign", tc.slot.ID), url.Values{"name": {tc.who}, "node": {tc.node}, "week": {rosterWeek}})
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			sl := slotHTML(t, body, tc.slot.ID)
			for _, want := range []string{
				fmt.Sprintf(`<p class="err" role="alert" id="slot-%d-err">`, tc.slot.ID), tc.words,
				fmt.Sprintf(`value="%s" aria-invalid="true"`, tc.who), "autofocus",
			} {
				if !strings.Contains(sl, want) {
					t.Errorf("the refused slot lacks %q: %s", want, sl)
				}
			}
			if c := strings.Count(body, `class="err"`); c != 1 {
				t.Errorf("%d errors on the page, want 1 beside the slot", c)
			}
		})
	}

	t.Run("unassign", func(t *testing.T) {
		user := gap.Persons[0].UserID // duty-officer-3
		res, _ := post(fmt.Sprintf("/roster/slots/%d/unassign", gap.ID), url.Values{"user_id": {fmt.Sprint(user)}, "node": {"CMD-HQ"}, "week": {rosterWeek}})
		want := fmt.Sprintf("/roster?done=unassign&node=CMD-HQ&week=%s#slot-%d", rosterWeek, gap.ID)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Fatalf("unassign: %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), want)
		}
		_, body := f.get("/roster?node=CMD-HQ", s)
		if g := slotHTML(t, body, gap.ID); strings.Contains(g, "duty-officer-3") || !strings.Contains(g, "缺 1 人") {
			t.Errorf("after the removal the slot reads %s", g)
		}
		res, body = post(fmt.Sprintf("/roster/slots/%d/unassign", gap.ID), url.Values{"user_id": {"x"}, "node": {"CMD-HQ"}, "week": {rosterWeek}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(slotHTML(t, body, gap.ID), `class="err"`) {
			t.Errorf("unassign without a person: %d", res.StatusCode)
		}
	})
}

// TestBrowserRoster keeps the roster on a 390 px phone by keyboard only:
// the grid scrolls inside its box, a name typed and Enter assigns it, and
// a refusal comes back beside the slot with the name still typed and the
// focus on it.
func TestBrowserRoster(t *testing.T) {
	f := newUIFixture(t, true)
	hq := rosterSlots(t, f, "CMD-HQ")
	gap := rosterSlot(t, hq, "值班员", "2020-02-03 20:00")
	night := rosterSlot(t, hq, "值班员", "2020-02-01 20:00")
	b := newBrowser(t, "")
	c := b.person("commander", 390, 844, true)
	c.login(f.url, uiCommander, scenario.Password, "#dash-live")
	c.click(`nav.nav a[href="/roster"]`)
	c.run(chromedp.WaitVisible("#roster", chromedp.ByQuery))
	c.fitsPhone("roster")
	var fits bool
	c.run(chromedp.Evaluate(`document.documentElement.scrollWidth <= document.documentElement.clientWidth`, &fits))
	if !fits {
		t.Errorf("the roster page is wider than the phone (%s)", c.shot("roster-overflow"))
	}
	var scrolls bool
	c.run(chromedp.Evaluate(`(() => { const s = document.querySelector(".roster-scroll"); return s.scrollWidth > s.clientWidth; })()`, &scrolls))
	if !scrolls {
		t.Error("the week grid does not scroll inside its box on a phone")
	}
	c.shot("roster")

	input := fmt.Sprintf("#assign-%d", gap.ID)
	c.run(chromedp.Focus(input, chromedp.ByQuery), chromedp.SendKeys(input, "duty-officer-4"+kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery))
	var loc string
	c.run(chromedp.Location(&loc))
	if !strings.HasSuffix(loc, fmt.Sprintf("#slot-%d", gap.ID)) {
		t.Errorf("after assigning, the page is %s, want the slot's anchor", loc)
	}
	if got := c.text(fmt.Sprintf("#slot-%d", gap.ID)); strings.Contains(got, "缺") || !strings.Contains(got, "duty-officer-4") {
		t.Errorf("the assigned slot reads %q", got)
	}

	input = fmt.Sprintf("#assign-%d", night.ID)
	c.run(chromedp.Focus(input, chromedp.ByQuery), chromedp.SendKeys(input, "duty-officer-1", chromedp.ByQuery),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter), // to the button, and press it
		chromedp.WaitVisible(fmt.Sprintf("#slot-%d-err", night.ID), chromedp.ByQuery))
	if got := c.text(fmt.Sprintf("#slot-%d-err", night.ID)); !strings.Contains(got, "违反最短休息规则") {
		t.Errorf("the refusal reads %q", got)
	}
	var state struct {
		Value  string `json:"value"`
		Active string `json:"active"`
	}
	c.run(chromedp.Evaluate(fmt.Sprintf(`({value: document.querySelector(%q).value, active: document.activeElement.id})`, input), &state))
	if state.Value != "duty-officer-1" || "#"+state.Active != input {
		t.Errorf("after the refusal the input holds %q and the focus is on %q", state.Value, state.Active)
	}
	c.fitsPhone("roster-refused")
	c.shot("roster-refused")
	c.check()
}
