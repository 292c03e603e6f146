package intake

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func FuzzMapHeader(f *testing.F) {
	for _, seed := range []string{
		"车次|座位|姓名|身份证号|手机号|目的地址",
		"Name|ID|Phone|Address",
		"电话|手机|手机号（必填）|身份證號",
		"||【】|(|)|乘车人身份证号",
		"原行号|问题说明|问题代码|问题列|姓名",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cells := strings.Split(s, "|")
		h := mapHeader(cells)
		if len(h.columns) != len(cells) {
			t.Fatalf("%d columns for %d cells", len(h.columns), len(cells))
		}
		seen := map[Field]bool{}
		for i, c := range h.columns {
			if c.Index != i {
				t.Fatalf("column %d has index %d", i, c.Index)
			}
			if c.Field != "" && c.Field != FieldIgnored {
				if seen[c.Field] {
					t.Fatalf("field %s mapped twice", c.Field)
				}
				seen[c.Field] = true
				if h.col[c.Field.index()] != i {
					t.Fatalf("field %s: col %d, column %d", c.Field, h.col[c.Field.index()], i)
				}
			}
		}
		for _, i := range h.extra {
			if h.columns[i].Field != "" || h.columns[i].Header == "" {
				t.Fatalf("extra column %d: %+v", i, h.columns[i])
			}
		}
		_ = describeHeader(h)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{"2020-01-22", "2020年1月22日", "20200122", "43852", "2020/1/22 10:00", "60", "9999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDate(s, false)
		if !ok || d == "" {
			return
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			t.Fatalf("parseDate(%q) = %q, not a date", s, d)
		}
	})
}

// checkRead opens b and reads it to the end, checking what every reader
// promises: refusals are invalid-input errors, data never stops the
// reading, and good rows hold a normalised identity.
func checkRead(t *testing.T, b []byte) {
	r, err := Open(bytes.NewReader(b), int64(len(b)), Options{Regions: testRegions()})
	if err != nil {
		var e *epiloop.Error
		if errors.As(err, &e) && e.Code != epiloop.EINVALID {
			t.Fatalf("refused with code %s: %v", e.Code, err)
		}
		return
	}
	defer r.Close()
	ncols := len(r.Info().Columns)
	for n := 0; ; n++ {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			if r.Info().Format == FormatCSV {
				t.Fatalf("Next: %v", err)
			}
			return
		}
		if row.Reject.Code == ReasonMalformed {
			continue
		}
		if len(row.Cells) < ncols || len(row.Extra) != len(r.Info().Extra) {
			t.Fatalf("row %d: %d cells, %d extras for %d columns", row.Line, len(row.Cells), len(row.Extra), ncols)
		}
		if c := row.Reject.Column; c < -1 || c >= ncols {
			t.Fatalf("row %d: reject column %d", row.Line, c)
		}
		if !row.Valid() {
			continue
		}
		p := row.Person
		if p.IDNumber == "" && p.Phone == "" {
			t.Fatalf("row %d: good without identity", row.Line)
		}
		if p.IDNumber != "" {
			if id, err := epiloop.NormalizeIDNumber(p.IDNumber); err != nil || id != p.IDNumber {
				t.Fatalf("row %d: ID not normalised", row.Line)
			}
		}
		if p.Phone != "" {
			if ph, err := epiloop.NormalizePhone(p.Phone); err != nil || ph != p.Phone {
				t.Fatalf("row %d: phone not normalised", row.Line)
			}
		}
		if err := row.Reason.Validate(); err != nil {
			t.Fatalf("row %d: reason invalid: %v", row.Line, err)
		}
		for _, w := range row.Warnings {
			if w.Column < 0 || w.Column >= ncols || row.Address == "" {
				t.Fatalf("row %d: warning %+v (address %q)", row.Line, w, row.Address)
			}
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("姓名,身份证号,手机号\n张三,11010519491231002X,13800138000\n"))
	f.Add([]byte("\ufeff姓名,手机\n\"李\"\"四\",１３８００１３８０００\n,,\n"))
	f.Add([]byte("title\n\nname\tphone\tarrival_date\nZhang\t13800138000\t43852\n"))
	f.Add([]byte("\xd0\xd5\xc3\xfb,\xca\xd6\xbb\xfa\n\xd5\xc5\xc8\xfd,13800138000\n")) // GBK 姓名,手机
	f.Add([]byte("姓名,手机,备注\n\"张三,13800138000,\"未闭合\n"))
	f.Add([]byte("\xff\xfe\x53\x59\x0d\x54\x2c\x00\x4b\x62\x3a\x67\x0a\x00")) // UTF-16LE
	var buf bytes.Buffer
	if _, err := Generate(&buf, GenOptions{Rows: 20, Seed: 1, Noise: 0.5}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b)
	})
}

func FuzzReadXLSX(f *testing.F) {
	for _, opts := range []GenOptions{{Rows: 5, Seed: 1, Noise: 0.5, Format: FormatXLSX}, {Rows: 0, Format: FormatXLSX}} {
		var buf bytes.Buffer
		if _, err := Generate(&buf, opts); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		checkRead(t, b)
	})
}
