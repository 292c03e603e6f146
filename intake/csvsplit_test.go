package intake

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// stdRecords reads text with encoding/csv as intake would configure it,
// with each record's starting line.
func stdRecords(text string, comma byte) ([][]string, []int, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = rune(comma)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var recs [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, lines, nil
		} else if err != nil {
			return recs, lines, err
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, rec)
		lines = append(lines, line)
	}
}

func splitRecords(text string, comma byte, bufSize int) ([][]string, []int, error) {
	r := newRecordReader(bufio.NewReaderSize(strings.NewReader(text), bufSize), comma)
	var recs [][]string
	var lines []int
	for {
		rec, err := r.read()
		if errors.Is(err, io.EOF) {
			return recs, lines, nil
		} else if err != nil {
			return recs, lines, err
		}
		recs = append(recs, slices.Clone(rec))
		lines = append(lines, r.start)
	}
}

func TestRecordReader(t *testing.T) {
	tests := []string{
		"",
		"a,b,c\n",
		"a,b,c",
		"a,b,c\r\nd,e,f\r\n",
		"a,b\r",
		"\n\na,b\n\n\nc,d\n",
		"a,,\n,,\n",
		`"a","b,c","d""e"` + "\n",
		`"multi` + "\r\n" + `line",x` + "\nnext,y\n",
		`a"b,c` + "\n",
		`"a"b,c` + "\n",
		`"unterminated,x` + "\nmore\n",
		`""` + "\n",
		`"",""` + "\n",
		`a,"b"` + "\r\n",
		"张三,沈阳市\n李四,\"沈阳市,和平区\"\n",
		"x\ry,z\n",
	}
	for _, text := range tests {
		for _, size := range []int{16, 4096} {
			want, wantLines, werr := stdRecords(text, ',')
			got, gotLines, gerr := splitRecords(text, ',', size)
			if !slices.EqualFunc(got, want, slices.Equal) || (werr == nil) != (gerr == nil) {
				t.Errorf("%q (buffer %d):\n got %q %v\nwant %q %v", text, size, got, gerr, want, werr)
			}
			if !slices.Equal(gotLines, wantLines) {
				t.Errorf("%q: lines %v, want %v", text, gotLines, wantLines)
			}
		}
	}
}

func FuzzCSVSplit(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n", `"a","b""c"` + "\r\n", "\n\n\"x\ny\",z", `a"b,"c"d` + "\n", "\r\r\n", "张三;\"沈\"阳\n",
	} {
		f.Add(s, byte(','))
	}
	f.Add("a\tb\n\"c\t\"\n", byte('\t'))
	f.Fuzz(func(t *testing.T, text string, comma byte) {
		switch comma {
		case ',', ';', '\t':
		default:
			comma = ','
		}
		want, wantLines, werr := stdRecords(text, comma)
		for _, size := range []int{16, 64 << 10} {
			got, gotLines, gerr := splitRecords(text, comma, size)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("errors differ: %v, encoding/csv %v", gerr, werr)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("records differ:\n got %q\nwant %q", got, want)
			}
			if !slices.Equal(gotLines, wantLines) {
				t.Fatalf("lines %v, want %v", gotLines, wantLines)
			}
		}
	})
}
