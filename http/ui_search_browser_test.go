package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

// TestBrowserFindAPerson: a commander on a 390 px phone finds a person from
// the header's search box — by name, then by ID number — and sees the
// person's lead; the query never reaches the URL; a mistyped ID number is
// refused with the specific reason; the page does not overflow the phone.
func TestBrowserFindAPerson(t *testing.T) {
	f := newUIFixture(t, false)
	b := newBrowser(t, "")
	lead := f.createLead("210102199001011237", "欧阳娜娜", "沈阳市和平区水源地社区3号楼", false)
	f.createLead(uiIDNumber, "张三", uiAddrHome, false)

	cmd := b.person("commander-search", 390, 844, true)
	cmd.login(f.url, uiCommander, scenario.Password, "#search-q") // the header: the live section is swapped as events arrive
	row := fmt.Sprintf(`#lead-table tr[data-lead="%d"]`, lead)
	cmd.run(
		chromedp.SendKeys("#search-q", "欧阳 娜娜", chromedp.ByQuery),
		chromedp.Submit("#search-q", chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
	)
	var url string
	var rows int
	var overflow bool
	cmd.run(
		chromedp.Location(&url),
		chromedp.Evaluate(`document.querySelectorAll("#lead-table tbody tr[data-lead]").length`, &rows),
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
	)
	if strings.Contains(url, "%") || strings.Contains(url, "q=") || !strings.HasSuffix(url, "/search") {
		t.Errorf("the search's URL is %q: the query must stay out of it", url)
	}
	if rows != 1 {
		t.Errorf("%d rows found by name, want 1", rows)
	}
	if overflow {
		t.Errorf("the search results overflow a 390 px phone")
	}
	cmd.shot("search-name")

	cmd.run(
		chromedp.Evaluate(`document.getElementById("search-q").value = ""`, nil),
		chromedp.SendKeys("#search-q", "210102199001011238", chromedp.ByQuery),
		chromedp.Submit("#search-q", chromedp.ByQuery),
		chromedp.WaitVisible("#search-error", chromedp.ByQuery),
	)
	if got := cmd.text("#search-error"); !strings.Contains(got, "校验") {
		t.Errorf("a mistyped ID number reads %q, want the check character named", got)
	}
	cmd.run(
		chromedp.Evaluate(`document.getElementById("search-q").value = ""`, nil),
		chromedp.SendKeys("#search-q", "210102199001011237", chromedp.ByQuery),
		chromedp.Submit("#search-q", chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
	)
	cmd.shot("search-id")
	cmd.check()
}
