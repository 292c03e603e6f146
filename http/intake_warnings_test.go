package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestIntakeWarnings imports a manifest whose rows all identify a person
// and give an address — Hong Kong, Japan, an origin no index knows, a day
// that never was, an ID number known under another name — beside one
// rejected row. Nothing but the bad row is rejected; the import's API and
// page count the warnings; the report has them apart (a CSV section, a
// workbook's sheet 警告); the lead merged under another name carries the
// mark in its JSON and on its page.
func TestIntakeWarnings(t *testing.T) {
	f := newUIFixture(t, false)
	known := f.createLead("11010519491231002X", "陈大文", uiAddrHome, false)
	manifest := "姓名,身份证号,手机号,现住址,出发地,到达日期\r\n" +
		"陈小文,11010519491231002X,13800138000," + uiAddrHome + ",香港,2020-01-22\r\n" +
		"佐藤,,13900139000,沈阳市和平区水源地社区5号楼,日本,2020-01-23\r\n" +
		"李四,210102199001011237,13900139001,沈阳市和平区水源地社区7号楼,火星基地,2月30日\r\n" +
		"王五,110105194912310021,13900139002,沈阳市沈河区,武汉,2020-01-22\r\n"
	im := f.importCSV(t, "名单.csv", manifest)
	c := im.Counts
	if c.Rows != 4 || c.Rejected != 1 || c.Warnings != 3 || c.Merged != 1 || c.LeadsCreated != 2 {
		t.Fatalf("counts %+v, want 4 rows, 1 rejected, 3 warnings, 1 merged, 2 leads", c)
	}

	var lead struct {
		Marks []string `json:"marks"`
	}
	f.api(uiCommander, "GET", fmt.Sprintf("/leads/%d", known), nil, http.StatusOK, &lead)
	if len(lead.Marks) != 1 || lead.Marks[0] != "name_mismatch" {
		t.Errorf("lead JSON marks %v, want [name_mismatch]", lead.Marks)
	}
	cmd := f.session(uiCommander)
	resp, body := f.get(fmt.Sprintf("/leads/%d", known), cmd)
	checkPage(t, "/leads/{id}", resp, body)
	if !strings.Contains(body, `data-mark="name_mismatch"`) || !strings.Contains(body, "姓名不一致") {
		t.Error("the lead page shows no name mismatch")
	}

	resp, body = f.get(fmt.Sprintf("/imports/%d", im.ID), cmd)
	checkPage(t, "/imports/{id}", resp, body)
	for _, want := range []string{`data-count="warnings">3<`, `data-count="rejected">1<`, `id="warnings-hint"`, "下载问题行报告（1 行）"} {
		if !strings.Contains(body, want) {
			t.Errorf("the import's page lacks %s", want)
		}
	}

	report := f.download(t, fmt.Sprintf("/imports/%d/rejects", im.ID))
	text := string(report)
	heading := strings.Index(text, "原行号,警告说明,警告代码,警告列,姓名,身份证号")
	if heading < 0 || !strings.Contains(text[:heading], "5,身份证号校验位不符") {
		t.Fatalf("CSV report has no warnings section after its reject:\n%s", text)
	}
	for _, want := range []string{"\r\n2,", "name_mismatch,姓名,陈小文", "\r\n4,", "origin_unknown,出发地,李四", "arrival_date_invalid,到达日期,李四"} {
		if !strings.Contains(text[heading:], want) {
			t.Errorf("the warnings section lacks %q:\n%s", want, text[heading:])
		}
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.download(t, fmt.Sprintf("/imports/%d/rejects?format=xlsx", im.ID))))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rejects, _ := x.GetRows("问题行")
	warnings, err := x.GetRows("警告")
	if err != nil || len(rejects) != 2 || len(warnings) != 4 || warnings[1][0] != "2" || warnings[1][3] != "姓名" {
		t.Errorf("workbook: rejects %q, warnings %q (%v)", rejects, warnings, err)
	}

	// Warnings alone: the page offers the report all the same.
	only := f.importCSV(t, "名单2.csv", "姓名,身份证号,手机号,现住址,出发地\r\n赵六,,13900139003,"+uiAddrHome+",火星\r\n")
	if only.Counts.Rejected != 0 || only.Counts.Warnings != 1 {
		t.Fatalf("counts %+v", only.Counts)
	}
	_, body = f.get(fmt.Sprintf("/imports/%d", only.ID), cmd)
	if !strings.Contains(body, "下载报告（1 条警告）") || strings.Contains(body, "下载问题行报告") {
		t.Error("an import with warnings only does not offer its report")
	}
}

// importedWithWarnings is an import as the API reads it, with warnings.
type importedWithWarnings struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Counts struct {
		Rows         int `json:"rows"`
		Rejected     int `json:"rejected"`
		Merged       int `json:"merged"`
		LeadsCreated int `json:"leads_created"`
		Warnings     int `json:"warnings"`
	} `json:"counts"`
}

// importCSV imports a CSV file through the API as the commander and waits
// for it to finish.
func (f *uiFixture) importCSV(t *testing.T, name, content string) importedWithWarnings {
	t.Helper()
	body, ctype := uploadForm(t, name, []byte(content), "source", "rail")
	req, _ := http.NewRequest("POST", f.url+"/api/v1/imports", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+f.tokens[uiCommander])
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var im importedWithWarnings
	json.NewDecoder(resp.Body).Decode(&im)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("import: status %d", resp.StatusCode)
	}
	for deadline := time.Now().Add(20 * time.Second); im.Status != "done"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("import %d is %s", im.ID, im.Status)
		}
		f.api(uiCommander, "GET", fmt.Sprintf("/imports/%d", im.ID), nil, http.StatusOK, &im)
	}
	return im
}

// download reads an API file as the commander.
func (f *uiFixture) download(t *testing.T, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", f.url+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[uiCommander])
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}
