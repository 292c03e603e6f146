package intake

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// readTable reads every row of a table file.
func readTable(t testing.TB, b []byte) ([][]string, []int, error) {
	t.Helper()
	tb, err := OpenTable(bytes.NewReader(b), int64(len(b)), "")
	if err != nil {
		return nil, nil, err
	}
	defer tb.Close()
	var rows [][]string
	var lines []int
	for {
		cells, line, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return rows, lines, nil
		} else if errors.Is(err, ErrRowUnreadable) {
			continue
		} else if err != nil {
			return rows, lines, err
		}
		rows, lines = append(rows, slices.Clone(cells)), append(lines, line)
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
	if _, err := OpenTable(bytes.NewReader(nil), 0, ""); err == nil {
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
