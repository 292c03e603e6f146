package http_test

import (
	"flag"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/scenario"
)

var screenshots = flag.String("screenshots", "", "write a desktop (1280×800) and a phone (390×844) screenshot of every page to this directory")

// TestScreenshots photographs every page on the demo's data, on a desktop
// and on a phone, for docs/screenshots:
//
//	go test ./http -run TestScreenshots -args -screenshots ../docs/screenshots
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("no -screenshots directory given")
	}
	f := newUIFixture(t, true)
	b := newBrowser(t, *screenshots)
	tb := b.person("screens", 1280, 800, false)

	var conflicts, unroutable, open struct {
		Items []struct {
			ID   int64 `json:"id"`
			Lead struct {
				ID int64 `json:"id"`
			} `json:"lead"`
		} `json:"items"`
	}
	f.api(uiCommander, "GET", "/leads?status=conflict&per_page=1", nil, http.StatusOK, &conflicts)
	f.api(uiCommander, "GET", "/leads?status=unroutable&per_page=1", nil, http.StatusOK, &unroutable)
	f.api(uiStation, "GET", "/tasks?status=open&per_page=1", nil, http.StatusOK, &open)
	if len(conflicts.Items) == 0 || len(unroutable.Items) == 0 || len(open.Items) == 0 {
		t.Fatal("the demo data lacks a conflict, an unroutable lead or an open task")
	}
	alert := alertingPlan(t, f)
	imported := importedManifest(t, f)

	type shot struct{ name, path, ready string }
	sets := []struct {
		user  string
		shots []shot
	}{
		{"", []shot{{"login", "/login", "#login-submit"},
			{"desk", "/desk", "#desk-form"},
			{"desk-track", "/desk/track", "#desk-track-form"},
		}},
		{"desk-hotline", []shot{
			{"desk-tickets", "/desk/tickets", "#desk-table"},
			{"desk-ticket", "/desk/tickets/1", "#desk-clocks"},
			{"desk-hotline", "/desk/hotline", "#desk-form"},
			{"desk-slots", "/desk/slots", "#desk-slots"},
		}},
		{uiCommander, []shot{
			{"dashboard", "/dashboard", "#dash-live"},
			{"leads", "/leads", "#lead-table"},
			{"lead-conflict", fmt.Sprintf("/leads/%d", conflicts.Items[0].ID), "#adjudicate-form"},
			{"conflicts", "/conflicts", "#queue-live"},
			{"unroutable", "/unroutable", "#queue-live"},
			{"route", fmt.Sprintf("/leads/%d/route?street=210102001", unroutable.Items[0].ID), "#picker"},
			{"places", "/places", "#places-table"},
			{"place", "/places/" + scenario.DemoFoundOpen, "#rectifications"},
			{"place-inspect", "/places/" + scenario.DemoFoundOpen + "/inspect", "#inspect-form"},
			{"deployments", "/forces/deployments", "#coverage"},
			{"merge", "/persons/merge", "#candidates"},
			{"cases", "/cases", "#cases-table"},
			{"case", "/cases/1", "#custody-check"}, // the demo's first case: the large counterfeit-mask case
			{"case-new", "/cases/new", "#case-form"},
			{"xcity", "/xcity?direction=in", "#xcity-list"},
		}},
		{uiStation, []shot{
			{"patrols", "/patrols", "#patrol-form"},
			{"forces", "/forces", "#volunteer-list"},
			{"inbox", "/inbox", "#inbox-live"},
			{"task", fmt.Sprintf("/inbox/leads/%d", open.Items[0].Lead.ID), "#feedback-form"},
		}},
		{uiAdmin, []shot{
			{"admin-users", "/admin/users", "#user-table"},
			{"admin-units", "/admin/units?district=210102", ".grid"},
			{"admin-mapping", "/admin/mapping", "#file"},
		}},
		{uiCommander, []shot{
			{"checkpoints", "/checkpoints", "#checkpoint-table"},
			{"observation-sites", "/observations/sites", "#site-table"},
			{"import", "/imports", "#import-form"},
			{"import-status", fmt.Sprintf("/imports/%d", imported), `#import-live[data-status="done"]`},
			{"command", "/command", "#command-tree"},
			{"duty-now", "/duty/now?node=CMD-HQ", "#duty-now"},
			{"roster", "/roster?node=CMD-HQ", "#roster"},
		}},
		{uiCommittee, []shot{
			{"observations", "/observations", "#obs-list"},
			{"observation", fmt.Sprintf("/observations/%d", alert), "#check-form"},
		}},
		{uiCheckpointOfficer, []shot{
			{"checkpoint", "/checkpoints/CK0001", "#screening-form"},
		}},
		{"duty-officer-1", []shot{
			{"handover", "/duty/handover", "#handovers"},
		}},
		{"duty-leader-hq", []shot{
			{"duty-inbox", "/duty/inbox", "#duty-inbox"},
		}},
		{"auditor", []shot{
			{"audit", "/audit", "#audit-table"},
		}},
		{scenario.DetentionAccounts[0].Name, []shot{
			{"detention", "/detention", "#facilities"},
			{"detention-facility", "/detention/" + scenario.DemoFacility, "#intake-form"},
		}},
		{uiCommander, []shot{
			{"report", "/reports/daily", "#report-day"},
			{"report-print", "/reports/daily/print", "#print-title"},
		}},
	}
	viewports := []struct {
		name string
		vp   chromedp.EmulateAction
	}{
		{"desktop", chromedp.EmulateViewport(1280, 800)},
		{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)},
	}
	for _, set := range sets {
		tb.run(network.ClearBrowserCookies())
		if set.user != "" {
			tb.login(f.url, set.user, scenario.Password, "nav.nav")
		}
		for _, s := range set.shots {
			for _, v := range viewports {
				tb.run(v.vp, chromedp.Navigate(f.url+s.path), chromedp.WaitVisible(s.ready, chromedp.ByQuery))
				if s.name == "dashboard" {
					tb.waitJS(`!!window.echarts && !!echarts.getInstanceByDom(document.getElementById("chart-series"))`)
					tb.run(chromedp.Sleep(300 * time.Millisecond))
				}
				tb.shotAs(s.name + "-" + v.name + ".png")
			}
		}
	}
	shootScreeningResult(t, f, tb, viewports[0].vp, viewports[1].vp)
	shootImportPreview(t, f, tb, viewports[0].vp, viewports[1].vp)
	tb.check()
}
