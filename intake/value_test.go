package intake

import (
	"sync"
	"testing"

	"github.com/epiloop/epiloop/divisions"
)

// testRegions loads the division index once for all tests.
var testRegions = sync.OnceValue(func() *divisions.RegionIndex {
	r, err := divisions.Regions()
	if err != nil {
		panic(err)
	}
	return r
})

func TestParseDate(t *testing.T) {
	tests := []struct {
		in       string
		date1904 bool
		want     string
		ok       bool
	}{
		{"", false, "", true},
		{"2020-01-22", false, "2020-01-22", true},
		{"2020/1/22", false, "2020-01-22", true},
		{"2020.1.22", false, "2020-01-22", true},
		{"2020年1月22日", false, "2020-01-22", true},
		{"2020年01月22号", false, "2020-01-22", true},
		{"20200122", false, "2020-01-22", true},
		{" ２０２０－０１－２２ ", false, "2020-01-22", true},
		{"2020-01-22 14:30", false, "2020-01-22", true},
		{"2020-01-22T14:30:00", false, "2020-01-22", true},
		{"43852", false, "2020-01-22", true},
		{"43852.625", false, "2020-01-22", true},
		{"42390", true, "2020-01-22", true},
		{"1", false, "1900-01-01", true},
		{"59", false, "1900-02-28", true},
		{"60", false, "", false},
		{"61", false, "1900-03-01", true},
		{"2020-02-30", false, "", false},
		{"2020-13-01", false, "", false},
		{"2019-02-29", false, "", false},
		{"2020-02-29", false, "2020-02-29", true},
		{"1月22日", false, "", false},
		{"22/01/2020", false, "", false},
		{"2020-01-22x", false, "", false},
		{"tomorrow", false, "", false},
		{"0", false, "", false},
		{"2100-01-01", false, "", false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in, tt.date1904)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDate(%q, %v) = %q, %v; want %q, %v", tt.in, tt.date1904, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseFlag(t *testing.T) {
	tests := []struct {
		in        string
		value, ok bool
	}{
		{"", false, true},
		{"是", true, true},
		{"否", false, true},
		{"有", true, true},
		{"无", false, true},
		{"√", true, true},
		{"×", false, true},
		{"Y", true, true},
		{"no", false, true},
		{"１", true, true},
		{"发热", true, true},
		{"正常", false, true},
		{"maybe", false, false},
		{"待定", false, false},
	}
	for _, tt := range tests {
		v, ok := parseFlag(tt.in)
		if v != tt.value || ok != tt.ok {
			t.Errorf("parseFlag(%q) = %v, %v; want %v, %v", tt.in, v, ok, tt.value, tt.ok)
		}
	}
}

func TestParseSex(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"男", "M", true},
		{"女性", "F", true},
		{"M", "M", true},
		{"female", "F", true},
		{"1", "M", true},
		{"2", "F", true},
		{"9", "", true},
		{"未知", "", true},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, ok := parseSex(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSex(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTemperature(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"", 0, true},
		{"36.5", 36.5, true},
		{"36.5℃", 36.5, true},
		{"37.3°C", 37.3, true},
		{"38度", 38, true},
		{"３６.８", 36.8, true},
		{"36.600000000000001", 36.6, true},
		{"98.6", 0, false},
		{"3.65", 0, false},
		{"高", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseTemperature(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseTemperature(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"G1234", "G1234"},
		{"g1234", "G1234"},
		{" Ｇ１２３４次 ", "G1234"},
		{"辽A·12345", "辽A12345"},
		{"辽a-12345", "辽A12345"},
		{"辽A 12345", "辽A12345"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalizeCode(tt.in); got != tt.want {
			t.Errorf("normalizeCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOriginResolver(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"武汉", "4201", true},
		{"武汉市", "4201", true},
		{"湖北省武汉市", "4201", true},
		{"湖北", "42", true},
		{"武漢", "4201", true},
		{"武汉站", "4201", true},
		{"北京西站", "11", true},
		{"大连北站", "2102", true},
		{"420100", "4201", true},
		{"420111", "420111", true},
		{"汉口站", "汉口站", false},
		{"火星", "火星", false},
		{" 火星 ", "火星", false},
		{"香港", "81", true},
		{"澳門", "82", true},
		{"日本", "F:JP", true},
		{"東京", "东京", false},
	}
	o := originResolver{regions: testRegions()}
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			got, ok := o.resolve(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("resolve(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		}
	}
	noIndex := originResolver{}
	if got, ok := noIndex.resolve(" 武漢 "); got != "武汉" || !ok {
		t.Errorf("without an index: %q, %v; want 武汉, true", got, ok)
	}
}
