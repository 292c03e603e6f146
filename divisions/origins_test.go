package divisions

import (
	"testing"

	"github.com/epiloop/epiloop"
)

func TestOriginsBeyondTheProvinces(t *testing.T) {
	x, err := Regions()
	if err != nil {
		t.Fatalf("Regions: %v", err)
	}
	tests := []struct {
		in       string
		wantCode string
		wantFull string
	}{
		{"香港", "81", "香港特别行政区"},
		{"香港特别行政区", "81", "香港特别行政区"},
		{"中国香港", "81", "香港特别行政区"},
		{"Hong Kong", "81", "香港特别行政区"},
		{"810000", "81", "香港特别行政区"},
		{"澳门", "82", "澳门特别行政区"},
		{"澳門", "82", "澳门特别行政区"},
		{"macau", "82", "澳门特别行政区"},
		{"台湾", "71", "台湾省"},
		{"中国台湾", "71", "台湾省"},
		{"71", "71", "台湾省"},
		{"日本", "F:JP", "日本"},
		{"日本国", "F:JP", "日本"},
		{"Japan", "F:JP", "日本"},
		{"F:JP", "F:JP", "日本"},
		{"韩国", "F:KR", "韩国"},
		{"大韩民国", "F:KR", "韩国"},
		{"美国", "F:US", "美国"},
		{"英国", "F:GB", "英国"},
		{"法国", "F:FR", "法国"},
		{"德国", "F:DE", "德国"},
		{"意大利", "F:IT", "意大利"},
		{"伊朗", "F:IR", "伊朗"},
		{"新加坡", "F:SG", "新加坡"},
		{"泰国", "F:TH", "泰国"},
		{"俄罗斯", "F:RU", "俄罗斯"},
		{"俄罗斯联邦", "F:RU", "俄罗斯"},
		{"澳大利亚", "F:AU", "澳大利亚"},
		{"澳洲", "F:AU", "澳大利亚"},
		{"加拿大", "F:CA", "加拿大"},
		{"马来西亚", "F:MY", "马来西亚"},
		{"印尼", "F:ID", "印度尼西亚"},
		{" 日本 ", "F:JP", "日本"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, ok := x.Lookup(tt.in)
			if !ok || r.Code != tt.wantCode {
				t.Fatalf("Lookup(%q) = %+v, %v; want %s", tt.in, r, ok, tt.wantCode)
			}
			if got := x.FullName(r.Code); got != tt.wantFull {
				t.Errorf("FullName(%s) = %q, want %q", r.Code, got, tt.wantFull)
			}
		})
	}
	// Names that could be a place in China, and codes of no country.
	for _, in := range []string{"蒙古", "F:XX", "f:jp", "F:", "Korea"} {
		if r, ok := x.Lookup(in); ok {
			t.Errorf("Lookup(%q) = %+v, want no answer", in, r)
		}
	}
	// Mainland names still resolve as before.
	if r, ok := x.Lookup("武汉"); !ok || r.Code != "4201" {
		t.Errorf("Lookup(武汉) = %+v, %v", r, ok)
	}
}

// TestCountryNamesAreNoPlaceInChina: a country's name or alias is not also
// the name or short name of a division, so that adding countries takes no
// origin in China abroad.
func TestCountryNamesAreNoPlaceInChina(t *testing.T) {
	x, err := Regions()
	if err != nil {
		t.Fatalf("Regions: %v", err)
	}
	n := 0
	for name, r := range x.aliases {
		if r.Level != LevelCountry {
			continue
		}
		n++
		if !epiloop.IsCountryCode(r.Code) {
			t.Errorf("%s: code %q", name, r.Code)
		}
		if len(x.byName[name]) > 0 || len(x.byShort[name]) > 0 {
			t.Errorf("country name %q is also a division's: %v %v", name, x.byName[name], x.byShort[name])
		}
	}
	if n < 60 {
		t.Errorf("only %d country names", n)
	}
}
