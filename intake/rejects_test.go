package intake

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"github.com/epiloop/epiloop"
)

// TestRejectsRoundTrip reads a noisy manifest, writes its rejects report,
// and reads the report back as a clerk would re-import it: the same rows,
// the same reasons, the added columns neither data nor extras.
func TestRejectsRoundTrip(t *testing.T) {
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		for _, lang := range []string{"zh", "en"} {
			t.Run(string(format)+"/"+lang, func(t *testing.T) {
				var src bytes.Buffer
				sum, err := Generate(&src, GenOptions{Rows: 3000, Seed: 5, Format: format, Noise: 0.3})
				if err != nil {
					t.Fatal(err)
				}
				r := openBytes(t, src.Bytes(), Options{Regions: testRegions()})
				info := r.Info()
				var report bytes.Buffer
				rw, err := NewRejectWriter(&report, info.Format, info.Headers(), lang)
				if err != nil {
					t.Fatal(err)
				}
				var rejected []Row
				for _, row := range readAll(t, r) {
					if err := rw.Write(&row); err != nil {
						t.Fatal(err)
					}
					if !row.Valid() {
						rejected = append(rejected, row)
					}
				}
				if err := rw.Close(); err != nil {
					t.Fatal(err)
				}
				if len(rejected) != sum.Invalid || rw.Count() != sum.Invalid {
					t.Fatalf("%d rejected, %d written, generator made %d invalid", len(rejected), rw.Count(), sum.Invalid)
				}
				if format == FormatCSV && !bytes.HasPrefix(report.Bytes(), []byte("\ufeff")) {
					t.Error("CSV report has no byte-order mark")
				}

				back := openBytes(t, report.Bytes(), Options{Regions: testRegions()})
				binfo := back.Info()
				if binfo.Format != format {
					t.Errorf("report format = %s, want %s", binfo.Format, format)
				}
				if len(binfo.Extra) != 0 {
					t.Errorf("report read back has extra columns %q", binfo.Extra)
				}
				for _, c := range info.Columns {
					if bc := binfo.Columns[c.Index+4]; bc.Header != c.Header || bc.Field != c.Field {
						t.Errorf("column %d read back as %+v, want %+v", c.Index, bc, c)
					}
				}
				again := readAll(t, back)
				if len(again) != len(rejected) {
					t.Fatalf("%d rows read back, want %d", len(again), len(rejected))
				}
				zhCode := map[string]string{}
				for i, row := range again {
					orig := rejected[i]
					if row.Reject.Code != orig.Reject.Code {
						t.Errorf("row %d: code %q read back, was %q", i, row.Reject.Code, orig.Reject.Code)
					}
					if line, _ := strconv.Atoi(row.Cells[0]); line != orig.Line {
						t.Errorf("row %d: source row %q, want %d", i, row.Cells[0], orig.Line)
					}
					if row.Cells[2] != orig.Reject.Code {
						t.Errorf("row %d: code cell %q, want %q", i, row.Cells[2], orig.Reject.Code)
					}
					if want := info.Columns[max(orig.Reject.Column, 0)].Header; orig.Reject.Column >= 0 && row.Cells[3] != want {
						t.Errorf("row %d: column cell %q, want %q", i, row.Cells[3], want)
					}
					zh, en := Describe(orig.Reject.Code)
					if want := map[string]string{"zh": zh, "en": en}[lang]; row.Cells[1] != want {
						t.Errorf("row %d: message %q, want %q", i, row.Cells[1], want)
					}
					zhCode[orig.Reject.Code] = row.Cells[1]
					if !slices.Equal(row.Cells[4:4+len(orig.Cells)], orig.Cells) {
						t.Errorf("row %d: cells %q, want %q", i, row.Cells[4:], orig.Cells)
					}
				}
				if len(zhCode) < 4 {
					t.Errorf("only reasons %v among the rejects", zhCode)
				}
			})
		}
	}
}

func TestRejectWriterFormat(t *testing.T) {
	_, err := NewRejectWriter(&bytes.Buffer{}, "pdf", nil, "zh")
	if epiloop.ErrorReason(err) != ReasonRejectsUnsupported {
		t.Errorf("err = %v", err)
	}
}
