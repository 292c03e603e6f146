package http_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/scenario"
)

// The intake pages: upload, preview (writing nothing), commit, progress,
// counts and the rejects report, in a browser and over plain HTTP.

// manifest writes a generated passenger manifest with noise to dir and
// returns its path and what it holds.
func manifest(t testing.TB, dir, name string, opts intake.GenOptions) (string, intake.GenSummary) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := intake.Generate(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, sum
}

// gbkManifest is the manifest of the intake tests: a GBK CSV with a fifth
// of its rows noisy.
func gbkManifest(t testing.TB, dir string, rows int) (string, intake.GenSummary) {
	return manifest(t, dir, "G1234旅客名单.csv", intake.GenOptions{Rows: rows, Seed: 11, Encoding: intake.EncodingGB18030, Noise: 0.2})
}

// importJSONView is an import as the API reads it.
type importJSONView struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Counts struct {
		Rows         int `json:"rows"`
		Accepted     int `json:"accepted"`
		Rejected     int `json:"rejected"`
		Merged       int `json:"merged"`
		LeadsCreated int `json:"leads_created"`
		TasksCreated int `json:"tasks_created"`
		Unroutable   int `json:"unroutable"`
	} `json:"counts"`
}

// TestBrowserIntake has the commander upload a GBK manifest, read the
// detected encoding and the column mapping before anything is written,
// commit, watch the progress reach done, download the rejects report,
// and upload the same content again under another name.
func TestBrowserIntake(t *testing.T) {
	f := newUIFixture(t, false)
	dir := t.TempDir()
	path, sum := gbkManifest(t, dir, 6000)
	b := newBrowser(t, "")
	cmd := b.person("commander", 1280, 800, false)
	cmd.login(f.url, uiCommander, scenario.Password, "#dash-live")
	cmd.click(`nav.nav a[href="/imports"]`)
	cmd.run(
		chromedp.WaitVisible("#import-form", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{path}, chromedp.ByQuery),
		chromedp.SendKeys("#ref", "铁路公安 第3批", chromedp.ByQuery),
	)
	cmd.shot("choose")
	cmd.run(chromedp.Click("#preview-submit", chromedp.ByQuery), chromedp.WaitVisible("#file-info", chromedp.ByQuery))
	if got := cmd.text(`#file-info [data-field="encoding"]`); !strings.Contains(got, "GBK") {
		t.Errorf("encoding reads %q, want GBK", got)
	}
	var mapping map[string]string
	cmd.run(chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("#mapping tbody tr")].map(r => [r.dataset.header, r.dataset.field]))`, &mapping))
	for h, want := range map[string]string{"身份证号": "id_number", "姓名": "name", "手机号": "phone", "目的地址": "address", "车次": "train", "出发地区划代码": "origin_code"} {
		if mapping[h] != want {
			t.Errorf("column %s maps to %q, want %q (mapping %v)", h, mapping[h], want, mapping)
		}
	}
	var verdicts int
	cmd.run(chromedp.Evaluate(`document.querySelectorAll("#preview-rows tr[data-line]").length`, &verdicts))
	if verdicts != 20 {
		t.Errorf("the preview shows %d rows, want the first 20", verdicts)
	}
	if n := f.overview(uiCommander)["received"]; n != 0 {
		t.Fatalf("the preview wrote %d leads", n)
	}
	cmd.shot("preview")

	cmd.run(chromedp.Click("#commit", chromedp.ByQuery), chromedp.WaitVisible("#import-live", chromedp.ByQuery))
	var first string
	cmd.run(chromedp.AttributeValue("#import-live", "data-status", &first, nil, chromedp.ByQuery))
	cmd.shot("progress")
	cmd.waitJS(`document.getElementById("import-live").dataset.status === "done"`)
	t.Logf("the page opened on an import %s and followed it to done", first)
	var loc string
	cmd.run(chromedp.Location(&loc))
	m := regexp.MustCompile(`/imports/(\d+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("the import's page is %s", loc)
	}
	var im importJSONView
	f.api(uiCommander, "GET", "/imports/"+m[1], nil, http.StatusOK, &im)
	if im.Counts.Rows != sum.Rows || im.Counts.Rejected != sum.Invalid {
		t.Errorf("import counts %+v, want %d rows with %d rejected", im.Counts, sum.Rows, sum.Invalid)
	}
	var shown map[string]string
	cmd.run(chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("[data-count]")].map(e => [e.dataset.count, e.textContent.trim()]))`, &shown))
	for k, v := range map[string]int{"rows": im.Counts.Rows, "accepted": im.Counts.Accepted, "rejected": im.Counts.Rejected, "merged": im.Counts.Merged,
		"leads_created": im.Counts.LeadsCreated, "tasks_created": im.Counts.TasksCreated, "unroutable": im.Counts.Unroutable} {
		if shown[k] != strconv.Itoa(v) {
			t.Errorf("the page shows %s = %q, the API %d", k, shown[k], v)
		}
	}
	if got := cmd.text("#import-percent"); got != "100%" {
		t.Errorf("the progress reads %q at the end", got)
	}
	cmd.shot("done")

	// The rejects report, downloaded as a person would.
	dl := t.TempDir()
	cmd.run(
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dl),
		chromedp.Click("#rejects-link", chromedp.ByQuery),
	)
	report := filepath.Join(dl, "import-"+m[1]+"-rejects.csv")
	var data []byte
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		if data, err = os.ReadFile(report); err == nil && len(data) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rejects report downloaded to %s", dl)
		}
		time.Sleep(100 * time.Millisecond)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != im.Counts.Rejected+1 || recs[0][0] != "原行号" {
		t.Errorf("the rejects report has %d lines (header %q), want a header and %d rows", len(recs), recs[0], im.Counts.Rejected)
	}

	// The same content under another name: already imported.
	again := filepath.Join(dir, "renamed.csv")
	orig, _ := os.ReadFile(path)
	os.WriteFile(again, orig, 0o644)
	cmd.run(
		chromedp.Click(`a.button[href="/imports"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#import-form", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{again}, chromedp.ByQuery),
		chromedp.Click("#preview-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#commit", chromedp.ByQuery),
		chromedp.Click("#commit", chromedp.ByQuery),
		chromedp.WaitVisible("#import-again", chromedp.ByQuery),
	)
	if got := cmd.text(`[data-count="rejected"]`); got != strconv.Itoa(im.Counts.Rejected) {
		t.Errorf("the re-upload shows %s rejected, want the earlier %d", got, im.Counts.Rejected)
	}
	if got := f.overview(uiCommander)["received"]; got != int64(im.Counts.LeadsCreated) {
		t.Errorf("%d leads after the re-upload, want the first import's %d", got, im.Counts.LeadsCreated)
	}
	cmd.shot("again")
	cmd.check()
}

