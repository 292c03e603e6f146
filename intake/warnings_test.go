package intake

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestParseRowWarnings: a row that identifies a person and gives an
// address is never rejected for a secondary field — origin, arrival date,
// train, seat, plate: it is taken in with the field kept as written and a
// warning naming the column.
func TestParseRowWarnings(t *testing.T) {
	long := strings.Repeat("G", 300)
	tests := []struct {
		name   string
		change map[string]string
		want   []Field // the fields warned, in order
		check  func(t *testing.T, row *Row)
	}{
		{"good", nil, nil, nil},
		{"Hong Kong", map[string]string{"出发地": "香港"}, nil, origin("81")},
		{"Macao in traditional characters", map[string]string{"出发地": "澳門"}, nil, origin("82")},
		{"Taiwan", map[string]string{"出发地": "台湾"}, nil, origin("71")},
		{"a country", map[string]string{"出发地": "日本"}, nil, origin("F:JP")},
		{"a country by its code", map[string]string{"出发地": "", "出发地代码": "F:KR"}, nil, origin("F:KR")},
		{"origin unknown", map[string]string{"出发地": " 火星 "}, []Field{FieldOrigin}, origin("火星")},
		{"a foreign city", map[string]string{"出发地": "東京"}, []Field{FieldOrigin}, origin("东京")},
		{"origin code unknown, no name", map[string]string{"出发地": "", "出发地代码": "999999"}, []Field{FieldOriginCode}, origin("999999")},
		{"origin too long", map[string]string{"出发地": strings.Repeat("火", 100)}, []Field{FieldOrigin}, origin(strings.Repeat("火", 66))},
		{"no such day", map[string]string{"到达日期": "2月30日"}, []Field{FieldArrivalDate}, func(t *testing.T, row *Row) {
			if row.Reason.ArrivalDate != "" || row.Reason.Note != "到达日期：2月30日" {
				t.Errorf("arrival %q note %q; want none and the text in the note", row.Reason.ArrivalDate, row.Reason.Note)
			}
		}},
		{"no such day, with a note", map[string]string{"到达日期": "2020-02-30", "备注": "咳嗽"}, []Field{FieldArrivalDate}, func(t *testing.T, row *Row) {
			if row.Reason.Note != "咳嗽；到达日期：2020-02-30" {
				t.Errorf("note %q", row.Reason.Note)
			}
		}},
		{"train too long", map[string]string{"车次": long}, []Field{FieldTrain}, func(t *testing.T, row *Row) {
			if row.Train != long[:epiloop.MaxKeptBytes] {
				t.Errorf("train %d bytes, want the first %d kept", len(row.Train), epiloop.MaxKeptBytes)
			}
		}},
		{"plate too long", map[string]string{"车牌": long}, []Field{FieldPlate}, nil},
		{"seat in a mixed encoding", map[string]string{"座位": "05车\xff"}, []Field{FieldSeat}, nil},
		{"two at once", map[string]string{"出发地": "火星", "到达日期": "明天"}, []Field{FieldOrigin, FieldArrivalDate}, nil},
	}
	h := mapHeader(rowHeader)
	p := newParser(h, testRegions(), false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var row Row
			p.parse(&row, cells(tt.change))
			if !row.Valid() {
				t.Fatalf("rejected: %+v", row.Reject)
			}
			var got []Field
			for _, w := range row.Warnings {
				got = append(got, w.Field)
				if want := h.col[w.Field.index()]; w.Column != want {
					t.Errorf("warning %s: column %d, want %d", w.Code, w.Column, want)
				}
				if zh, _ := DescribeWarning(w.Code); zh == w.Code {
					t.Errorf("warning %s has no text", w.Code)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings %+v, want on %v", row.Warnings, tt.want)
			}
			if err := row.Reason.Validate(); err != nil {
				t.Errorf("reason invalid: %v", err)
			}
			if row.Person.IDNumber == "" || row.Address == "" {
				t.Errorf("identity or address lost: %+v %q", row.Person, row.Address)
			}
			if tt.check != nil {
				tt.check(t, &row)
			}
		})
	}
	// The next row starts without the warnings of the one before.
	var row Row
	p.parse(&row, cells(map[string]string{"出发地": "火星"}))
	p.parse(&row, cells(nil))
	if len(row.Warnings) != 0 {
		t.Errorf("warnings carried over: %+v", row.Warnings)
	}
}

