package epiloop

import "testing"

func TestToHalfWidth(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"ASCII unchanged", "abc 123", "abc 123"},
		{"Chinese unchanged", "沈阳市和平区", "沈阳市和平区"},
		{"full-width digits", "１２３", "123"},
		{"full-width letters", "ＡＢＣａｂｃ", "ABCabc"},
		{"range ends", "\uFF01\uFF5E", "!~"},
		{"just outside the range", "\uFF00\uFF5F", "\uFF00\uFF5F"},
		{"ideographic space", "张\u3000三", "张 三"},
		{"mixed", "和平区１号楼（东）", "和平区1号楼(东)"},
		{"invalid UTF-8 kept", "\xff１", "\xff1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToHalfWidth(tt.in); got != tt.want {
				t.Errorf("ToHalfWidth(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeSpace(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"only white space", " \t\u3000\n", ""},
		{"clean", "和平区 南京北街 1号", "和平区 南京北街 1号"},
		{"trim", "  北京  ", "北京"},
		{"collapse", "a  b\t\tc\r\nd", "a b c d"},
		{"ideographic space", "和平区\u3000\u3000南京北街", "和平区 南京北街"},
		{"no-break space", "a\u00a0b", "a b"},
		{"full-width", "１号楼　２单元", "1号楼 2单元"},
		{"keeps space between Chinese", "和平区 南京北街", "和平区 南京北街"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeSpace(tt.in); got != tt.want {
				t.Errorf("NormalizeSpace(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"Chinese clean", "张三", "张三"},
		{"space between characters", "张 三", "张三"},
		{"spaces everywhere", " 张  三 丰 ", "张三丰"},
		{"ideographic space", "张\u3000三", "张三"},
		{"middle dot with spaces", "买买提 · 艾力", "买买提·艾力"},
		{"Latin clean", "John Smith", "John Smith"},
		{"Latin collapse", "  John \t Smith  ", "John Smith"},
		{"full-width Latin", "Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"},
		{"Latin then Chinese", "Anna 李", "Anna李"},
		{"rare character", "王 𠀋", "王𠀋"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeName(tt.in); got != tt.want {
				t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestTextAllocs checks the fast path: clean input, the common case on bulk
// imports, comes back without allocating.
func TestTextAllocs(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
	}{
		{"ToHalfWidth ASCII", ToHalfWidth, "abc 123"},
		{"ToHalfWidth Chinese", ToHalfWidth, "沈阳市和平区"},
		{"NormalizeSpace", NormalizeSpace, "和平区 南京北街 1号"},
		{"NormalizeName Chinese", NormalizeName, "张三丰"},
		{"NormalizeName Latin", NormalizeName, "John Smith"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, func() { tt.fn(tt.in) }); got != 0 {
				t.Errorf("allocations = %v, want 0", got)
			}
		})
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"张 三", " John  Smith ", "买买提 · 艾力", "Ｊｏｈｎ　李", "\xff １"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []struct {
			name string
			f    func(string) string
		}{
			{"NormalizeName", NormalizeName},
			{"NormalizeSpace", NormalizeSpace},
			{"ToHalfWidth", ToHalfWidth},
		} {
			got := fn.f(s)
			if again := fn.f(got); again != got {
				t.Errorf("%s(%q) = %q, not idempotent", fn.name, got, again)
			}
		}
	})
}

func BenchmarkNormalizeName(b *testing.B) {
	for _, in := range []string{"张三丰", " 张 三 丰 "} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NormalizeName(in)
			}
		})
	}
}

func BenchmarkNormalizeSpace(b *testing.B) {
	for _, in := range []string{"和平区 南京北街 1号", "和平区\u3000南京北街  １号 "} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NormalizeSpace(in)
			}
		})
	}
}
