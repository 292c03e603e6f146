package epiloop

import (
	"strings"
	"testing"
)

func TestCSVSafe(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"plain", "张三", "张三"},
		{"number", "36.5", "36.5"},
		{"formula", "=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"plus", "+1", "'+1"},
		{"minus", "-5", "'-5"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"phone with country code", "+8613800138000", "'+8613800138000"},
		{"quote alone", "'", "'"},
		{"quoted text", "'abc", "'abc"},
		{"already guarded", "'=1", "''=1"},
		{"inside", "a=1", "a=1"},
		{"newline first", "\n=1", "\n=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CSVSafe(tt.in)
			if got != tt.want {
				t.Errorf("CSVSafe(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := CSVRestore(got); back != tt.in {
				t.Errorf("CSVRestore(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

func TestCSVRestoreAllocs(t *testing.T) {
	for _, s := range []string{"张三", "'=1", "-5"} {
		if n := testing.AllocsPerRun(100, func() { CSVRestore(s) }); n > 0 {
			t.Errorf("CSVRestore(%q) allocates %v times", s, n)
		}
	}
}

// FuzzCSVSafe holds CSVSafe to its two promises: what it returns never
// starts a formula, and CSVRestore gives the cell back.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "''", "-", "\t", "abc", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		safe := CSVSafe(s)
		if safe != "" && strings.IndexByte(csvFormulaStart, safe[0]) >= 0 {
			t.Fatalf("CSVSafe(%q) = %q starts a formula", s, safe)
		}
		if back := CSVRestore(safe); back != s {
			t.Fatalf("CSVRestore(CSVSafe(%q)) = %q", s, back)
		}
	})
}
