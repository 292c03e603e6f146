package intake

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestTable reads a register of places in GBK and as a workbook: the
// header is the first non-blank row, blank rows are skipped, and rows keep
// their line numbers.
func TestTable(t *testing.T) {
	text := "\n场所编码,名称 ,类别\nG1, 中街网吧 ,gathering\n\nG2,南市场,gathering\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	wb := excelize.NewFile()
	for i, row := range [][]any{{"场所编码", "名称 ", "类别"}, {"G1", " 中街网吧 ", "gathering"}, {}, {"G2", "南市场", "gathering"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if len(row) > 0 {
			wb.SetSheetRow("Sheet1", cell, &row)
		}
	}
	var xlsx bytes.Buffer
	if err := wb.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"gbk": gbk, "xlsx": xlsx.Bytes()} {
		t.Run(name, func(t *testing.T) {
			tb, err := OpenTable(bytes.NewReader(b), int64(len(b)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			if tb.HeaderLine != 2 || tb.Column("编码", "场所编码") != 0 || tb.Column("name", "名称") != 1 || tb.Column("nope") != -1 {
				t.Fatalf("header %v at line %d", tb.Header, tb.HeaderLine)
			}
			var got []TableRow
			for {
				r, err := tb.Next()
				if errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if len(got) != 2 || got[0].Line != 3 || got[0].Cells[1] != "中街网吧" || got[1].Line != 5 || got[1].Cells[0] != "G2" {
				t.Errorf("rows %+v", got)
			}
		})
	}
	if _, err := OpenTable(bytes.NewReader(nil), 0, Options{}); err == nil {
		t.Error("an empty file opened")
	}
}

// readTable reads every row of a table file.
func readTable(t testing.TB, b []byte) ([][]string, []int, error) {
	t.Helper()
	tb, err := OpenTable(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		return nil, nil, err
	}
	defer tb.Close()
	rows, lines := [][]string{tb.Header}, []int{tb.HeaderLine}
	for {
		r, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return rows, lines, nil
		} else if errors.Is(err, ErrRowUnreadable) {
			continue
		} else if err != nil {
			return rows, lines, err
		}
		rows, lines = append(rows, slices.Clone(r.Cells)), append(lines, r.Line)
	}
}

// TestOpenTable reads the same table as UTF-8 CSV, GBK CSV and XLSX:
// the same cells, blank rows skipped, the row numbers of the file.
func TestOpenTable(t *testing.T) {
	csv := "区县,日期,治安警情,刑事警情\n和平区,2026-12-07,31,4\n,,,\n沈河区,2026-12-07,12,1\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	xlsx := xlsxFile(t, []string{"警情"}, map[string][][]any{"警情": {
		{"区县", "日期", "治安警情", "刑事警情"}, {"和平区", "2026-12-07", 31, 4}, nil, {"沈河区", "2026-12-07", 12, 1}}}, nil)
	want := [][]string{{"区县", "日期", "治安警情", "刑事警情"}, {"和平区", "2026-12-07", "31", "4"}, {"沈河区", "2026-12-07", "12", "1"}}
	for name, b := range map[string][]byte{"utf-8": []byte(csv), "gbk": gbk, "xlsx": xlsx} {
		rows, lines, err := readTable(t, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != len(want) {
			t.Fatalf("%s: rows %q, want %q", name, rows, want)
		}
		for i := range want {
			if !slices.Equal(rows[i], want[i]) {
				t.Errorf("%s: row %d %q, want %q", name, i, rows[i], want[i])
			}
		}
		if lines[2] != 4 {
			t.Errorf("%s: the last row is numbered %d, want 4", name, lines[2])
		}
	}
	if _, err := OpenTable(bytes.NewReader(nil), 0, Options{}); err == nil {
		t.Error("an empty file opens")
	}
}

// FuzzOpenTable reads any bytes as a table: an error or rows, never a
// panic.
func FuzzOpenTable(f *testing.F) {
	f.Add([]byte("区县,日期,治安警情,刑事警情\n和平区,2026-12-07,31,4\n"))
	f.Add([]byte("\xef\xbb\xbfa;b;c\n1;2;3\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		readTable(t, b)
	})
}
