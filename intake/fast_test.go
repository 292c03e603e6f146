package intake

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

func TestNormText(t *testing.T) {
	tests := []struct {
		in    string
		names bool
		want  string
		bad   bool
	}{
		{"", false, "", false},
		{"沈阳市和平区水源地社区12号楼3单元", false, "沈阳市和平区水源地社区12号楼3单元", false},
		{"瀋陽市和平區", false, "沈阳市和平区", false},
		{" 瀋陽市  和平區 ", false, "沈阳市 和平区", false},
		{"１２号楼　３单元", false, "12号楼 3单元", false},
		{"张 三", true, "张三", false},
		{"張 三", true, "张三", false},
		{"John  Smith", true, "John Smith", false},
		{"买买提 · 艾力", true, "买买提·艾力", false},
		{"张\t三", false, "张 三", false},
		{"a\u00a0b", false, "a b", false},
		{"张\xff三", false, "", true},
		{"张\ufffd三", false, "", true},
		{"\xed\xa0\x80", false, "", true}, // a surrogate
		{"\xe0\x80\x80", false, "", true}, // overlong
	}
	for _, tt := range tests {
		got, bad := normText(t2s(), tt.in, tt.names)
		if got != tt.want || bad != tt.bad {
			t.Errorf("normText(%q, %v) = %q, %v; want %q, %v", tt.in, tt.names, got, bad, tt.want, tt.bad)
		}
	}
}

func TestCanonicalID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true},
		{"210102199001010013", epiloop.CompleteIDNumber("21010219900101001") == "210102199001010013"},
		{"11010519491231002x", false}, // valid, but not canonical
		{"110105194912310021", false},
		{"990105194912310026", false},
		{"110105194913310029", false},
		{"１１０１０５１９４９１２３１００２Ｘ", false},
		{"110105491231002", false},
	}
	for _, tt := range tests {
		if got := canonicalID(tt.in); got != tt.want {
			t.Errorf("canonicalID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDigits8(t *testing.T) {
	for c := range 256 {
		s := "1234567" + string([]byte{byte(c)})
		want := c >= '0' && c <= '9'
		if got := digits8(s); got != want {
			t.Errorf("digits8(%q) = %v", s, got)
		}
		s = string([]byte{byte(c)}) + "1234567"
		if got := digits8(s); got != want {
			t.Errorf("digits8(%q) = %v", s, got)
		}
	}
}

// FuzzFastPaths holds each fast path to the domain function it stands in
// for: it may only accept what the domain returns unchanged, and normText
// must equal the slow composition.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "13800138000", "沈阳市和平区 水源地社区", "張 三", " a  b ",
		"\xff", "\ufffd", "１２３", "\u3000", "买买提 · 艾力", "G1234", "830000200001010000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if canonicalID(s) {
			if id, err := epiloop.NormalizeIDNumber(s); err != nil || id != s {
				t.Fatalf("canonicalID(%q) but NormalizeIDNumber = %q, %v", s, id, err)
			}
		}
		if canonicalMobile(s) {
			if ph, err := epiloop.NormalizePhone(s); err != nil || ph != s {
				t.Fatalf("canonicalMobile(%q) but NormalizePhone = %q, %v", s, ph, err)
			}
		}
		wantBad := strings.ContainsRune(s, utf8.RuneError)
		for _, names := range []bool{false, true} {
			got, bad := normText(t2s(), s, names)
			if bad != wantBad {
				t.Fatalf("normText(%q, %v) bad = %v", s, names, bad)
			}
			if bad {
				continue
			}
			want := epiloop.NormalizeSpace(Simplify(s))
			if names {
				want = epiloop.NormalizeName(Simplify(s))
			}
			if got != want {
				t.Fatalf("normText(%q, %v) = %q, want %q", s, names, got, want)
			}
		}
	})
}

func BenchmarkScanText(b *testing.B) {
	t := t2s()
	for _, s := range []string{"沈阳市和平区浑河湾街道水源地社区12号楼3单元502室", "张三丰"} {
		b.Run(s[:6], func(b *testing.B) {
			for b.Loop() {
				scanText(t, s, true)
			}
		})
	}
}