func origin(want string) func(t *testing.T, row *Row) {
	return func(t *testing.T, row *Row) {
		t.Helper()
		if row.Reason.Origin != want {
			t.Errorf("origin %q, want %q", row.Reason.Origin, want)
		}
	}
}

func TestDescribeEveryWarning(t *testing.T) {
	for _, code := range []string{
		epiloop.WarningOriginUnknown, epiloop.WarningArrivalDate, epiloop.WarningTooLong,
		epiloop.WarningEncoding, epiloop.WarningNameMismatch,
	} {
		zh, en := DescribeWarning(code)
		if zh == code || en == code || zh == en {
			t.Errorf("DescribeWarning(%q) = %q, %q", code, zh, en)
		}
		if reject, _ := Describe(code); reject == zh {
			t.Errorf("warning %s reads as its reject: %q", code, zh)
		}
	}
}

// heldOut is a manifest like the held-out one whose Hong Kong traveller
// was rejected: valid ID numbers, phones and addresses, origins from Hong
// Kong, abroad and a place no index knows, and a day that is none.
var heldOut = [][]string{
	{"姓名", "身份证号", "手机号", "现住址", "出发地", "到达日期", "车次"},
	{"陈大文", "11010519491231002X", "13800138000", "沈阳市和平区水源地社区12号楼3单元", "香港", "2020-01-22", "G1234"},
	{"佐藤", "", "13900139000", "沈阳市沈河区", "日本", "2020-01-23", "CA157"},
	{"李四", "210102199001011237", "13900139001", "沈阳市和平区南京南社区", "火星基地", "2月30日", "D25"},
}

// readRows reads a file through Rows, as the import takes it.
func readRows(t *testing.T, b []byte) ([]epiloop.ImportRow, Info) {
	t.Helper()
	r := openBytes(t, b, Options{Regions: testRegions()})
	var out []epiloop.ImportRow
	for {
		row, err := (Rows{R: r}).Next()
		if errors.Is(err, io.EOF) {
			return out, r.Info()
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
}

// TestHeldOutManifest reads the manifest as CSV in UTF-8 and GBK and as a
// workbook: every row imported, none rejected, Hong Kong and Japan
// resolved, the unknown origin and the impossible date kept as written
// and warned, with the row's number, column and cells.
func TestHeldOutManifest(t *testing.T) {
	files := []struct {
		name string
		b    []byte
	}{
		{"csv utf-8", encodeCSV(t, heldOut, nil, "", ',')},
		{"csv gbk", encodeCSV(t, heldOut, simplifiedchinese.GBK, "", ',')},
		{"xlsx", xlsxFile(t, []string{"名单"}, map[string][][]any{"名单": anyRows(heldOut)}, nil)},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			rows, info := readRows(t, f.b)
			if len(rows) != 3 {
				t.Fatalf("%d rows, want 3", len(rows))
			}
			for _, r := range rows {
				if r.Reject != nil {
					t.Errorf("row %d rejected: %+v", r.Line, r.Reject)
				}
			}
			if o := rows[0].Reason.Origin; o != "81" || len(rows[0].Warnings) != 0 {
				t.Errorf("Hong Kong: origin %q, warnings %+v; want 81 and none", o, rows[0].Warnings)
			}
			if o := rows[1].Reason.Origin; o != "F:JP" || len(rows[1].Warnings) != 0 {
				t.Errorf("Japan: origin %q, warnings %+v; want F:JP and none", o, rows[1].Warnings)
			}
			third := rows[2]
			if third.Reason.Origin != "火星基地" || third.Reason.ArrivalDate != "" || third.Reason.Note != "到达日期：2月30日" {
				t.Errorf("kept as written: %+v", third.Reason)
			}
			var codes []string
			for _, w := range third.Warnings {
				codes = append(codes, w.Code)
				if !strings.HasPrefix(w.Message, info.Columns[w.Column].Header+"：") {
					t.Errorf("warning %s: message %q does not name its column %q", w.Code, w.Message, info.Columns[w.Column].Header)
				}
			}
			if want := []string{epiloop.WarningOriginUnknown, epiloop.WarningArrivalDate}; !slices.Equal(codes, want) {
				t.Errorf("warnings %v, want %v", codes, want)
			}
			if third.Line != 4 || !slices.Equal(third.Cells, heldOut[3]) || third.NameColumn != 0 {
				t.Errorf("row %d cells %q name column %d", third.Line, third.Cells, third.NameColumn)
			}
		})
	}
}

