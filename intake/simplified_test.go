package intake

import "testing"

func TestSimplify(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"ASCII", "Room 502, Building 3", "Room 502, Building 3"},
		{"already simplified", "沈阳市和平区水源地社区", "沈阳市和平区水源地社区"},
		{"city and district", "瀋陽市和平區", "沈阳市和平区"},
		{"address", "瀋陽市鐵西區興華街道12號樓3單元", "沈阳市铁西区兴华街道12号楼3单元"},
		{"names", "劉偉", "刘伟"},
		{"names", "陳麗華", "陈丽华"},
		{"surname 鍾", "鍾國強", "钟国强"},
		{"沈 stays", "沈陽", "沈阳"},
		{"surname 於 stays", "於麗", "於丽"},
		{"乾 stays", "乾隆", "乾隆"},
		{"chain resolved", "薴", "苎"},
		{"mixed scripts", "張三 John", "张三 John"},
		{"full-width untouched", "１２號", "１２号"},
		{"invalid UTF-8 kept", "\xff劉", "\xff刘"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Simplify(tt.in); got != tt.want {
				t.Errorf("Simplify(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSimplifyNoAllocation(t *testing.T) {
	s := "沈阳市和平区水源地社区12号楼3单元"
	if n := testing.AllocsPerRun(100, func() { Simplify(s) }); n != 0 {
		t.Errorf("Simplify of simplified text allocates %v times", n)
	}
}

func TestSimplifyReportsBadEncoding(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"张三", false},
		{"張三", false},
		{"张\xff三", true},
		{"張\xff三", true},
		{"张\ufffd三", true},
		{"\xe5\xbc", true}, // cut sequence
	}
	for _, tt := range tests {
		if _, bad := simplify(tt.in); bad != tt.want {
			t.Errorf("simplify(%q) bad = %v, want %v", tt.in, bad, tt.want)
		}
	}
}

func TestT2STable(t *testing.T) {
	n := 0
	tab := t2s()
	parseT2S(func(trad, simp rune) {
		n++
		if got := tab.get(trad); got != simp {
			t.Errorf("table maps %c to %c, file says %c", trad, got, simp)
		}
		if tab.get(simp) != 0 {
			t.Errorf("%c → %c: the simplified character is mapped again", trad, simp)
		}
	})
	if n < 3000 {
		t.Errorf("table has %d entries, want over 3000", n)
	}
}

func TestTraditionalRoundTrip(t *testing.T) {
	for s, tr := range traditional() {
		if got := t2s().get(tr); got != s {
			t.Errorf("traditional %c of %c simplifies to %c", tr, s, got)
		}
	}
}