// uploadForm builds an upload form with the given fields.
func uploadForm(t testing.TB, file string, content []byte, fields ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	if file != "" {
		fw, err := w.CreateFormFile("file", file)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// TestIntakeForms posts the intake forms as a browser without script
// would.
func TestIntakeForms(t *testing.T) {
	f := newUIFixture(t, false)
	dir := t.TempDir()
	path, sum := gbkManifest(t, dir, 300)
	content, _ := os.ReadFile(path)
	cmd := f.session(uiCommander)
	upload := func(sess, file string, content []byte, fields ...string) (*http.Response, string) {
		t.Helper()
		body, ctype := uploadForm(t, file, content, fields...)
		return f.do("POST", "/imports/preview", sess, body, "Content-Type", ctype)
	}
	token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)

	t.Run("refused before anything is read", func(t *testing.T) {
		for _, tc := range []struct {
			name, file string
			content    []byte
			fields     []string
			words      string
		}{
			{"no file", "", nil, []string{"source", "rail"}, "file-err"},
			{"no source", "a.csv", content, nil, "请选择来源"},
			{"no header", "a.csv", []byte("210102199001011237,张三\n"), []string{"source", "rail"}, "表头"},
			{"not a table", "a.xlsx", []byte("PK\x03\x04 not a workbook"), []string{"source", "rail"}, "import-error"},
		} {
			resp, body := upload(cmd, tc.file, tc.content, tc.fields...)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.words) {
				t.Errorf("%s: status %d, want 422 with %q: %.200s", tc.name, resp.StatusCode, tc.words, body)
			}
			checkPage(t, "/imports/preview", resp, body)
		}
	})

	var tok string
	t.Run("preview writes nothing", func(t *testing.T) {
		resp, body := upload(cmd, "名单.csv", content, "source", "rail", "ref", "第3批")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		checkPage(t, "/imports/preview", resp, body)
		scan := fmt.Sprintf("全部 %d 行已检查，其中 %d 行有问题", sum.Rows, sum.Invalid)
		for _, want := range []string{"GBK", `data-field="id_number"`, `data-header="身份证号"`, `id="commit"`, scan, `id="reject-examples"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the preview lacks %s", want)
			}
		}
		m := token.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the preview has no token to commit")
		}
		tok = m[1]
		if n := f.overview(uiCommander)["received"]; n != 0 {
			t.Errorf("the preview wrote %d leads", n)
		}
		f.api(uiCommander, "GET", "/imports/1", nil, http.StatusNotFound, nil)
	})
	t.Run("another user's token", func(t *testing.T) {
		resp, _ := f.do("POST", "/imports/commit", f.session(uiAdmin), strings.NewReader(url.Values{"token": {tok}}.Encode()))
		if resp.StatusCode != http.StatusGone {
			t.Errorf("admin commits the commander's upload: status %d, want 410", resp.StatusCode)
		}
	})
	var id string
	t.Run("commit", func(t *testing.T) {
		resp, _ := f.do("POST", "/imports/commit", cmd, strings.NewReader(url.Values{"token": {tok}}.Encode()))
		m := regexp.MustCompile(`^/imports/(\d+)$`).FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("commit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		id = m[1]
		var body string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, body = f.get("/imports/"+id, cmd)
			if strings.Contains(body, `data-status="done"`) || time.Now().After(deadline) {
				break
			}
			if !strings.Contains(body, `hx-trigger="every 1s"`) {
				t.Fatal("a running import's page does not poll")
			}
		}
		checkPage(t, "/imports/"+id, resp, body)
		for _, want := range []string{`data-status="done"`, fmt.Sprintf(`data-count="rejected">%d<`, sum.Invalid), "/api/v1/imports/" + id + "/rejects", `value="100"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the finished import's page lacks %s", want)
			}
		}
		if strings.Contains(body, `hx-trigger="every 1s"`) {
			t.Error("a finished import's page still polls")
		}
		resp, body = f.get("/imports/"+id, cmd, "Accept-Language", "en")
		checkPage(t, "/imports/"+id, resp, body)
		if !strings.Contains(body, "Import done") || !strings.Contains(body, "rejects?lang=en") {
			t.Error("the English page is not in English, or its rejects report is not")
		}
		_, frag := f.get("/imports/"+id, cmd, "HX-Request", "true")
		if strings.Contains(frag, "<html") || !strings.Contains(frag, `id="import-live"`) {
			t.Error("htmx polling gets more than the live part")
		}
		resp, _ = f.do("POST", "/imports/commit", cmd, strings.NewReader(url.Values{"token": {tok}}.Encode()))
		if resp.StatusCode != http.StatusGone {
			t.Errorf("committing a token twice: status %d, want 410", resp.StatusCode)
		}
	})
	t.Run("the same content again", func(t *testing.T) {
		_, body := upload(cmd, "renamed.csv", content, "source", "rail")
		m := token.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no token")
		}
		resp, body := f.do("POST", "/imports/commit", cmd, strings.NewReader(url.Values{"token": {m[1]}}.Encode()))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="import-again"`) || !strings.Contains(body, `/imports/`+id+`/rejects`) {
			t.Errorf("re-upload: status %d, want the earlier import with its counts", resp.StatusCode)
		}
	})
	t.Run("a workbook's sheets", func(t *testing.T) {
		xp, _ := manifest(t, dir, "名单.xlsx", intake.GenOptions{Rows: 30, Seed: 3, Format: intake.FormatXLSX})
		xc, _ := os.ReadFile(xp)
		resp, body := upload(cmd, "名单.xlsx", xc, "source", "rail")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-field="sheet">旅客名单`) || !strings.Contains(body, "Excel") {
			t.Errorf("workbook preview: status %d, want the sheet named", resp.StatusCode)
		}
		m := token.FindStringSubmatch(body)
		resp, body = f.do("POST", "/imports/preview", cmd, strings.NewReader(url.Values{"token": {m[1]}, "sheet": {"没有这个表"}}.Encode()))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "没有指定的工作表") {
			t.Errorf("another sheet that is not there: status %d", resp.StatusCode)
		}
	})
	t.Run("who may import", func(t *testing.T) {
		for user, want := range map[string]int{uiCommander: 200, uiAdmin: 200, uiDistrictHP: 200, uiStation: 403, uiCommittee: 403, uiAnalyst: 403, "auditor": 403} {
			resp, body := f.get("/imports", f.session(user))
			if resp.StatusCode != want {
				t.Errorf("%s opens the import page: %d, want %d", user, resp.StatusCode, want)
			}
			checkPage(t, "/imports", resp, body)
		}
		if resp, _ := f.get("/imports/"+id, f.session(uiAdmin)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("admin reads the commander's import: %d, want 404", resp.StatusCode)
		}
	})
}