// TestHeldOutManifestWithoutAddress: without an address the row is still
// rejected for its origin, as before: only a person who can be found is
// taken in on a warning.
func TestHeldOutManifestWithoutAddress(t *testing.T) {
	rows := slices.Clone(heldOut)
	rows[3] = slices.Clone(rows[3])
	rows[3][3] = ""
	got, _ := readRows(t, encodeCSV(t, rows, nil, "", ','))
	if r := got[2].Reject; r == nil || r.Code != ReasonOriginUnknown {
		t.Errorf("row without an address: reject %+v, want %s", r, ReasonOriginUnknown)
	}
}

// TestReportWarnings writes a report with rejects and warnings and reads
// it back: the warnings, with their row numbers, codes and columns, are a
// section of their own (CSV) or a sheet of their own (XLSX, 警告), and an
// import of the fixed report reads the rejects only.
func TestReportWarnings(t *testing.T) {
	headers := heldOut[0]
	reject := &Row{Line: 7, Cells: []string{"王五", "110105194912310021", "", "沈阳市", "", "", ""},
		Reject: Reject{Code: ReasonIDChecksum, Column: 1}}
	warnings := []epiloop.ImportWarning{
		{Row: 4, Seq: 0, Cells: heldOut[3], Code: epiloop.WarningOriginUnknown, Column: 4},
		{Row: 4, Seq: 1, Cells: heldOut[3], Code: epiloop.WarningArrivalDate, Column: 5},
		{Row: 9, Seq: 0, Cells: heldOut[1], Code: epiloop.WarningNameMismatch, Column: 0},
	}
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		for _, lang := range []string{"zh", "en"} {
			t.Run(string(format)+"/"+lang, func(t *testing.T) {
				var report bytes.Buffer
				rw, err := NewRejectWriter(&report, format, headers, lang)
				if err != nil {
					t.Fatal(err)
				}
				if err := rw.Write(reject); err != nil {
					t.Fatal(err)
				}
				for _, w := range warnings {
					if err := rw.WriteWarning(w); err != nil {
						t.Fatal(err)
					}
				}
				if err := rw.Write(reject); err == nil {
					t.Error("a reject after the warnings was written")
				}
				if err := rw.Close(); err != nil {
					t.Fatal(err)
				}
				if rw.Count() != 1 || rw.WarningCount() != 3 {
					t.Errorf("counts %d, %d", rw.Count(), rw.WarningCount())
				}
				section := warningSection(t, format, lang, report.Bytes())
				if len(section) != 1+len(warnings) {
					t.Fatalf("warnings section %q, want a heading and %d rows", section, len(warnings))
				}
				if top := warningHeaders(lang == "en"); !slices.Equal(section[0], append(top[:], headers...)) {
					t.Errorf("heading %q", section[0])
				}
				for i, w := range warnings {
					row := section[i+1]
					zh, en := DescribeWarning(w.Code)
					want := []string{strconv.Itoa(w.Row), map[string]string{"zh": zh, "en": en}[lang], w.Code, headers[w.Column]}
					if !slices.Equal(row[:4], want) || !slices.Equal(row[4:], w.Cells) {
						t.Errorf("warning %d: %q, want %q then %q", i, row, want, w.Cells)
					}
				}
				// The fixed report imports its rejects, not the warnings.
				back := readAll(t, openBytes(t, report.Bytes(), Options{Regions: testRegions()}))
				if len(back) != 1 || back[0].Reject.Code != ReasonIDChecksum || back[0].Cells[0] != "7" {
					t.Errorf("report read back: %+v", back)
				}
			})
		}
	}
}

// warningSection returns the rows of a report's warnings: a CSV file's
// from its heading row on, a workbook's second sheet.
func warningSection(t *testing.T, format Format, lang string, b []byte) [][]string {
	t.Helper()
	if format == FormatCSV {
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if isWarningsHeading(r) {
				return rows[i:]
			}
		}
		return nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	want := map[string]string{"zh": "警告", "en": "Warnings"}[lang]
	if len(sheets) != 2 || sheets[1] != want {
		t.Fatalf("sheets %q, want the rejects' and %s", sheets, want)
	}
	rows, err := f.GetRows(want)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestReportWithoutWarnings: without warnings a report is what it was.
func TestReportWithoutWarnings(t *testing.T) {
	var report bytes.Buffer
	rw, err := NewRejectWriter(&report, FormatXLSX, heldOut[0], "zh")
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s := f.GetSheetList(); len(s) != 1 {
		t.Errorf("sheets %q", s)
	}
}
