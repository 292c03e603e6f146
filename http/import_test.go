package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop/intake"
	"github.com/xuri/excelize/v2"
)

// manifestFile generates a manifest in a format and encoding.
func manifestFile(t testing.TB, rows int, format intake.Format, enc intake.Encoding) ([]byte, intake.GenSummary) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := intake.Generate(&buf, intake.GenOptions{Rows: rows, Seed: 7, Format: format, Encoding: enc, Noise: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), sum
}

// upload posts a multipart import.
func (f *fixture) upload(as, path, name string, file []byte, fields map[string]string) *response {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		w, _ := mw.CreateFormFile("file", name)
		w.Write(file)
	}
	mw.Close()
	return f.do(request{Method: "POST", Path: path, As: as, Body: body.Bytes(),
		Header: map[string]string{"Content-Type": mw.FormDataContentType()}})
}

type importJSON struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	Error    string `json:"error"`
	Counts   struct {
		Rows, Accepted, Rejected, Merged int
		LeadsCreated                     int `json:"leads_created"`
		TasksCreated                     int `json:"tasks_created"`
		Unroutable                       int
	} `json:"counts"`
	Progress *struct {
		Fraction float64 `json:"fraction"`
	} `json:"progress"`
}

// waitImport polls until the import is done.
func (f *fixture) waitImport(as string, id int64) importJSON {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var im importJSON
		f.call(request{Method: "GET", Path: fmt.Sprintf("/imports/%d", id), As: as}, 200, &im)
		if im.Status == "done" || im.Status == "failed" || time.Now().After(deadline) {
			return im
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportUpload(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		file   string
		format intake.Format
		enc    intake.Encoding
	}{
		{"csv utf-8", "manifest.csv", intake.FormatCSV, intake.EncodingUTF8},
		{"csv utf-8 bom", "manifest-bom.csv", intake.FormatCSV, intake.EncodingUTF8BOM},
		{"csv gbk", "manifest-gbk.csv", intake.FormatCSV, intake.EncodingGB18030},
		{"xlsx", "manifest.xlsx", intake.FormatXLSX, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			sum, err := intake.Generate(&buf, intake.GenOptions{Rows: 300, Seed: uint64(100 + i), Format: tt.format, Encoding: tt.enc, Noise: 0.2})
			if err != nil {
				t.Fatal(err)
			}
			res := f.upload(uCommander, "/imports", tt.file, buf.Bytes(), map[string]string{"source": "rail", "ref": "G1234"})
			if res.Status != http.StatusAccepted {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
			var started importJSON
			json.Unmarshal(res.Body, &started)
			im := f.waitImport(uCommander, started.ID)
			if im.Status != "done" || im.Counts.Rows != sum.Rows || im.Counts.Rejected != sum.Invalid {
				t.Fatalf("import = %+v, want done with %d rows, %d rejected", im, sum.Rows, sum.Invalid)
			}
			if im.Format != string(tt.format) || im.Progress == nil || im.Progress.Fraction != 1 {
				t.Errorf("format %q progress %+v", im.Format, im.Progress)
			}
			rej := f.do(request{Method: "GET", Path: fmt.Sprintf("/imports/%d/rejects", im.ID), As: uCommander})
			if rej.Status != 200 {
				t.Fatalf("rejects: %d %s", rej.Status, rej.Body)
			}
			switch tt.format {
			case intake.FormatXLSX:
				x, err := excelize.OpenReader(bytes.NewReader(rej.Body))
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := x.GetRows(x.GetSheetName(0))
				if len(rows) != sum.Invalid+1 {
					t.Errorf("rejects workbook has %d rows, want %d + header", len(rows), sum.Invalid)
				}
			default:
				if !bytes.HasPrefix(rej.Body, []byte("\ufeff")) {
					t.Errorf("rejects CSV has no BOM")
				}
				if n := strings.Count(string(rej.Body), "\r\n"); n != sum.Invalid+1 {
					t.Errorf("rejects CSV has %d lines, want %d + header", n, sum.Invalid)
				}
			}
			again := f.upload(uCommander, "/imports", "renamed-"+tt.file, buf.Bytes(), map[string]string{"source": "rail"})
			var second importJSON
			json.Unmarshal(again.Body, &second)
			if again.Status != 200 || second.ID != im.ID {
				t.Errorf("re-upload: %d id %d, want 200 with import %d", again.Status, second.ID, im.ID)
			}
		})
	}
}

func TestImportUploadRefused(t *testing.T) {
	f := newFixture(t)
	good, _ := manifestFile(t, 10, intake.FormatCSV, intake.EncodingUTF8)
	tests := []struct {
		name       string
		as         string
		file       []byte
		fields     map[string]string
		wantStatus int
		wantField  string
	}{
		{"no identity columns", uCommander, []byte("车次,座位\nG1,01A\n"), map[string]string{"source": "rail"}, 400, "file"},
		{"empty file", uCommander, []byte{}, map[string]string{"source": "rail"}, 400, "file"},
		{"no file", uCommander, nil, map[string]string{"source": "rail"}, 400, "file"},
		{"bad source", uCommander, good, map[string]string{"source": "fax"}, 400, "source"},
		{"unknown field", uCommander, good, map[string]string{"source": "rail", "x": "1"}, 400, "x"},
		{"analyst may not import", uAnalyst, good, map[string]string{"source": "rail"}, 403, ""},
		{"station may not import", uStation, good, map[string]string{"source": "rail"}, 403, ""},
		{"no token", "", good, map[string]string{"source": "rail"}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.upload(tt.as, "/imports", "m.csv", tt.file, tt.fields)
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.wantStatus, res.Body)
			}
			if e := errorOf(t, res); e.Error.Field != tt.wantField {
				t.Errorf("field %q, want %q", e.Error.Field, tt.wantField)
			}
		})
	}
	res := f.do(request{Method: "POST", Path: "/imports", As: uCommander, Body: "{}"})
	if res.Status != 400 {
		t.Errorf("JSON body: %d", res.Status)
	}
	if res := f.do(request{Method: "GET", Path: "/imports/999", As: uCommander}); res.Status != 404 {
		t.Errorf("unknown import: %d", res.Status)
	}
}

func TestImportPreview(t *testing.T) {
	f := newFixture(t)
	file, _ := manifestFile(t, 50, intake.FormatCSV, intake.EncodingGB18030)
	res := f.upload(uCommander, "/imports/preview", "m.csv", file, map[string]string{"source": "rail"})
	if res.Status != 200 {
		t.Fatalf("preview: %d %s", res.Status, res.Body)
	}
	var p struct {
		Info struct {
			Format, Encoding string
			Columns          []struct{ Header, Field string }
		}
		Rows []struct{ Valid bool }
	}
	json.Unmarshal(res.Body, &p)
	if p.Info.Format != "csv" || p.Info.Encoding != "gb18030" || len(p.Rows) != 20 || len(p.Info.Columns) == 0 {
		t.Errorf("preview = %+v", p)
	}
	// A preview writes nothing.
	var m map[string]int64
	f.call(request{Method: "GET", Path: "/stats/overview", As: uCommander}, 200, &m)
	if m["received"] != 0 {
		t.Errorf("preview created %d leads", m["received"])
	}
}