// importedManifest imports a generated manifest through the API as the
// commander and waits for it to finish; it returns the import's id.
func importedManifest(t *testing.T, f *uiFixture) int64 {
	t.Helper()
	var buf bytes.Buffer
	if _, err := intake.Generate(&buf, intake.GenOptions{Rows: 2000, Seed: 5, Encoding: intake.EncodingGB18030, Noise: 0.2}); err != nil {
		t.Fatal(err)
	}
	body, ctype := uploadForm(t, "K27旅客名单.csv", buf.Bytes(), "source", "rail", "ref", "铁路公安 第2批")
	req, _ := http.NewRequest("POST", f.url+"/api/v1/imports", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+f.tokens[uiCommander])
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var im importJSONView
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
	return im.ID
}

// shootImportPreview photographs the preview of a GBK manifest, for
// docs/screenshots.
func shootImportPreview(t *testing.T, f *uiFixture, tb *tab, desktop, phone chromedp.Action) {
	t.Helper()
	path, _ := gbkManifest(t, t.TempDir(), 500)
	tb.run(network.ClearBrowserCookies(), desktop)
	tb.login(f.url, uiCommander, scenario.Password, "nav.nav")
	tb.run(
		chromedp.Navigate(f.url+"/imports"),
		chromedp.WaitVisible("#import-form", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{path}, chromedp.ByQuery),
		chromedp.SendKeys("#ref", "铁路公安 第3批", chromedp.ByQuery),
		chromedp.Click("#preview-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#file-info", chromedp.ByQuery),
	)
	tb.shotAs("import-preview-desktop.png")
	tb.run(phone, chromedp.Sleep(200*time.Millisecond))
	tb.shotAs("import-preview-phone.png")
}
