package divisions

import "testing"

func TestRegionLookup(t *testing.T) {
	x, err := Regions()
	if err != nil {
		t.Fatalf("Regions: %v", err)
	}
	tests := []struct {
		name   string
		in     string
		want   Region
		wantOK bool
	}{
		{"province code", "42", Region{"42", "湖北省", LevelProvince}, true},
		{"province code padded", "420000", Region{"42", "湖北省", LevelProvince}, true},
		{"city code", "4201", Region{"4201", "武汉市", LevelCity}, true},
		{"city code padded", "420100", Region{"4201", "武汉市", LevelCity}, true},
		{"county code", "420106", Region{"420106", "武昌区", LevelCounty}, true},
		{"former county code", "210122", Region{}, false},
		{"unknown code", "99", Region{}, false},
		{"odd length code", "42010", Region{}, false},
		{"province name", "湖北省", Region{"42", "湖北省", LevelProvince}, true},
		{"province short name", "湖北", Region{"42", "湖北省", LevelProvince}, true},
		{"autonomous region short name", "广西", Region{"45", "广西壮族自治区", LevelProvince}, true},
		{"xinjiang", "新疆", Region{"65", "新疆维吾尔自治区", LevelProvince}, true},
		{"city name", "武汉市", Region{"4201", "武汉市", LevelCity}, true},
		{"city short name", "武汉", Region{"4201", "武汉市", LevelCity}, true},
		{"autonomous prefecture short name", "湘西", Region{"4331", "湘西土家族苗族自治州", LevelCity}, true},
		{"municipality", "北京市", Region{"11", "北京市", LevelProvince}, true},
		{"municipality short", "北京", Region{"11", "北京市", LevelProvince}, true},
		{"municipality city code", "1101", Region{"1101", "北京市", LevelCity}, true},
		{"chongqing counties", "5002", Region{"5002", "重庆市", LevelCity}, true},
		{"province beats city", "吉林", Region{"22", "吉林省", LevelProvince}, true},
		{"city beats county", "朝阳", Region{"2113", "朝阳市", LevelCity}, true},
		{"full name", "北京市朝阳区", Region{"110105", "朝阳区", LevelCounty}, true},
		{"full city name", "湖北省武汉市", Region{"4201", "武汉市", LevelCity}, true},
		{"county-level city under a province", "仙桃市", Region{"429004", "仙桃市", LevelCounty}, true},
		{"placeholder city", "4290", Region{}, false},
		{"same name in several cities", "鼓楼区", Region{}, false},
		{"spaces", " 湖北 ", Region{"42", "湖北省", LevelProvince}, true},
		{"empty", "", Region{}, false},
		{"one character", "湖", Region{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := x.Lookup(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Lookup(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRegionFullName(t *testing.T) {
	x, err := Regions()
	if err != nil {
		t.Fatalf("Regions: %v", err)
	}
	tests := []struct {
		code, want string
	}{
		{"42", "湖北省"},
		{"4201", "湖北省武汉市"},
		{"420100", "湖北省武汉市"},
		{"420106", "湖北省武汉市武昌区"},
		{"11", "北京市"},
		{"1101", "北京市"},
		{"110105", "北京市朝阳区"},
		{"500229", "重庆市城口县"},
		{"429004", "湖北省仙桃市"},
		{"210102", "辽宁省沈阳市和平区"},
		{"4290", ""},
		{"210122", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := x.FullName(tt.code); got != tt.want {
				t.Errorf("FullName(%s) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}

func TestRegionCounts(t *testing.T) {
	x, err := Regions()
	if err != nil {
		t.Fatalf("Regions: %v", err)
	}
	count := make(map[string]int)
	for _, r := range x.byCode {
		count[r.Level]++
	}
	for _, tt := range []struct {
		level string
		want  int
	}{{LevelProvince, 31 + 3}, {LevelCity, 342}, {LevelCounty, 2978}, {LevelCountry, 69}} { // + Taiwan, Hong Kong, Macao
		if got := count[tt.level]; got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.level, got, tt.want)
		}
	}
}
