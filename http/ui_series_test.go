package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
)

var (
	chartAttr = regexp.MustCompile(`id="dash-data" hidden data-chart="([^"]*)"`)
	kindsAttr = regexp.MustCompile(`data-live-kinds="([^"]*)"`)
)

// TestDashboardSeriesCountsImports: leads imported through the API reach
// the dashboard's hourly series (read from the counters), the lead's
// timeline tells of the import in words, and the live pages listen to
// the domain's event kinds.
func TestDashboardSeriesCountsImports(t *testing.T) {
	f := newUIFixture(t, false)
	file, _ := manifestFile(t, 120, intake.FormatCSV, intake.EncodingUTF8)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("source", "rail")
	w, _ := mw.CreateFormFile("file", "manifest.csv")
	w.Write(file)
	mw.Close()
	resp, out := f.do("POST", "/api/v1/imports", "", &body,
		"Authorization", "Bearer "+f.tokens[uiCommander], "Content-Type", mw.FormDataContentType())
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	var im importJSON
	json.Unmarshal([]byte(out), &im)
	for deadline := time.Now().Add(20 * time.Second); im.Status != "done"; time.Sleep(50 * time.Millisecond) {
		if im.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("import %+v", im)
		}
		f.api(uiCommander, "GET", fmt.Sprintf("/imports/%d", im.ID), nil, http.StatusOK, &im)
	}
	if im.Counts.LeadsCreated == 0 {
		t.Fatalf("import created no lead: %+v", im.Counts)
	}

	session := f.session(uiCommander)
	resp, page := f.get("/dashboard", session)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d %.300s", resp.StatusCode, page)
	}
	checkPage(t, "/dashboard", resp, page)
	m := chartAttr.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("dashboard has no chart data")
	}
	var chart struct {
		Hours     []string `json:"hours"`
		Received  []int64  `json:"received"`
		Closed    []int64  `json:"closed"`
		Escalated []int64  `json:"escalated"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &chart); err != nil {
		t.Fatal(err)
	}
	// The fixture's clock reads 16:00 in Shenyang: the last hour.
	if len(chart.Hours) != 24 || chart.Hours[23] != "16:00" || chart.Hours[0] != "17:00" {
		t.Errorf("hours %v, want the 24 from 17:00 to 16:00", chart.Hours)
	}
	if len(chart.Received) != 24 || chart.Received[23] != int64(im.Counts.LeadsCreated) || total(chart.Received) != int64(im.Counts.LeadsCreated) {
		t.Errorf("received %v, want %d in the last hour only", chart.Received, im.Counts.LeadsCreated)
	}
	if total(chart.Closed) != 0 || total(chart.Escalated) != 0 {
		t.Errorf("closed %v, escalated %v: want none", chart.Closed, chart.Escalated)
	}
	if m := kindsAttr.FindStringSubmatch(page); m == nil || m[1] != strings.Join(epiloop.EventKindNames(), " ") {
		t.Errorf("live kinds %v, want the domain's list", m)
	}

	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	f.api(uiCommander, "GET", "/leads?per_page=1", nil, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("leads: %+v", list)
	}
	path := fmt.Sprintf("/leads/%d", list.Items[0].ID)
	resp, page = f.get(path, session)
	checkPage(t, path, resp, page)
	item := regexp.MustCompile(`<li data-kind="` + regexp.QuoteMeta(epiloop.EventLeadImported) + `">.*?<span>([^<]*)</span>`).FindStringSubmatch(page)
	if want := "批量导入线索（来源：" + epiloop.T(epiloop.LangZH, "source.rail"); item == nil || !strings.HasPrefix(item[1], want) {
		t.Errorf("timeline of an imported lead: %q, want it told in words (%s…)", item, want)
	}
}

func total(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}
