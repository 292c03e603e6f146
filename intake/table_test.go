package intake

import (
	"bytes"
	"errors"
	"io"
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
